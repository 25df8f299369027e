import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RefreshingCache } from '../../../lib/openstack/refreshing-cache.js';

/** A read that answers the next value of a counter, counting its calls. */
function counter() {
  let n = 0;
  const read = vi.fn(async () => ++n);
  return read;
}

describe('RefreshingCache', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const cache = () => new RefreshingCache<number>({ freshMs: 1000, staleMs: 10_000, maxEntries: 2 });

  it('reads once while fresh', async () => {
    const c = cache();
    const read = counter();
    expect(await c.get('p', read)).toBe(1);
    expect(await c.get('p', read)).toBe(1);
    expect(read).toHaveBeenCalledTimes(1);
  });

  it('answers the stale value at once and refreshes behind it, once for concurrent callers', async () => {
    const c = cache();
    const read = counter();
    await c.get('p', read);
    vi.advanceTimersByTime(1500);
    expect(await Promise.all([c.get('p', read), c.get('p', read)])).toEqual([1, 1]);
    expect(read).toHaveBeenCalledTimes(2);
    await vi.waitFor(() => expect(c.isFresh('p')).toBe(true));
    expect(await c.get('p', read)).toBe(2);
  });

  it('says when it would answer an old value: past fresh, within stale', async () => {
    const c = cache();
    expect(c.servesStale('p')).toBe(false);
    await c.get('p', counter());
    expect(c.servesStale('p')).toBe(false);
    vi.advanceTimersByTime(1500);
    expect(c.servesStale('p')).toBe(true);
    vi.advanceTimersByTime(10_000);
    expect(c.servesStale('p')).toBe(false);
  });

  it('waits for a new read once the value is too old', async () => {
    const c = cache();
    const read = counter();
    await c.get('p', read);
    vi.advanceTimersByTime(20_000);
    expect(await c.get('p', read)).toBe(2);
  });

  it('does not keep a failed read', async () => {
    const c = cache();
    await expect(c.get('p', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await c.get('p', async () => 7)).toBe(7);
  });

  it('keeps a stale value when its refresh fails', async () => {
    const c = cache();
    await c.get('p', async () => 1);
    vi.advanceTimersByTime(1500);
    expect(await c.get('p', () => Promise.reject(new Error('down')))).toBe(1);
    await Promise.resolve();
    expect(await c.get('p', async () => 3)).toBe(1);
    await vi.waitFor(() => expect(c.isFresh('p')).toBe(true));
    expect(await c.get('p', async () => 4)).toBe(3);
  });

  it('holds at most maxEntries keys, dropping the oldest', async () => {
    const c = cache();
    await c.get('a', async () => 1);
    await c.get('b', async () => 2);
    await c.get('c', async () => 3);
    expect(c.size).toBe(2);
    const read = counter();
    await c.get('a', read);
    expect(read).toHaveBeenCalledTimes(1);
  });

  it('drops the least recently used key, not the least recently read one', async () => {
    const c = cache();
    await c.get('a', async () => 1);
    await c.get('b', async () => 2);
    await c.get('a', async () => 10); // used again: now the most recent
    await c.get('c', async () => 3); // drops b
    const read = counter();
    expect(await c.get('a', read)).toBe(1);
    expect(await c.get('b', read)).toBe(1);
    expect(read).toHaveBeenCalledTimes(1);
  });
});
