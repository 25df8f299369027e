/** DescribeVolumes through the describe engine (see volume-resource.ts for push-down and filters). */
import { describe } from '../../lib/describe/engine.js';
import { clampMaxResults } from '../../lib/describe/paging.js';
import { action } from '../../lib/family.js';
import { volumeDescriptor, withoutFilterFields } from './volume-resource.js';

/** AWS answers at most 500 volumes a page, and treats a larger MaxResults as 500. */
const PAGE_LIMIT = 500;

export default action('DescribeVolumes', async (input, ctx) => {
  const { items, nextToken } = await describe(ctx, 'DescribeVolumes', volumeDescriptor, {
    ids: input.VolumeIds,
    filters: input.Filters,
    maxResults: clampMaxResults(input.MaxResults, PAGE_LIMIT),
    nextToken: input.NextToken,
  });
  return { Volumes: items.map(withoutFilterFields), NextToken: nextToken };
});
