/**
 * DescribeTags: the project's tags, of resources that still exist. Exact `resource-id` / `resource-type` filters narrow the table
 * read to those resources' items instead of every tag of the project.
 */
import type { ActionContext } from '../../lib/context.js';
import { filterValues, isExact, type Filter } from '../../lib/describe/filters.js';
import { select } from '../../lib/describe/select.js';
import { action } from '../../lib/family.js';
import { ID_PREFIXES, resourceTypeOf, type ResourceType } from '../../lib/store/ids.js';
import { existingIds } from '../../lib/store/resources.js';
import { allTags, tagsByIdPrefix, tagsOf, type Tag } from '../../lib/store/tags.js';
import type { TagDescription } from '../../schemas/types.js';

async function candidateTags(ctx: ActionContext, filters: Filter[] | undefined) {
  const ids = filterValues(filters, 'resource-id');
  if (ids?.every(isExact)) return tagsOf(ctx.store, ids);
  const types = filterValues(filters, 'resource-type');
  if (types?.every(isExact)) {
    const prefixes = types.flatMap((t) => (Object.hasOwn(ID_PREFIXES, t) ? ID_PREFIXES[t as ResourceType] : []));
    return tagsByIdPrefix(ctx.store, prefixes);
  }
  return allTags(ctx.store);
}

export default action('DescribeTags', async (input, ctx) => {
  const candidates = await candidateTags(ctx, input.Filters);
  // Tags of a resource that is gone (deleted outside EC2, or by a request that stopped half way)
  // are never served; the describe engine and the sweeper remove them.
  const existing = await existingIds(ctx.store, [...candidates.keys()]);
  const byResource = [...candidates].filter(([resourceId]) => existing.has(resourceId));
  const descriptions: Array<TagDescription & { Tag: Tag }> = [];
  for (const [resourceId, tags] of byResource) {
    for (const tag of tags) {
      descriptions.push({
        ResourceId: resourceId,
        ResourceType: resourceTypeOf(resourceId) as TagDescription['ResourceType'],
        Key: tag.Key,
        Value: tag.Value,
        Tag: tag,
      });
    }
  }
  const { items, nextToken } = select(
    'DescribeTags',
    descriptions,
    {
      filters: {
        key: (t) => t.Key,
        value: (t) => t.Value,
        'resource-id': (t) => t.ResourceId,
        'resource-type': (t) => t.ResourceType,
      },
      // Resource id, then key: a stable order for paging.
      keyOf: (t) => `${t.ResourceId}\u0000${t.Key}`,
      tagsOf: (t) => [t.Tag],
      paging: { min: 5, max: 1000 },
    },
    { filters: input.Filters, maxResults: input.MaxResults, nextToken: input.NextToken },
  );
  return { Tags: items.map(({ Tag: _tag, ...description }) => description), NextToken: nextToken };
});
