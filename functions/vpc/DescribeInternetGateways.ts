/** DescribeInternetGateways through the describe engine. */
import { describe } from '../../lib/describe/engine.js';
import { action } from '../../lib/family.js';
import { internetGatewayDescriptor } from './resources.js';

export default action('DescribeInternetGateways', async (input, ctx) => {
  const { items, nextToken } = await describe(ctx, 'DescribeInternetGateways', internetGatewayDescriptor, {
    ids: input.InternetGatewayIds,
    filters: input.Filters,
    maxResults: input.MaxResults,
    nextToken: input.NextToken,
  });
  return { InternetGateways: items, NextToken: nextToken };
});
