/**
 * CopySnapshot on Cinder. Cinder cannot copy a snapshot, and a Cinder snapshot cannot outlive its
 * volume, so a copy is made as a volume restored from the source snapshot (the copy's "backing
 * volume", hidden from DescribeVolumes) and a snapshot of that volume. The backing volume lives as
 * long as the copy: DeleteSnapshot of the copy deletes it once Cinder has let go of the snapshot.
 * Both carry metadata naming each other, so copies are recognised without the state table.
 * Like AWS, a copy reports the arbitrary volume id vol-ffffffff.
 */
import type { ActionContext } from '../../context.js';
import {
  createSnapshot,
  createVolume,
  getSnapshot,
  getVolume,
  type CinderSnapshot,
  type CinderVolume,
} from '../../openstack/cinder.js';
import { mapErrors } from '../../openstack/errors.js';
import { OpenStackError } from '../../openstack/http.js';
import { Ec2Error, serviceUnavailable } from '../../protocol/errors.js';
import { discardVolume } from './discard.js';
import { waitFor } from '../../wait.js';

const BACKING_ROLE_KEY = 'ec2api:role';
const BACKING_ROLE = 'snapshot-copy-backing';
const BACKING_VOLUME_KEY = 'ec2api:backing-volume';
const SOURCE_SNAPSHOT_KEY = 'ec2api:source-snapshot';

/** What AWS reports as the volume of a copied snapshot. */
export const COPY_VOLUME_ID = 'vol-ffffffff';

/** How long CopySnapshot waits for the backing volume (a function has a bounded run time). */
const BACKING_READY_MS = 60_000;
/** How long DeleteSnapshot waits for Cinder to drop the copy before deleting its backing volume. */
const SNAPSHOT_GONE_MS = 20_000;
const POLL_MS = 1000;

export const isCopyBackingVolume = (v: Pick<CinderVolume, 'metadata'>) => v.metadata?.[BACKING_ROLE_KEY] === BACKING_ROLE;
export const backingVolumeOf = (s: Pick<CinderSnapshot, 'metadata'>) => s.metadata?.[BACKING_VOLUME_KEY];

const isNotFound = (error: unknown) => error instanceof OpenStackError && error.status === 404;

async function waitForVolume(ctx: ActionContext, id: string): Promise<CinderVolume | undefined> {
  return waitFor(
    async () => {
      const volume = await getVolume(ctx.openstack.cinder, id);
      return volume.status === 'available' || volume.status.startsWith('error') ? volume : undefined;
    },
    { timeoutMs: BACKING_READY_MS, intervalMs: POLL_MS },
  );
}

/** Copies a completed snapshot; answers the new Cinder snapshot (still `creating`). */
export async function copySnapshot(
  ctx: ActionContext,
  source: CinderSnapshot,
  options: { name?: string; description?: string },
): Promise<CinderSnapshot> {
  const backing = await mapErrors(
    () =>
      createVolume(ctx.openstack.cinder, {
        snapshot_id: source.id,
        size: source.size,
        name: `ec2-snapshot-copy-of-${source.id}`,
        description: 'Holds a snapshot copied through the EC2 API; deleted with that snapshot.',
        metadata: { [BACKING_ROLE_KEY]: BACKING_ROLE, [SOURCE_SNAPSHOT_KEY]: source.id },
      }),
    { quota: (m) => new Ec2Error('SnapshotLimitExceeded', `The snapshot copy needs a volume beyond the project's quota: ${m}`) },
  );
  const ready = await mapErrors(() => waitForVolume(ctx, backing.id)).catch(async (error: unknown) => {
    await discardVolume(ctx, backing.id, { settle: true });
    throw error;
  });
  if (!ready || ready.status !== 'available') {
    await discardVolume(ctx, backing.id, { settle: true });
    if (!ready) throw serviceUnavailable('The snapshot copy is taking longer than this cloud allows for one request; try again later.');
    throw new Ec2Error('IncorrectState', `The snapshot could not be copied: Cinder could not restore it (status ${ready.status}).`);
  }
  try {
    return await mapErrors(
      () =>
        createSnapshot(ctx.openstack.cinder, {
          volume_id: backing.id,
          name: options.name,
          description: options.description,
          force: true,
          metadata: { [BACKING_VOLUME_KEY]: backing.id, [SOURCE_SNAPSHOT_KEY]: source.id },
        }),
      { quota: (m) => new Ec2Error('SnapshotLimitExceeded', m) },
    );
  } catch (error) {
    await discardVolume(ctx, backing.id, { settle: true });
    throw error;
  }
}

/** After a copy's snapshot was deleted: its backing volume goes once Cinder has dropped the snapshot. */
export async function releaseBackingVolume(ctx: ActionContext, snapshotUuid: string, volumeUuid: string): Promise<void> {
  await waitFor(
    () =>
      getSnapshot(ctx.openstack.cinder, snapshotUuid).then(
        () => undefined,
        (error: unknown) => (isNotFound(error) ? true : undefined),
      ),
    { timeoutMs: SNAPSHOT_GONE_MS, intervalMs: POLL_MS },
  );
  await discardVolume(ctx, volumeUuid);
}
