/** DescribeVpcs through the describe engine (the default VPC is adopted on first sight). */
import { describe } from '../../lib/describe/engine.js';
import { action } from '../../lib/family.js';
import { vpcDescriptor } from './resources.js';

export default action('DescribeVpcs', async (input, ctx) => {
  const { items, nextToken } = await describe(ctx, 'DescribeVpcs', vpcDescriptor, {
    ids: input.VpcIds,
    filters: input.Filters,
    maxResults: input.MaxResults,
    nextToken: input.NextToken,
  });
  return { Vpcs: items, NextToken: nextToken };
});
