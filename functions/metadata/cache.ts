/**
 * A short per-instance cache in front of the lookups. When 500 instances boot at once each asks
 * for a dozen paths in a few seconds: with the cache that is one lookup per instance, and requests
 * arriving while a lookup is under way wait for it instead of starting their own. Answers that
 * an instance is unknown are kept too (a misbehaving client does not turn into OpenStack load);
 * failures are not, so the next request tries again.
 */

export type CacheOutcome = 'hit' | 'miss' | 'joined';

interface Entry<T> {
  value: Promise<T>;
  /** Set once the lookup is done; until then requests join the pending lookup. */
  expiresAt?: number;
}

export class LookupCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly ttlMs: () => number,
    private readonly maxEntries = 20_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string, load: () => Promise<T>): Promise<{ value: T; cache: CacheOutcome }> {
    const found = this.entries.get(key);
    if (found) {
      if (found.expiresAt === undefined) return { value: await found.value, cache: 'joined' };
      if (found.expiresAt > this.now()) return { value: await found.value, cache: 'hit' };
      this.entries.delete(key);
    }
    const entry: Entry<T> = { value: load() };
    this.entries.set(key, entry);
    this.evict();
    try {
      const value = await entry.value;
      entry.expiresAt = this.now() + this.ttlMs();
      if (this.ttlMs() <= 0 && this.entries.get(key) === entry) this.entries.delete(key);
      return { value, cache: 'miss' };
    } catch (error) {
      if (this.entries.get(key) === entry) this.entries.delete(key);
      throw error;
    }
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Keeps memory bounded: expired entries go first, then the oldest. */
  private evict(): void {
    if (this.entries.size <= this.maxEntries) return;
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.entries.delete(key);
    }
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries) break;
      if (entry.expiresAt !== undefined) this.entries.delete(key);
    }
  }
}
