/**
 * DescribeImages: the Glance images the project owns or may launch (public, community, shared with
 * it), as AMIs, AKIs and ARIs. Owner and ExecutableBy narrow the set like filters; exact image-id,
 * name, state and single-owner conditions are pushed down to Glance.
 */
import { describe } from '../../lib/describe/engine.js';
import { action } from '../../lib/family.js';
import type { Filter } from '../../lib/describe/filters.js';
import { glanceOf, imageDescriptor, scopeFilters, type DescribeScope } from './image-resource.js';
import { resumePendingRestarts } from './server-images.js';
import { logger } from '../../lib/log.js';

export default action('DescribeImages', async (input, ctx) => {
  const scope: DescribeScope = {
    owners: input.Owners,
    executableBy: input.ExecutableUsers,
    includeDeprecated: input.IncludeDeprecated,
  };
  const filters: Filter[] = [...(input.Filters ?? []), ...scopeFilters(scope, ctx.caller.projectId)];
  // Instances stopped for CreateImage whose restart had to wait for Nova are started here.
  const restarts = resumePendingRestarts(ctx).catch((error: unknown) =>
    logger.warn('could not restart instances imaged earlier', { error: String(error) }),
  );
  const { items, nextToken } = await describe(ctx, 'DescribeImages', imageDescriptor(glanceOf(ctx), scope), {
    ids: input.ImageIds,
    filters,
    maxResults: input.MaxResults,
    nextToken: input.NextToken,
  });
  await restarts;
  return { Images: items, ...(nextToken ? { NextToken: nextToken } : {}) };
});
