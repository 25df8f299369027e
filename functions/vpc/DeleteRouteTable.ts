/** DeleteRouteTable: refused with DependencyViolation for a VPC's main table and while associated. */
import type { ActionContext } from '../../lib/context.js';
import { readObject, type VpcRecord } from '../../lib/domain/vpc/records.js';
import { action } from '../../lib/family.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { requireRouteTable } from './lookup.js';
import { forgetObject } from './objects.js';

async function checked(id: string, ctx: ActionContext) {
  const table = await requireRouteTable(ctx, id);
  const vpc = await readObject<VpcRecord>(ctx.store, table.vpcId);
  if (table.associations.length || vpc?.mainRouteTableId === table.routeTableId) {
    throw new Ec2Error('DependencyViolation', `The routeTable '${id}' has dependencies and cannot be deleted.`);
  }
  return table;
}

export default action(
  'DeleteRouteTable',
  async (input, ctx) => {
    const table = await checked(input.RouteTableId, ctx);
    await forgetObject(ctx, 'route-table', table.routeTableId, table.uuid);
    return {};
  },
  { check: async (input, ctx) => void (await checked(input.RouteTableId, ctx)) },
);
