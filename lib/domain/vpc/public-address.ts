/**
 * Public addresses on launch: an instance launched into a subnet with MapPublicIpOnLaunch gets a
 * floating IP from the external network its VPC's router has its gateway on (an attached internet
 * gateway). Without an attached gateway there is nowhere to take one from, so none is given.
 */
import { getRouterDetail } from '../../openstack/neutron.js';
import { defaultVpc } from './default-vpc.js';
import type { VpcDeps } from './deps.js';
import { DEFAULT_VPC_KEY, networkKey, readObjects, type NetworkIndex, type SubnetRecord, type VpcRecord } from './records.js';

/** The external network to take an instance's public address from, or undefined for none. */
export async function publicAddressNetwork(deps: VpcDeps, networkUuid: string): Promise<string | undefined> {
  let index = await deps.store.getJson<NetworkIndex>(networkKey(networkUuid));
  if (!index && !(await deps.store.get(DEFAULT_VPC_KEY))) {
    await defaultVpc(deps);
    index = await deps.store.getJson<NetworkIndex>(networkKey(networkUuid));
  }
  if (!index) return undefined;
  const records = await readObjects<SubnetRecord | VpcRecord>(deps.store, [index.subnetId, index.vpcId]);
  const subnet = records.get(index.subnetId) as SubnetRecord | undefined;
  const vpc = records.get(index.vpcId) as VpcRecord | undefined;
  if (!subnet?.mapPublicIpOnLaunch || !vpc) return undefined;
  return (await getRouterDetail(deps.neutron, vpc.routerId))?.external_gateway_info?.network_id ?? undefined;
}
