/** Availability zones volumes may be created in: Cinder's own, which is what it will accept. */
import type { ActionContext } from '../../lib/context.js';
import { listZones, type CinderZone } from '../../lib/openstack/cinder.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { RefreshingCache } from '../../lib/openstack/refreshing-cache.js';

/** Zones change rarely: fresh for a minute, served for ten more while a refresh runs behind. */
const zones = new RefreshingCache<CinderZone[]>({ freshMs: 60_000, staleMs: 600_000, maxEntries: 500 });

export async function requireVolumeZone(ctx: ActionContext, zone: string): Promise<void> {
  const known = await zones.get(ctx.caller.projectId, () => mapErrors(() => listZones(ctx.openstack.cinder)));
  const found = known.find((z) => z.zoneName === zone);
  if (!found) throw new Ec2Error('InvalidZone.NotFound', `The zone '${zone}' does not exist.`);
  if (!found.zoneState.available) {
    throw new Ec2Error('Unsupported', `The requested Availability Zone is currently constrained: ${zone}.`);
  }
}
