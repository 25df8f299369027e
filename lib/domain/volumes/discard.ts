/**
 * Volumes this family made and must get rid of (a copy's backing volume, a volume created with a
 * promise Cinder did not keep). Cinder refuses to delete a volume while it is being created or
 * still has a snapshot, so what cannot go now is remembered (`volume-gc#<uuid>`) and retried by
 * later requests of the family.
 */
import type { ActionContext } from '../../context.js';
import { deleteVolume, getVolume } from '../../openstack/cinder.js';
import { OpenStackError } from '../../openstack/http.js';
import { VOLUME_GC_PREFIX, volumeGcKey } from './records.js';
import { waitFor } from '../../wait.js';

const SETTLE_MS = 15_000;
const POLL_MS = 1000;

const isNotFound = (error: unknown) => error instanceof OpenStackError && error.status === 404;

/** Deletes a volume now if Cinder lets us, else remembers it; never throws. */
export async function discardVolume(ctx: ActionContext, uuid: string, options: { settle?: boolean } = {}): Promise<void> {
  const deleted = await waitFor(
    async (attempt) => {
      // Between attempts Cinder may let it leave `creating` (or drop its snapshot); gone from view: stop.
      if (attempt > 1 && !(await getVolume(ctx.openstack.cinder, uuid).catch(() => undefined))) return false;
      try {
        await deleteVolume(ctx.openstack.cinder, uuid);
        await ctx.store.delete(volumeGcKey(uuid));
        return true;
      } catch (error) {
        if (!isNotFound(error)) return undefined;
        await ctx.store.delete(volumeGcKey(uuid)).catch(() => undefined);
        return true;
      }
    },
    { timeoutMs: options.settle ? SETTLE_MS : 0, intervalMs: POLL_MS },
  );
  if (deleted) return;
  await ctx.store.put(volumeGcKey(uuid), { uuid }).catch(() => undefined);
}

/** Retries a few volumes left behind by earlier requests. */
export async function sweepDiscardedVolumes(ctx: ActionContext, limit = 3): Promise<void> {
  const page = await ctx.store.queryPage(VOLUME_GC_PREFIX, limit).catch(() => ({ items: [] }));
  await Promise.all(page.items.map((record) => (record.uuid ? discardVolume(ctx, record.uuid) : Promise.resolve())));
}
