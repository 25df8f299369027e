/** ReplaceRoute: a new target for an existing destination; the local route keeps its target. */
import type { ActionContext } from '../../lib/context.js';
import { action, type Input } from '../../lib/family.js';
import { invalidParameterValue } from '../../lib/protocol/errors.js';
import { requireRouteTable, requireVpc } from './lookup.js';
import { routeDestination, routeFrom, routeNotFound, saveAndApply } from './routing.js';

async function checked(input: Input<'ReplaceRoute'>, ctx: ActionContext) {
  const table = await requireRouteTable(ctx, input.RouteTableId);
  const destination = routeDestination(input).text;
  const existing = table.routes.find((r) => r.destination === destination);
  if (!existing) throw routeNotFound(table, destination);
  const route = await routeFrom(ctx, input, table, await requireVpc(ctx, table.vpcId));
  if ((existing.gatewayId === 'local') !== (route.gatewayId === 'local')) {
    throw invalidParameterValue(`cannot replace local route ${destination} in route table ${table.routeTableId} with another target`);
  }
  return { table, route };
}

export default action(
  'ReplaceRoute',
  async (input, ctx) => {
    const { table, route } = await checked(input, ctx);
    const routes = table.routes.map((r) => (r.destination === route.destination ? { ...route, origin: r.origin } : r));
    await saveAndApply(ctx, table.vpcId, [[table.routeTableId, { ...table, routes }, table]]);
    return {};
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
