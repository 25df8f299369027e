import { describe, expect, it } from 'vitest';
import { LruMap, LruSet } from '../../../lib/bounded.js';

describe('LruMap', () => {
  it('forgets the least recently used entry once full; reading or writing a key marks it used', () => {
    const map = new LruMap<string, number>(3);
    map.set('a', 1);
    map.set('b', 2);
    map.set('c', 3);
    expect(map.get('a')).toBe(1);
    map.set('d', 4);
    expect([map.has('a'), map.has('b'), map.has('c'), map.has('d')]).toEqual([true, false, true, true]);
    map.set('c', 30);
    map.set('e', 5);
    expect([map.has('a'), map.has('c'), map.has('d'), map.has('e')]).toEqual([false, true, true, true]);
    expect(map.size).toBe(3);
  });

  it('does not mark a key used by has, and keeps its size after overwriting a key', () => {
    const map = new LruMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    expect(map.has('a')).toBe(true);
    map.set('b', 20);
    map.set('c', 3);
    expect([map.has('a'), map.get('b'), map.get('c')]).toEqual([false, 20, 3]);
    map.delete('b');
    expect(map.size).toBe(1);
  });
});

describe('LruSet', () => {
  it('holds at most its bound, the least recently added going first', () => {
    const set = new LruSet<number>(2);
    set.add(1);
    set.add(2);
    set.add(1);
    set.add(3);
    expect([set.has(1), set.has(2), set.has(3), set.size]).toEqual([true, false, true, 2]);
    set.clear();
    expect(set.size).toBe(0);
  });
});
