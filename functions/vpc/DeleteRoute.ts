/** DeleteRoute: any route but the local one. */
import type { ActionContext } from '../../lib/context.js';
import { action, type Input } from '../../lib/family.js';
import { invalidParameterValue } from '../../lib/protocol/errors.js';
import { requireRouteTable } from './lookup.js';
import { routeDestination, routeNotFound, saveAndApply } from './routing.js';

async function checked(input: Input<'DeleteRoute'>, ctx: ActionContext) {
  const table = await requireRouteTable(ctx, input.RouteTableId);
  const destination = routeDestination(input).text;
  const existing = table.routes.find((r) => r.destination === destination);
  if (!existing) throw routeNotFound(table, destination);
  if (existing.gatewayId === 'local') throw invalidParameterValue(`cannot remove local route ${destination} in route table ${table.routeTableId}`);
  return { table, destination };
}

export default action(
  'DeleteRoute',
  async (input, ctx) => {
    const { table, destination } = await checked(input, ctx);
    await saveAndApply(ctx, table.vpcId, [[table.routeTableId, { ...table, routes: table.routes.filter((r) => r.destination !== destination) }, table]]);
    return {};
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
