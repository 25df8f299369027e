/** Availability zones subnets can be placed in: Nova's (Neutron networks span them all). */
import type { ServiceClient } from '../../openstack/http.js';
import { availabilityZones as novaZones } from '../../openstack/nova.js';

const TTL_MS = 300_000;
let cached: { at: number; zones: Promise<string[]> } | undefined;

export function availabilityZones(nova: ServiceClient): Promise<string[]> {
  if (cached && Date.now() - cached.at < TTL_MS) return cached.zones;
  // Nova's internal zone is left out by novaZones.
  const zones = novaZones(nova).then((all) => all.filter((z) => z.zoneState.available).map((z) => z.zoneName).sort());
  cached = { at: Date.now(), zones };
  zones.catch(() => (cached = undefined));
  return zones;
}
