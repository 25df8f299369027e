/** CreateRouteTable: an EC2-only table with the VPC's local route, applied to subnets once associated. */
import { action } from '../../lib/family.js';
import { requireVpc } from './lookup.js';
import { newRouteTable } from './objects.js';
import { formatRouteTable, routeTableContext } from './resources.js';
import { tagNew, tagsFromSpecs } from './tag-specs.js';
import { withUndo } from './undo.js';

export default action(
  'CreateRouteTable',
  async (input, ctx) => {
    const tags = tagsFromSpecs(input.TagSpecifications, 'route-table');
    const vpc = await requireVpc(ctx, input.VpcId);
    const table = await withUndo(async (undo) => {
      const created = await newRouteTable(ctx, vpc.vpcId, vpc.cidr, undo);
      await tagNew(ctx.store, created.routeTableId, tags);
      return created;
    });
    return { RouteTable: formatRouteTable(ctx, table, await routeTableContext(ctx), tags) };
  },
  {
    check: async (input, ctx) => {
      tagsFromSpecs(input.TagSpecifications, 'route-table');
      await requireVpc(ctx, input.VpcId);
    },
  },
);
