/**
 * Images that boot from a snapshot: an EBS-backed AMI keeps its volumes as Cinder snapshots named
 * in the image's `block_device_mapping` (Nova's volume-backed snapshots and RegisterImage both
 * write it). Cinder does not know of these references, so deleting such a snapshot would break
 * the image; AWS refuses with InvalidSnapshot.InUse, and so do we.
 */
import type { ActionContext } from '../../lib/context.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { listImages, propertyOf } from '../../lib/openstack/glance.js';
import { ec2IdFor } from '../../lib/store/ids.js';

function snapshotIdsOf(mapping: string | undefined): string[] {
  if (!mapping) return [];
  try {
    const entries = JSON.parse(mapping) as unknown;
    return Array.isArray(entries)
      ? entries.flatMap((e) => (e && typeof e === 'object' && typeof (e as { snapshot_id?: unknown }).snapshot_id === 'string' ? [(e as { snapshot_id: string }).snapshot_id] : []))
      : [];
  } catch {
    return [];
  }
}

/** The AMI ids of the project's images that boot from this Cinder snapshot. */
export async function imagesUsingSnapshot(ctx: ActionContext, snapshotUuid: string): Promise<string[]> {
  if (!ctx.caller.endpoints.image) return [];
  const images = await mapErrors(() => listImages(ctx.openstack.glance, { owner: ctx.caller.projectId }));
  const users = images.filter((image) => snapshotIdsOf(propertyOf(image, 'block_device_mapping')).includes(snapshotUuid));
  return Promise.all(users.map((image) => ec2IdFor(ctx.store, 'image', image.id, 'ami')));
}
