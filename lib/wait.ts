/**
 * The one place that waits: `sleep`, `waitFor` (poll until a probe has an answer or a deadline
 * passes) and `retry` (run again after failures). Every loop that waits on OpenStack or on the
 * table goes through these, so deadlines, backoff and cancellation behave the same everywhere.
 *
 * Ours rather than p-retry/p-wait-for: those cover either polling or retrying, and neither gives
 * the probe's last value back when the time runs out, which several callers report to the user.
 */

/** Resolves after `ms`; rejects with the signal's reason if it is aborted first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface Backoff {
  /** The first pause (ms). */
  intervalMs: number;
  /** Each further pause is the previous one times this (1: a fixed interval). */
  factor?: number;
  /** No pause is longer than this. */
  maxIntervalMs?: number;
  /** Stops the waiting: the pending pause rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface WaitOptions extends Backoff {
  /** How long to keep probing, from the call (ms); or an absolute `deadline` (epoch ms). */
  timeoutMs?: number;
  deadline?: number;
  /** Pause before the first probe as well (for things that are known not to be ready yet). */
  pauseFirst?: boolean;
}

const nextPause = (pause: number, backoff: Backoff) => Math.min(pause * (backoff.factor ?? 1), backoff.maxIntervalMs ?? Infinity);

/**
 * Calls `probe` until it answers something other than undefined, and returns that; undefined when
 * the deadline passes first. The probe sees the attempt number (1, 2, …).
 */
export async function waitFor<T>(probe: (attempt: number) => Promise<T | undefined>, options: WaitOptions): Promise<T | undefined> {
  const deadline = options.deadline ?? Date.now() + (options.timeoutMs ?? 0);
  let pause = options.intervalMs;
  if (options.pauseFirst) await sleep(pause, options.signal);
  for (let attempt = 1; ; attempt++) {
    const answer = await probe(attempt);
    if (answer !== undefined) return answer;
    if (Date.now() + pause > deadline) return undefined;
    await sleep(pause, options.signal);
    pause = nextPause(pause, options);
  }
}

export interface RetryOptions extends Backoff {
  /** How many times to run the work at most (the first run included). */
  attempts: number;
  /** Whether a failure is worth another attempt (all are, by default). */
  shouldRetry?: (error: unknown) => boolean;
  /** Called before each pause, e.g. to log the failure. */
  onFailure?: (error: unknown, attempt: number) => void;
}

/** Runs `work` until it succeeds; the last failure is thrown once the attempts are used up. */
export async function retry<T>(work: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  let pause = options.intervalMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (attempt >= options.attempts || (options.shouldRetry && !options.shouldRetry(error))) throw error;
      options.onFailure?.(error, attempt);
      await sleep(pause, options.signal);
      pause = nextPause(pause, options);
    }
  }
}
