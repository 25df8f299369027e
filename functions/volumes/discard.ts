/**
 * Volumes gone from EC2 that Cinder still holds (lib/store/discards.ts): a copy's backing volume, a
 * volume created with a promise Cinder did not keep, a volume deleted through EC2 while it had
 * snapshots, a delete-on-termination volume Nova could not delete. Cinder refuses to delete a volume
 * while it is being created or still has a snapshot, so what cannot go now is remembered
 * (`volume-gc#<uuid>`) and retried by later requests of the family and by the sweeper. The record
 * stays until Cinder no longer has the volume, so a volume still `deleting` stays hidden.
 */
import { randomBytes } from 'node:crypto';
import type { ActionContext } from '../../lib/context.js';
import { deleteVolume, getVolume } from '../../lib/openstack/cinder.js';
import { OpenStackError } from '../../lib/openstack/http.js';
import { forgetUuid } from '../../lib/store/ids.js';
import type { StateStore } from '../../lib/store/project-store.js';
import { VOLUME_GC_PREFIX, volumeGcKey } from './records.js';

const SETTLE_MS = 15_000;
const POLL_MS = 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isNotFound = (error: unknown) => error instanceof OpenStackError && error.status === 404;

/** What one attempt did, for the sweeper's log line. */
export type DiscardOutcome = 'gone' | 'deleting' | 'kept';

/** Cinder no longer has the volume: its record and its id mapping go. */
async function forgetVolume(store: StateStore, uuid: string): Promise<void> {
  await store.delete(volumeGcKey(uuid)).catch(() => undefined);
  await forgetUuid(store, 'volume', uuid).catch(() => undefined);
}

/** Deletes a volume now if Cinder lets us, else remembers it; never throws. */
export async function discardVolume(ctx: ActionContext, uuid: string, options: { settle?: boolean } = {}): Promise<DiscardOutcome> {
  const deadline = Date.now() + (options.settle ? SETTLE_MS : 0);
  for (;;) {
    try {
      await deleteVolume(ctx.openstack.cinder, uuid);
      // Deleting: a record already there stays until Cinder answers 404 (the volume stays hidden).
      return 'deleting';
    } catch (error) {
      if (isNotFound(error)) {
        await forgetVolume(ctx.store, uuid);
        return 'gone';
      }
      if (Date.now() >= deadline) break;
    }
    // Wait for it to leave `creating` (or for Cinder to drop its snapshot).
    await sleep(POLL_MS);
    const volume = await getVolume(ctx.openstack.cinder, uuid).catch(() => undefined);
    if (!volume) break;
  }
  const existing = await ctx.store.get(volumeGcKey(uuid)).catch(() => undefined);
  if (!existing) await ctx.store.put(volumeGcKey(uuid), { uuid }).catch(() => undefined);
  return 'kept';
}

/**
 * Retries a few remembered volumes, starting at a random place so that volumes that must wait for
 * their snapshots do not keep the others waiting.
 */
export async function sweepDiscardedVolumes(ctx: ActionContext, limit = 3): Promise<Record<DiscardOutcome, number>> {
  const startAfter = `${VOLUME_GC_PREFIX}${randomBytes(1).toString('hex')}`;
  const empty = { items: [] };
  let { items } = await ctx.store.queryPage(VOLUME_GC_PREFIX, limit, startAfter).catch(() => empty);
  if (items.length < limit) {
    const fromStart = await ctx.store.queryPage(VOLUME_GC_PREFIX, limit - items.length).catch(() => empty);
    const seen = new Set(items.map((r) => r.key));
    items = [...items, ...fromStart.items.filter((r) => !seen.has(r.key))];
  }
  const outcomes = await Promise.all(items.map((record) => (record.uuid ? discardVolume(ctx, record.uuid) : Promise.resolve('kept' as const))));
  const counts: Record<DiscardOutcome, number> = { gone: 0, deleting: 0, kept: 0 };
  for (const outcome of outcomes) counts[outcome] += 1;
  return counts;
}
