/**
 * The bound on every per-process (per container) memory: a function serving many projects must not
 * grow without limit, so each cache holds at most a fixed number of entries and forgets the least
 * recently used first. Map iteration order is insertion order, so re-inserting a key marks it used.
 */

/** A Map that forgets its least recently used entry once it holds `maxEntries`. */
export class LruMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly maxEntries: number) {}

  /** The value, marked as used. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  /** Whether the key is held, without marking it used. */
  has(key: K): boolean {
    return this.entries.has(key);
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, value);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/** A Set of at most `maxEntries` members; adding one more forgets the least recently added. */
export class LruSet<K> {
  private readonly members: LruMap<K, true>;

  constructor(maxEntries: number) {
    this.members = new LruMap(maxEntries);
  }

  has(key: K): boolean {
    return this.members.has(key);
  }

  add(key: K): void {
    this.members.set(key, true);
  }

  delete(key: K): void {
    this.members.delete(key);
  }

  clear(): void {
    this.members.clear();
  }

  get size(): number {
    return this.members.size;
  }
}
