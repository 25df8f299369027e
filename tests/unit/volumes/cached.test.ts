import { afterEach, describe, expect, it, vi } from 'vitest';
import { perProjectCache } from '../../../functions/volumes/cached.js';

afterEach(() => vi.useRealTimers());

/** A fetch that answers its call count, so each answer shows which call made it. */
function counter() {
  let calls = 0;
  return { fetch: () => Promise.resolve(++calls), calls: () => calls };
}

describe('perProjectCache', () => {
  it('shares one fetch per project while fresh, and keeps projects apart', async () => {
    const cache = perProjectCache<number>();
    const { fetch, calls } = counter();
    expect(await Promise.all([cache('a', fetch), cache('a', fetch)])).toEqual([1, 1]);
    expect(await cache('b', fetch)).toBe(2);
    expect(calls()).toBe(2);
  });

  it('serves a stale answer while one refresh runs beside it, then the refreshed one', async () => {
    vi.useFakeTimers();
    const cache = perProjectCache<number>();
    const { fetch, calls } = counter();
    expect(await cache('a', fetch)).toBe(1);
    vi.advanceTimersByTime(61_000);
    // Two requests at once: both get the stale answer at once, and only one refresh starts.
    expect(await Promise.all([cache('a', fetch), cache('a', fetch)])).toEqual([1, 1]);
    expect(calls()).toBe(2);
    expect(await cache('a', fetch)).toBe(2);
    expect(calls()).toBe(2);
    // Past ten minutes an answer is not served at all.
    vi.advanceTimersByTime(601_000);
    expect(await cache('a', fetch)).toBe(3);
  });

  it('does not remember a failure', async () => {
    const cache = perProjectCache<number>();
    await expect(cache('a', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await Promise.resolve();
    expect(await cache('a', () => Promise.resolve(7))).toBe(7);
  });

  it('holds at most 500 projects, dropping the least recently used', async () => {
    const cache = perProjectCache<number>();
    const { fetch, calls } = counter();
    for (let i = 0; i < 500; i++) await cache(`p${i}`, fetch);
    await cache('p0', fetch); // used again: now the most recent
    await cache('p500', fetch); // drops p1
    expect(calls()).toBe(501);
    await cache('p0', fetch);
    expect(calls()).toBe(501);
    await cache('p1', fetch);
    expect(calls()).toBe(502);
  });
});
