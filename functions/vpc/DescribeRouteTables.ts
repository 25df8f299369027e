/** DescribeRouteTables through the describe engine (tables live in the state table only). */
import { describe } from '../../lib/describe/engine.js';
import { action } from '../../lib/family.js';
import { routeTableDescriptor } from './resources.js';

export default action('DescribeRouteTables', async (input, ctx) => {
  const { items, nextToken } = await describe(ctx, 'DescribeRouteTables', routeTableDescriptor, {
    ids: input.RouteTableIds,
    filters: input.Filters,
    maxResults: input.MaxResults,
    nextToken: input.NextToken,
  });
  return { RouteTables: items, NextToken: nextToken };
});
