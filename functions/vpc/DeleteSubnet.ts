/**
 * DeleteSubnet: refused with DependencyViolation while instances or network interfaces use it;
 * then it is unplugged from the router and its Neutron network deleted. Its route table
 * association goes with it, as on AWS. An adopted subnet is forgotten, its network left alone.
 */
import type { ActionContext } from '../../lib/context.js';
import { networkKey, writeObject } from '../../lib/domain/vpc/records.js';
import { action } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { ROUTER_INTERFACES, deleteNetwork, portAddressesOfNetworks, removeRouterInterface } from '../../lib/openstack/neutron.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { requireSubnet, requireVpc, routeTablesOfVpc } from './lookup.js';
import { forgetObject } from './objects.js';

const INFRASTRUCTURE = new Set([...ROUTER_INTERFACES, 'network:dhcp']);
const dependencyViolation = (subnetId: string) => new Ec2Error('DependencyViolation', `The subnet '${subnetId}' has dependencies and cannot be deleted.`);

async function checked(subnetId: string, ctx: ActionContext) {
  const subnet = await requireSubnet(ctx, subnetId);
  const ports = await mapErrors(() => portAddressesOfNetworks(ctx.openstack.neutron, [subnet.networkId]));
  if (ports.some((p) => !INFRASTRUCTURE.has(p.device_owner) && p.fixed_ips.some((f) => f.subnet_id === subnet.subnetUuid))) {
    throw dependencyViolation(subnetId);
  }
  return subnet;
}

export default action(
  'DeleteSubnet',
  async (input, ctx) => {
    const subnet = await checked(input.SubnetId, ctx);
    const neutron = ctx.openstack.neutron;
    if (!subnet.adopted) {
      const vpc = await requireVpc(ctx, subnet.vpcId);
      await mapErrors(() => removeRouterInterface(neutron, vpc.routerId, subnet.subnetUuid), { conflict: () => dependencyViolation(subnet.subnetId) });
      await mapErrors(() => deleteNetwork(neutron, subnet.networkId), { conflict: () => dependencyViolation(subnet.subnetId) });
    }
    for (const table of await routeTablesOfVpc(ctx, subnet.vpcId)) {
      const associations = table.associations.filter((a) => a.subnetId !== subnet.subnetId);
      if (associations.length !== table.associations.length) await writeObject(ctx.store, table.routeTableId, { ...table, associations });
    }
    await ctx.store.delete(networkKey(subnet.networkId));
    await forgetObject(ctx, 'subnet', subnet.subnetId, subnet.subnetUuid);
    return {};
  },
  { check: async (input, ctx) => void (await checked(input.SubnetId, ctx)) },
);
