/**
 * DeleteVpc: refused with DependencyViolation while the VPC has subnets, an attached internet
 * or VPN gateway, route tables besides the main one or security groups besides its default one; then its
 * default security group, router and main route table go. An
 * adopted default VPC is forgotten and its Neutron network left alone (see README.md).
 */
import type { ActionContext } from '../../lib/context.js';
import { vpcDeps } from '../../lib/domain/vpc/deps.js';
import { markDefaultVpcDeleted } from '../../lib/domain/vpc/default-vpc.js';
import { deleteDefaultGroup, groupsOfVpc } from '../../lib/domain/vpc/security-groups.js';
import { action } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { deleteRouter } from '../../lib/openstack/neutron.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { gatewaysOfVpc, requireVpc, routeTablesOfVpc, subnetsOfVpc } from './lookup.js';
import { forgetObject } from './objects.js';
import { vpnGatewaysOfVpc } from './vpn-resources.js';

const dependencyViolation = (vpcId: string) => new Ec2Error('DependencyViolation', `The vpc '${vpcId}' has dependencies and cannot be deleted.`);

async function checked(vpcId: string, ctx: ActionContext) {
  const vpc = await requireVpc(ctx, vpcId);
  const [subnets, gateways, tables, groups, vpnGateways] = await Promise.all([
    subnetsOfVpc(ctx, vpcId),
    gatewaysOfVpc(ctx, vpcId),
    routeTablesOfVpc(ctx, vpcId),
    groupsOfVpc(vpcDeps(ctx), vpcId),
    vpnGatewaysOfVpc(ctx, vpcId),
  ]);
  const otherGroups = groups.some((g) => !g.isDefault);
  if (subnets.length || gateways.length || vpnGateways.length || otherGroups || tables.some((t) => t.routeTableId !== vpc.mainRouteTableId)) throw dependencyViolation(vpcId);
  return { vpc, tables };
}

export default action(
  'DeleteVpc',
  async (input, ctx) => {
    const { vpc, tables } = await checked(input.VpcId, ctx);
    // The VPC's default security group goes with it (first: a refusal there leaves the VPC whole).
    await mapErrors(() => deleteDefaultGroup(vpcDeps(ctx), vpc.vpcId), { conflict: () => dependencyViolation(vpc.vpcId) });
    if (!vpc.adopted) {
      // Neutron refuses while something of the project's own still uses the router.
      await mapErrors(() => deleteRouter(ctx.openstack.neutron, vpc.routerId), { conflict: () => dependencyViolation(vpc.vpcId) });
    }
    for (const table of tables) await forgetObject(ctx, 'route-table', table.routeTableId, table.uuid);
    await forgetObject(ctx, 'vpc', vpc.vpcId, vpc.routerId);
    if (vpc.isDefault) await markDefaultVpcDeleted(vpcDeps(ctx));
    return {};
  },
  { check: async (input, ctx) => void (await checked(input.VpcId, ctx)) },
);
