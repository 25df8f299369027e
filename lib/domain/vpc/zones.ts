/** Availability zones subnets can be placed in: Nova's (Neutron networks span them all). */
import type { ServiceClient } from '../../openstack/http.js';

interface NovaZone {
  zoneName: string;
  zoneState: { available: boolean };
}

const TTL_MS = 300_000;
let cached: { at: number; zones: Promise<string[]> } | undefined;

export function availabilityZones(nova: ServiceClient): Promise<string[]> {
  if (cached && Date.now() - cached.at < TTL_MS) return cached.zones;
  const zones = nova
    .get<{ availabilityZoneInfo: NovaZone[] }>('os-availability-zone')
    .then((r) => r.availabilityZoneInfo.filter((z) => z.zoneName !== 'internal' && z.zoneState.available).map((z) => z.zoneName).sort());
  cached = { at: Date.now(), zones };
  zones.catch(() => (cached = undefined));
  return zones;
}
