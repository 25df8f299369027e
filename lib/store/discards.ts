/**
 * Volumes gone from EC2 that Cinder still holds: deleted through EC2 while they had snapshots
 * (Cinder keeps a volume while it has snapshots; EBS does not), delete-on-termination volumes Nova
 * could not delete, a copy's backing volume. Each is one `volume-gc#<uuid>` item; DescribeVolumes
 * hides them, and they are deleted when Cinder lets us (after their last snapshot) by later requests
 * of the volumes family and by the sweeper. Shared by the families that end volumes.
 */
import { existingEc2Id, forgetEc2Id } from './ids.js';
import type { StateStore } from './project-store.js';
import { forgetTags } from './tags.js';

export const VOLUME_GC_PREFIX = 'volume-gc#';
export const volumeGcKey = (volumeUuid: string) => `${VOLUME_GC_PREFIX}${volumeUuid}`;

/** Remembers a volume to delete later; its EC2 id, if it has one, and its tags go at once. */
export async function rememberDiscardedVolume(store: StateStore, uuid: string, knownEc2Id?: string): Promise<void> {
  const ec2Id = knownEc2Id ?? (await existingEc2Id(store, 'volume', uuid));
  await store.put(volumeGcKey(uuid), ec2Id ? { uuid, ec2Id } : { uuid });
  if (ec2Id) {
    await forgetTags(store, ec2Id);
    await forgetEc2Id(store, ec2Id);
  }
}

/** The UUIDs of every volume waiting to be deleted. */
export async function discardedVolumeUuids(store: StateStore): Promise<Set<string>> {
  return new Set((await store.query(VOLUME_GC_PREFIX)).flatMap((r) => (r.uuid ? [r.uuid] : [])));
}
