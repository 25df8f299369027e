/** DescribeAvailabilityZones: Nova's availability zones (the internal zone is never shown). */
import { select } from '../../lib/describe/select.js';
import { action } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { availabilityZones } from '../../lib/openstack/nova.js';
import { invalidParameterValue } from '../../lib/protocol/errors.js';
import type { AvailabilityZone } from '../../schemas/types.js';

export default action('DescribeAvailabilityZones', async (input, ctx) => {
  const region = ctx.config.ec2Region;
  const novaZones = await mapErrors(() => availabilityZones(ctx.openstack.nova));
  const zones: AvailabilityZone[] = novaZones.map((z) => ({
      ZoneName: z.zoneName,
      ZoneId: z.zoneName,
      ZoneType: 'availability-zone',
      State: z.zoneState.available ? 'available' : 'unavailable',
      OptInStatus: 'opt-in-not-required',
      Messages: [],
      RegionName: region,
      GroupName: region,
      NetworkBorderGroup: region,
    }));
  const names = [...(input.ZoneNames ?? []), ...(input.ZoneIds ?? [])];
  for (const name of names) {
    if (!zones.some((z) => z.ZoneName === name)) {
      throw invalidParameterValue(`The availability zone '${name}' does not exist in region ${region}`);
    }
  }
  const named = names.length ? zones.filter((z) => names.includes(z.ZoneName!)) : zones;
  const { items } = select(
    'DescribeAvailabilityZones',
    named,
    {
      filters: {
        'zone-name': (z) => z.ZoneName,
        'zone-id': (z) => z.ZoneId,
        'zone-type': (z) => z.ZoneType,
        state: (z) => z.State,
        'region-name': (z) => z.RegionName,
        'group-name': (z) => z.GroupName,
        'opt-in-status': (z) => z.OptInStatus,
        message: (z) => (z.Messages ?? []).map((m) => m.Message),
      },
      keyOf: (z) => z.ZoneName ?? '',
    },
    { filters: input.Filters },
  );
  return { AvailabilityZones: items };
});
