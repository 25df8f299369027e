/** DescribeNetworkInterfaces through the describe engine (declaration in interface-objects.ts). */
import { describe } from '../../lib/describe/engine.js';
import { action } from '../../lib/family.js';
import { interfaceDescriptor } from './interface-objects.js';

export default action('DescribeNetworkInterfaces', async (input, ctx) => {
  const { items, nextToken } = await describe(ctx, 'DescribeNetworkInterfaces', interfaceDescriptor, {
    ids: input.NetworkInterfaceIds,
    filters: input.Filters,
    maxResults: input.MaxResults,
    nextToken: input.NextToken,
  });
  return { NetworkInterfaces: items, NextToken: nextToken };
});
