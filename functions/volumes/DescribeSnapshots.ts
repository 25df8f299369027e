/**
 * DescribeSnapshots through the describe engine. Cinder shows a project only its own snapshots
 * and cannot share them, so: owners other than `self` or this project (the EC2 account) have
 * nothing to show, and the snapshots restorable by `self`/this project are exactly its own
 * (none is public, none is shared with another account).
 */
import { describe } from '../../lib/describe/engine.js';
import { clampMaxResults } from '../../lib/describe/paging.js';
import { action } from '../../lib/family.js';
import { snapshotDescriptor } from './snapshot-resource.js';

const PAGE_LIMIT = 1000;

export default action('DescribeSnapshots', async (input, ctx) => {
  const self = (id: string) => id === 'self' || id === ctx.caller.projectId;
  const owned = !input.OwnerIds?.length || input.OwnerIds.some(self);
  const restorable = !input.RestorableByUserIds?.length || input.RestorableByUserIds.some(self);
  const { items, nextToken } = await describe(ctx, 'DescribeSnapshots', snapshotDescriptor, {
    ids: input.SnapshotIds,
    filters: input.Filters,
    maxResults: clampMaxResults(input.MaxResults, PAGE_LIMIT),
    nextToken: input.NextToken,
  });
  if (!owned || !restorable) return { Snapshots: [] };
  return { Snapshots: items, NextToken: nextToken };
});
