/**
 * Volumes gone from EC2 that Cinder still holds: deleted through EC2 while they had snapshots
 * (Cinder keeps a volume while it has snapshots; EBS does not), delete-on-termination volumes Nova
 * could not delete, a copy's backing volume. Each is one `volume-gc#<uuid>` item; DescribeVolumes
 * hides them, and they are deleted when Cinder lets us (after their last snapshot) by later requests
 * of the volumes family and by the sweeper. Shared by the families that end volumes and the sweeper.
 * The record stays until Cinder no longer has the volume, so a volume still `deleting` stays hidden.
 */
import { randomBytes } from 'node:crypto';
import { deleteVolume, getVolume } from './openstack/cinder.js';
import { OpenStackError, type ServiceClient } from './openstack/http.js';
import { existingEc2Id, forgetEc2Id, forgetUuid } from './store/ids.js';
import type { StateStore } from './store/project-store.js';
import { forgetTags } from './store/tags.js';

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

/** Who deletes: the project's slice of the table and a Cinder client that may delete its volumes. */
export interface DiscardDeps {
  store: StateStore;
  cinder: ServiceClient;
}

/** What one attempt did, for the sweeper's log line. */
export type DiscardOutcome = 'gone' | 'deleting' | 'kept';

const SETTLE_MS = 15_000;
const POLL_MS = 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isNotFound = (error: unknown) => error instanceof OpenStackError && error.status === 404;

/** Cinder no longer has the volume: its record and its id mapping go. */
async function forgetVolume(store: StateStore, uuid: string): Promise<void> {
  await store.delete(volumeGcKey(uuid)).catch(() => undefined);
  await forgetUuid(store, 'volume', uuid).catch(() => undefined);
}

/** Deletes a volume now if Cinder lets us, else remembers it; never throws. */
export async function discardVolume(deps: DiscardDeps, uuid: string, options: { settle?: boolean } = {}): Promise<DiscardOutcome> {
  const deadline = Date.now() + (options.settle ? SETTLE_MS : 0);
  for (;;) {
    try {
      await deleteVolume(deps.cinder, uuid);
      // Deleting: a record already there stays until Cinder answers 404 (the volume stays hidden).
      return 'deleting';
    } catch (error) {
      if (isNotFound(error)) {
        await forgetVolume(deps.store, uuid);
        return 'gone';
      }
      if (Date.now() >= deadline) break;
    }
    // Wait for it to leave `creating` (or for Cinder to drop its snapshot).
    await sleep(POLL_MS);
    const volume = await getVolume(deps.cinder, uuid).catch(() => undefined);
    if (!volume) break;
  }
  const existing = await deps.store.get(volumeGcKey(uuid)).catch(() => undefined);
  if (!existing) await deps.store.put(volumeGcKey(uuid), { uuid }).catch(() => undefined);
  return 'kept';
}

/**
 * Retries up to `limit` remembered volumes, starting at a random place so that volumes that must
 * wait for their snapshots do not keep the others waiting.
 */
export async function sweepDiscardedVolumes(deps: DiscardDeps, limit = 3): Promise<Record<DiscardOutcome, number>> {
  const startAfter = `${VOLUME_GC_PREFIX}${randomBytes(1).toString('hex')}`;
  const empty = { items: [] };
  let { items } = await deps.store.queryPage(VOLUME_GC_PREFIX, limit, startAfter).catch(() => empty);
  if (items.length < limit) {
    const fromStart = await deps.store.queryPage(VOLUME_GC_PREFIX, limit - items.length).catch(() => empty);
    const seen = new Set(items.map((r) => r.key));
    items = [...items, ...fromStart.items.filter((r) => !seen.has(r.key))];
  }
  const outcomes = await Promise.all(items.map((record) => (record.uuid ? discardVolume(deps, record.uuid) : Promise.resolve('kept' as const))));
  const counts: Record<DiscardOutcome, number> = { gone: 0, deleting: 0, kept: 0 };
  for (const outcome of outcomes) counts[outcome] += 1;
  return counts;
}
