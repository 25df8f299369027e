/**
 * Volumes gone from EC2 that Cinder still holds (a copy's backing volume, a volume created with a
 * promise Cinder did not keep, a volume deleted through EC2 while it had snapshots, a
 * delete-on-termination volume Nova could not delete): lib/discards.ts deletes them when Cinder
 * lets it; here with the caller's own Cinder. Later requests of the family and the sweeper retry.
 */
import type { ActionContext } from '../../context.js';
import * as discards from '../../discards.js';

const depsOf = (ctx: ActionContext) => ({ store: ctx.store, cinder: ctx.openstack.cinder });

/** Deletes a volume now if Cinder lets us, else remembers it; never throws. */
export const discardVolume = (ctx: ActionContext, uuid: string, options: { settle?: boolean } = {}) =>
  discards.discardVolume(depsOf(ctx), uuid, options);

/** Retries a few volumes left behind by earlier requests. */
export const sweepDiscardedVolumes = (ctx: ActionContext, limit = 3) => discards.sweepDiscardedVolumes(depsOf(ctx), limit);
