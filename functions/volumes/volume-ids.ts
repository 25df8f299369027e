/** EC2 volume and snapshot ids to Cinder UUIDs, with AWS's Malformed/NotFound errors. */
import type { ActionContext } from '../../lib/context.js';
import { getSnapshot, getVolume } from '../../lib/openstack/cinder.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { notFound } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ID_PREFIXES, requireUuid } from '../../lib/store/ids.js';

export const volumeUuid = (ctx: ActionContext, volumeId: string) =>
  requireUuid(ctx.store, volumeId, ID_PREFIXES.volume, ID_ERRORS.volume);

export const snapshotUuid = (ctx: ActionContext, snapshotId: string) =>
  requireUuid(ctx.store, snapshotId, ID_PREFIXES.snapshot, ID_ERRORS.snapshot);

export const instanceUuid = (ctx: ActionContext, instanceId: string) =>
  requireUuid(ctx.store, instanceId, ID_PREFIXES.instance, ID_ERRORS.instance);

/** The Cinder volume behind an EC2 id; NotFound also when Cinder no longer has it. */
export async function cinderVolume(ctx: ActionContext, volumeId: string) {
  const uuid = await volumeUuid(ctx, volumeId);
  return mapErrors(() => getVolume(ctx.openstack.cinder, uuid), {
    notFound: () => notFound(ID_ERRORS.volume.notFound, volumeId, 'volume'),
  });
}

export async function cinderSnapshot(ctx: ActionContext, snapshotId: string) {
  const uuid = await snapshotUuid(ctx, snapshotId);
  return mapErrors(() => getSnapshot(ctx.openstack.cinder, uuid), {
    notFound: () => notFound(ID_ERRORS.snapshot.notFound, snapshotId, 'snapshot'),
  });
}
