/**
 * Which VPC (and EC2 subnet) a Neutron network belongs to, for families that show ports: an
 * instance's VpcId is the VPC of its port's network. Networks outside any VPC have none.
 */
import { ec2IdsFor } from '../../store/ids.js';
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
 * The VPC ids instances show for their ports' networks: the VPC a network belongs to (adopting the
 * project's default VPC first when that has not happened yet). A network made outside EC2 and not
 * part of any VPC keeps an id of its own, stable but not listed by DescribeVpcs (a known limit: such
 * a network has no router to be a VPC).
 */
export async function instanceVpcIds(deps: VpcDeps, networkUuids: string[]): Promise<Map<string, string>> {
  let found = await vpcIdsOfNetworks(deps.store, networkUuids);
  if (!networkUuids.every((n) => found.has(n)) && !(await deps.store.get(DEFAULT_VPC_KEY))) {
    await defaultVpc(deps);
    found = await vpcIdsOfNetworks(deps.store, networkUuids);
  }
  const outside = [...new Set(networkUuids.filter((n) => !found.has(n)))];
  return outside.length ? new Map([...(await ec2IdsFor(deps.store, 'vpc', outside)), ...found]) : found;
}
