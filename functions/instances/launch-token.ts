/**
 * RunInstances' ClientToken: the same token makes one reservation, however many requests carry it
 * and however they race. The token is claimed in the table with a conditional write BEFORE Nova is
 * called; the winner launches and records the reservation on the claim; the others wait for that
 * and answer the same reservation. A launch that fails releases the claim (nothing is left in the
 * table), so a later retry launches again, as AWS retries a failed request.
 */
import { createHash } from 'node:crypto';
import { Ec2Error, serviceUnavailable } from '../../lib/protocol/errors.js';
import type { PutEntry, StateStore } from '../../lib/store/project-store.js';
import { waitFor } from '../../lib/wait.js';
import { CLAIM_SECONDS, tokenKey, type TokenClaim } from '../../lib/domain/instances/launch-journal.js';

export interface Launched {
  reservationId: string;
  serverIds: string[];
}

/** A claim without an outcome after this long belongs to a launch that died half-way. */
const ABANDONED_MS = 10 * 60_000;
const WAIT_MS = 180_000;
const POLL_MS = 400;

/** JSON with sorted keys, so the same parameters in any order give the same fingerprint. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function fingerprintOf(params: Record<string, unknown>): string {
  const { ClientToken: _token, DryRun: _dryRun, ...rest } = params;
  return createHash('sha256').update(canonical(rest)).digest('hex');
}

const mismatch = () =>
  new Ec2Error('IdempotentParameterMismatch', 'The client token you have provided is associated with a resource that is already deleted or has different parameters.');

/** The token's claim completed with a launch's outcome, as an item for the launch's own batch write. */
export type OutcomeItem = (launched: Launched) => PutEntry;

/**
 * Runs `launch` once per token; the other requests with the token get `replay` of its outcome.
 * `launch` may write the outcome itself, in the batch that records the launch (one table round
 * trip less, and the outcome lands exactly when the launch records do), and says so by
 * `outcomeWritten`; else it is written here.
 */
export async function withClientToken<T>(
  store: StateStore,
  token: string,
  fingerprint: string,
  launch: (outcomeItem: OutcomeItem) => Promise<{ launched: Launched; answer: T; outcomeWritten?: boolean }>,
  replay: (launched: Launched) => Promise<T>,
): Promise<T> {
  const key = tokenKey(token);
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const claim: TokenClaim = { fingerprint, startedAt: Date.now() };
    if (await store.putJson(key, claim, { ifAbsent: true, ttlSeconds: CLAIM_SECONDS })) {
      const outcomeItem: OutcomeItem = (launched) => ({
        key,
        fields: { data: JSON.stringify({ ...claim, ...launched } satisfies TokenClaim) },
        ttlSeconds: CLAIM_SECONDS,
      });
      let result: { launched: Launched; answer: T; outcomeWritten?: boolean };
      try {
        result = await launch(outcomeItem);
      } catch (error) {
        await store.delete(key).catch(() => undefined);
        throw error;
      }
      if (!result.outcomeWritten) await store.putJson(key, { ...claim, ...result.launched } satisfies TokenClaim, { ttlSeconds: CLAIM_SECONDS });
      return result.answer;
    }
    // Someone holds the token: wait for their outcome.
    const outcome = await waitFor(
      async (): Promise<{ launched?: Launched } | undefined> => {
        const held = await store.getJson<TokenClaim>(key);
        if (!held) return {}; // their launch failed and released the token: try again ourselves
        if (held.fingerprint !== fingerprint) throw mismatch();
        if (held.reservationId && held.serverIds) return { launched: { reservationId: held.reservationId, serverIds: held.serverIds } };
        if (Date.now() - held.startedAt > ABANDONED_MS) {
          await store.delete(key);
          return {};
        }
        return undefined;
      },
      { deadline, intervalMs: POLL_MS },
    );
    if (!outcome) throw serviceUnavailable('A request with this client token is still in progress; try again later.');
    if (outcome.launched) return replay(outcome.launched);
  }
}
