/**
 * Which VPC (and EC2 subnet) a Neutron network belongs to, for families that show ports: an
 * instance's VpcId is the VPC of its port's network. Networks outside any VPC have none.
 */
import type { StateStore } from '../../store/project-store.js';
import { defaultVpc } from './default-vpc.js';
import type { VpcDeps } from './deps.js';
import { DEFAULT_VPC_KEY, networkKey, type NetworkIndex } from './records.js';

export async function vpcIdsOfNetworks(store: StateStore, networkUuids: string[]): Promise<Map<string, string>> {
  const unique = [...new Set(networkUuids)];
  const records = await store.getMany(unique.map(networkKey));
  const out = new Map<string, string>();
  for (const uuid of unique) {
    const data = records.get(networkKey(uuid))?.data;
    if (data !== undefined) out.set(uuid, (JSON.parse(data) as NetworkIndex).vpcId);
  }
  return out;
}

/**
 * The same, adopting the project's default VPC first when that has not happened yet and some
 * network is not indexed (an instance on the project's own network shows the default VPC's id).
 */
export async function vpcIdsOfNetworksAdopting(deps: VpcDeps, networkUuids: string[]): Promise<Map<string, string>> {
  const found = await vpcIdsOfNetworks(deps.store, networkUuids);
  if (networkUuids.every((n) => found.has(n)) || (await deps.store.get(DEFAULT_VPC_KEY))) return found;
  await defaultVpc(deps);
  return vpcIdsOfNetworks(deps.store, networkUuids);
}
