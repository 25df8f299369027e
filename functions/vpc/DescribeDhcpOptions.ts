/** DescribeDhcpOptions through the describe engine. */
import { describe } from '../../lib/describe/engine.js';
import { action } from '../../lib/family.js';
import { dhcpOptionsDescriptor } from './resources.js';

export default action('DescribeDhcpOptions', async (input, ctx) => {
  const { items, nextToken } = await describe(ctx, 'DescribeDhcpOptions', dhcpOptionsDescriptor, {
    ids: input.DhcpOptionsIds,
    filters: input.Filters,
    maxResults: input.MaxResults,
    nextToken: input.NextToken,
  });
  return { DhcpOptions: items, NextToken: nextToken };
});
