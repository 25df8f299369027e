/** EnableVgwRoutePropagation: the table shows the gateway's connections' static routes (lib/domain/vpc/vpn-routes.ts). */
import { allInOrder } from '../../lib/deferred.js';
import type { ActionContext } from '../../lib/context.js';
import { writeObject } from '../../lib/domain/vpc/records.js';
import { requireVpnaas } from '../../lib/domain/vpc/vpn-support.js';
import { action, type Input } from '../../lib/family.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { requireRouteTable } from './lookup.js';
import { requireVpnGateway } from './vpn-resources.js';

/** Shared with DisableVgwRoutePropagation: the gateway must be attached to the table's VPC. */
export async function propagationPair(input: Input<'EnableVgwRoutePropagation'>, ctx: ActionContext) {
  const [gateway, table] = await allInOrder([requireVpnGateway(ctx, input.GatewayId), requireRouteTable(ctx, input.RouteTableId)]);
  if (gateway.vpcId !== table.vpcId) {
    throw new Ec2Error('Gateway.NotAttached', `resource ${gateway.vpnGatewayId} is not attached to network ${table.vpcId}`);
  }
  return { gateway, table };
}

async function checked(input: Input<'EnableVgwRoutePropagation'>, ctx: ActionContext) {
  await requireVpnaas(ctx.openstack.neutron);
  return propagationPair(input, ctx);
}

export default action(
  'EnableVgwRoutePropagation',
  async (input, ctx) => {
    const { gateway, table } = await checked(input, ctx);
    if (!gateway.propagatingRouteTableIds.includes(table.routeTableId)) {
      await writeObject(ctx.store, gateway.vpnGatewayId, { ...gateway, propagatingRouteTableIds: [...gateway.propagatingRouteTableIds, table.routeTableId] });
    }
    return {};
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
