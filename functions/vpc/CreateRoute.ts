/** CreateRoute: to an attached internet gateway, an instance or a network interface (see routing.ts and README.md). */
import type { ActionContext } from '../../lib/context.js';
import { action, type Input } from '../../lib/family.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { requireRouteTable, requireVpc } from './lookup.js';
import { routeFrom, saveAndApply } from './routing.js';

async function checked(input: Input<'CreateRoute'>, ctx: ActionContext) {
  const table = await requireRouteTable(ctx, input.RouteTableId);
  const vpc = await requireVpc(ctx, table.vpcId);
  const route = await routeFrom(ctx, input, table, vpc);
  if (table.routes.some((r) => r.destination === route.destination)) {
    throw new Ec2Error('RouteAlreadyExists', `The route identified by ${route.destination} already exists.`);
  }
  return { table, route };
}

export default action(
  'CreateRoute',
  async (input, ctx) => {
    const { table, route } = await checked(input, ctx);
    await saveAndApply(ctx, table.vpcId, [[table.routeTableId, { ...table, routes: [...table.routes, route] }, table]]);
    return { Return: true };
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
