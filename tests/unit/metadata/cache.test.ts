import { describe, expect, it } from 'vitest';
import { LookupCache } from '../../../functions/metadata/cache.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('the per-instance lookup cache', () => {
  it('concurrent misses for one instance share one lookup', async () => {
    const c = clock();
    const cache = new LookupCache<string>(() => 5000, 100, c.now);
    const pending = deferred<string>();
    let loads = 0;
    const load = () => (loads++, pending.promise);
    const all = Promise.all(Array.from({ length: 500 }, () => cache.get('t/i', load)));
    pending.resolve('facts');
    const results = await all;
    expect(loads).toBe(1);
    expect(results.filter((r) => r.cache === 'miss')).toHaveLength(1);
    expect(results.filter((r) => r.cache === 'joined')).toHaveLength(499);
    expect(results.every((r) => r.value === 'facts')).toBe(true);
  });

  it('answers from memory until the TTL runs out, then looks up again', async () => {
    const c = clock();
    const cache = new LookupCache<number>(() => 5000, 100, c.now);
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('k', load)).toEqual({ value: 1, cache: 'miss' });
    c.advance(4999);
    expect(await cache.get('k', load)).toEqual({ value: 1, cache: 'hit' });
    c.advance(1);
    expect(await cache.get('k', load)).toEqual({ value: 2, cache: 'miss' });
  });

  it('keeps instances apart', async () => {
    const cache = new LookupCache<string>(() => 5000);
    expect((await cache.get('t/a', async () => 'a')).value).toBe('a');
    expect((await cache.get('t/b', async () => 'b')).value).toBe('b');
    expect((await cache.get('u/a', async () => 'other tenant')).value).toBe('other tenant');
  });

  it('keeps "no such instance" answers, but not failures', async () => {
    const cache = new LookupCache<string | undefined>(() => 5000);
    let loads = 0;
    await cache.get('missing', async () => (loads++, undefined));
    expect(await cache.get('missing', async () => (loads++, 'x'))).toEqual({ value: undefined, cache: 'hit' });
    expect(loads).toBe(1);
    await expect(cache.get('flaky', async () => Promise.reject(new Error('nova down')))).rejects.toThrow('nova down');
    expect(await cache.get('flaky', async () => 'ok')).toEqual({ value: 'ok', cache: 'miss' });
  });

  it('shares a failure with those who joined, and the next request tries again', async () => {
    const cache = new LookupCache<string>(() => 5000);
    const pending = deferred<string>();
    const first = cache.get('k', () => pending.promise);
    const second = cache.get('k', async () => 'never');
    pending.reject(new Error('timeout'));
    await expect(first).rejects.toThrow('timeout');
    await expect(second).rejects.toThrow('timeout');
    expect(await cache.get('k', async () => 'fresh')).toEqual({ value: 'fresh', cache: 'miss' });
  });

  it('with a TTL of 0 keeps nothing, yet concurrent requests still share', async () => {
    const cache = new LookupCache<number>(() => 0);
    let loads = 0;
    const load = async () => ++loads;
    const [a, b] = await Promise.all([cache.get('k', load), cache.get('k', load)]);
    expect([a.value, b.value]).toEqual([1, 1]);
    expect((await cache.get('k', load)).value).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('stays within its size bound', async () => {
    const c = clock();
    const cache = new LookupCache<number>(() => 60_000, 10, c.now);
    for (let i = 0; i < 50; i++) await cache.get(`k${i}`, async () => i);
    expect(cache.size).toBeLessThanOrEqual(11);
    expect((await cache.get('k49', async () => -1)).cache).toBe('hit');
  });
});
