/** DescribeSubnets through the describe engine (records joined with Neutron's subnets and port counts). */
import { describe } from '../../lib/describe/engine.js';
import { action } from '../../lib/family.js';
import { subnetDescriptor } from './resources.js';

export default action('DescribeSubnets', async (input, ctx) => {
  const { items, nextToken } = await describe(ctx, 'DescribeSubnets', subnetDescriptor, {
    ids: input.SubnetIds,
    filters: input.Filters,
    maxResults: input.MaxResults,
    nextToken: input.NextToken,
  });
  return { Subnets: items, NextToken: nextToken };
});
