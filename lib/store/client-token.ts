/**
 * Idempotent creation with a ClientToken: the token is claimed in the state table (a conditional
 * write) before OpenStack is called, so concurrent retries cannot create twice. A retry with the
 * same parameters gets the first answer; different parameters are AWS's IdempotentParameterMismatch.
 */
import { createHash } from 'node:crypto';
import type { ActionContext } from '../context.js';
import { Ec2Error, serviceUnavailable } from '../protocol/errors.js';
import { waitFor } from '../wait.js';

type Store = ActionContext['store'];

export interface TokenClaim<T> {
  fingerprint: string;
  /** Set once the resource exists. */
  resourceId?: string;
  /** The first answer, for retries that come after the resource is gone. */
  result?: T;
}

const CLAIM_SECONDS = 24 * 3600;
const IN_FLIGHT_WAIT_MS = 15_000;

export function fingerprint(params: unknown): string {
  return createHash('sha256').update(JSON.stringify(params)).digest('hex');
}


/**
 * Runs `create` once per token. `replay(id, first)` answers a retry from the resource's current
 * state (or the first answer when it is gone).
 */
export async function withClientToken<T>(
  store: Store,
  key: string,
  params: unknown,
  create: () => Promise<{ resourceId: string; result: T }>,
  replay: (resourceId: string, first: T | undefined) => Promise<T>,
): Promise<T> {
  const print = fingerprint(params);
  const claimed = await store.putJson(key, { fingerprint: print } satisfies TokenClaim<T>, { ifAbsent: true, ttlSeconds: CLAIM_SECONDS });
  if (claimed) {
    let created: { resourceId: string; result: T };
    try {
      created = await create();
    } catch (error) {
      await store.delete(key);
      throw error;
    }
    const done: TokenClaim<T> = { fingerprint: print, resourceId: created.resourceId, result: created.result };
    await store.putJson(key, done, { ttlSeconds: CLAIM_SECONDS });
    return created.result;
  }

  const settled = await waitFor(
    async () => {
      const claim = await store.getJson<TokenClaim<T>>(key);
      if (claim && claim.fingerprint !== print) {
        throw new Ec2Error('IdempotentParameterMismatch', 'The client token you have provided is associated with a resource that has different parameters.');
      }
      // No claim: the first attempt failed and released the token, so this one may go ahead.
      return !claim || claim.resourceId ? { claim } : undefined;
    },
    { timeoutMs: IN_FLIGHT_WAIT_MS, intervalMs: 500 },
  );
  if (!settled) throw serviceUnavailable('A request with this client token is still in progress; try again.');
  const { claim } = settled;
  if (!claim) return withClientToken(store, key, params, create, replay);
  return replay(claim.resourceId!, claim.result);
}
