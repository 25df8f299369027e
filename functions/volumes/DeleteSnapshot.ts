/**
 * DeleteSnapshot. A snapshot Cinder will not delete because something depends on it is AWS's
 * InvalidSnapshot.InUse, as is one an image boots from (snapshot-users.ts). Deleting a copy
 * (CopySnapshot) also deletes its backing volume, and deleting the last snapshot of a volume
 * deleted through EC2 deletes that volume in Cinder. The id and tags end at once.
 */
import { action } from '../../lib/family.js';
import { deleteSnapshot } from '../../lib/openstack/cinder.js';
import { toEc2Error } from '../../lib/openstack/errors.js';
import { OpenStackError } from '../../lib/openstack/http.js';
import { Ec2Error, notFound } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { forgetEc2Id } from '../../lib/store/ids.js';
import { forgetTags } from '../../lib/store/tags.js';
import { expireRecord, snapshotKey, volumeGcKey } from '../../lib/domain/volumes/records.js';
import { sweepDiscardedVolumes } from '../../lib/domain/volumes/discard.js';
import { backingVolumeOf, releaseBackingVolume } from '../../lib/domain/volumes/snapshot-copies.js';
import { imagesUsingSnapshot } from './snapshot-users.js';
import { cinderSnapshot } from './volume-ids.js';

export default action(
  'DeleteSnapshot',
  async (input, ctx) => {
    const snapshot = await cinderSnapshot(ctx, input.SnapshotId);
    try {
      await deleteSnapshot(ctx.openstack.cinder, snapshot.id);
    } catch (error) {
      if (error instanceof OpenStackError && error.status === 400) {
        const inUse = /depend|in use|in-use/i.test(error.message);
        throw new Ec2Error(
          inUse ? 'InvalidSnapshot.InUse' : 'IncorrectState',
          `The snapshot ${input.SnapshotId} cannot be deleted now: ${error.message}`,
        );
      }
      throw toEc2Error(error, { notFound: () => notFound(ID_ERRORS.snapshot.notFound, input.SnapshotId, 'snapshot') });
    }
    await forgetTags(ctx.store, input.SnapshotId);
    await forgetEc2Id(ctx.store, input.SnapshotId);
    await expireRecord(ctx.store, snapshotKey(input.SnapshotId));
    // A copy's backing volume, or a volume deleted through EC2 while it had snapshots, goes once
    // Cinder has let go of this snapshot (it stays remembered while other snapshots hold it).
    const discarded = (await ctx.store.get(volumeGcKey(snapshot.volume_id))) ? snapshot.volume_id : undefined;
    const backing = backingVolumeOf(snapshot) ?? discarded;
    if (backing) await releaseBackingVolume(ctx, snapshot.id, backing);
    await sweepDiscardedVolumes(ctx);
    return {};
  },
  {
    check: async (input, ctx) => {
      const snapshot = await cinderSnapshot(ctx, input.SnapshotId);
      const images = await imagesUsingSnapshot(ctx, snapshot.id);
      if (images.length) {
        throw new Ec2Error('InvalidSnapshot.InUse', `The snapshot ${input.SnapshotId} is currently in use by ${images.join(', ')}`);
      }
    },
  },
);
