/** DescribeRegions: the cloud's EC2 region(s) and this endpoint. */
import { select } from '../../lib/describe/select.js';
import { action } from '../../lib/family.js';
import { invalidParameterValue } from '../../lib/protocol/errors.js';
import type { Region } from '../../schemas/types.js';

export default action('DescribeRegions', async (input, ctx) => {
  const regions: Region[] = [
    { RegionName: ctx.config.ec2Region, Endpoint: ctx.config.ec2Endpoint, OptInStatus: 'opt-in-not-required' },
  ];
  for (const name of input.RegionNames ?? []) {
    if (!regions.some((r) => r.RegionName === name)) throw invalidParameterValue(`Invalid region name: ${name}`);
  }
  const named = input.RegionNames?.length ? regions.filter((r) => input.RegionNames!.includes(r.RegionName!)) : regions;
  const { items } = select(
    'DescribeRegions',
    named,
    {
      filters: {
        'region-name': (r) => r.RegionName,
        endpoint: (r) => r.Endpoint,
        'opt-in-status': (r) => r.OptInStatus,
      },
      keyOf: (r) => r.RegionName ?? '',
    },
    { filters: input.Filters },
  );
  return { Regions: items };
});
