import { describe as suite, expect, it } from 'vitest';
import { retry, sleep, waitFor } from '../../../lib/wait.js';

suite('waitFor', () => {
  it('returns the first answer and counts attempts', async () => {
    const seen: number[] = [];
    const answer = await waitFor(async (attempt) => (seen.push(attempt), attempt === 3 ? 'ready' : undefined), { timeoutMs: 1000, intervalMs: 1 });
    expect(answer).toBe('ready');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('gives up with undefined once the next pause would pass the deadline', async () => {
    let calls = 0;
    const answer = await waitFor(async () => void calls++, { timeoutMs: 30, intervalMs: 10 });
    expect(answer).toBeUndefined();
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(calls).toBeLessThanOrEqual(4);
  });

  it('probes once when there is no time to wait', async () => {
    let calls = 0;
    expect(await waitFor(async () => void calls++, { timeoutMs: 0, intervalMs: 10 })).toBeUndefined();
    expect(calls).toBe(1);
  });

  it('stops when its signal is aborted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('request over')), 5);
    await expect(waitFor(async () => undefined, { timeoutMs: 60_000, intervalMs: 1000, signal: controller.signal })).rejects.toThrow('request over');
  });
});

suite('retry', () => {
  it('retries failures with growing pauses, then succeeds', async () => {
    const failures: number[] = [];
    const result = await retry(
      async (attempt) => {
        if (attempt < 3) throw new Error(`failure ${attempt}`);
        return attempt;
      },
      { attempts: 3, intervalMs: 1, factor: 2, onFailure: (_e, attempt) => failures.push(attempt) },
    );
    expect(result).toBe(3);
    expect(failures).toEqual([1, 2]);
  });

  it('throws the last failure when attempts run out, or at once when it is not worth retrying', async () => {
    let calls = 0;
    await expect(retry(async () => { calls++; throw new Error('still down'); }, { attempts: 2, intervalMs: 1 })).rejects.toThrow('still down');
    expect(calls).toBe(2);
    calls = 0;
    await expect(retry(async () => { calls++; throw new Error('bad input'); }, { attempts: 5, intervalMs: 1, shouldRetry: () => false })).rejects.toThrow('bad input');
    expect(calls).toBe(1);
  });
});

suite('sleep', () => {
  it('rejects at once with an already aborted signal', async () => {
    await expect(sleep(10_000, AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
  });
});
