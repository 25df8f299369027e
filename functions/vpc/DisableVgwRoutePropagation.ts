/** DisableVgwRoutePropagation: the table stops showing the gateway's routes (a table not propagating is left as it is). */
import { writeObject } from '../../lib/domain/vpc/records.js';
import { action } from '../../lib/family.js';
import { propagationPair } from './EnableVgwRoutePropagation.js';

export default action(
  'DisableVgwRoutePropagation',
  async (input, ctx) => {
    const { gateway, table } = await propagationPair(input, ctx);
    if (gateway.propagatingRouteTableIds.includes(table.routeTableId)) {
      await writeObject(ctx.store, gateway.vpnGatewayId, { ...gateway, propagatingRouteTableIds: gateway.propagatingRouteTableIds.filter((id) => id !== table.routeTableId) });
    }
    return {};
  },
  { check: async (input, ctx) => void (await propagationPair(input, ctx)) },
);
