/**
 * Work started now and awaited later. A promise that rejects while its function awaits something
 * else has no handler yet: Node calls that an unhandled rejection and ends the process (the whole
 * local endpoint, or a Lambda execution environment with the requests it holds). `deferred` attaches
 * a handler at once; the rejection still reaches whoever awaits the returned promise.
 *
 *   const imagesP = deferred(imagesOf(ids));   // may reject while we await the ports
 *   const ports = await portsOf(ids);
 *   const images = await imagesP;              // throws here, where it is handled
 *
 * Prefer awaiting the work together (Promise.all) where the code allows it.
 * tests/unit/lint/early-promises.test.ts finds promises held across another await without this.
 */
export function deferred<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** Every promise-valued property of `work` given a handler at once (see `deferred`). */
export function deferredAll<T extends { [K in keyof T]: Promise<unknown> }>(work: T): T {
  for (const promise of Object.values(work) as Array<Promise<unknown>>) deferred(promise);
  return work;
}

/**
 * Promise.all for checks that may each fail: when several reject, the error is the first in the
 * given order, not whichever settled first, so a request that is wrong twice (an unknown allocation
 * id and an unknown instance) gets the same error every time. Waits for all of them to settle.
 */
export async function allInOrder<T extends readonly unknown[] | []>(work: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(work);
  for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}
