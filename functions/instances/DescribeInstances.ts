/**
 * DescribeInstances: the project's instances grouped by reservation, through the describe engine
 * (ids, filters, tags, MaxResults/NextToken; everything in one answer without MaxResults).
 */
import { describe } from '../../lib/describe/engine.js';
import { action } from '../../lib/family.js';
import { instanceDescriptor } from './instance-resource.js';
import { reservationsOf } from './reservations.js';

export default action('DescribeInstances', async (input, ctx) => {
  const { items, nextToken } = await describe(ctx, 'DescribeInstances', instanceDescriptor(), {
    ids: input.InstanceIds,
    filters: input.Filters,
    maxResults: input.MaxResults,
    nextToken: input.NextToken,
  });
  return { Reservations: reservationsOf(items), NextToken: nextToken };
});
