/**
 * A per-container cache of facts that change rarely (a project's flavors, its default network),
 * bounded in entries. Within `freshMs` an entry is used as is. Past it, and up to `staleMs`, the old
 * value still answers at once while a refresh runs in the background, so a request does not wait
 * for a Nova or Neutron call that would almost always say the same thing (during a burst those calls
 * wait in the same queue as the launches). Past `staleMs`, or when a caller finds the stale value
 * wanting (`fresh()`), the caller waits for a new read. A failed read is not kept.
 */
import { LruMap } from '../bounded.js';

export interface RefreshingCacheOptions {
  freshMs: number;
  staleMs: number;
  maxEntries: number;
}

interface Entry<T> {
  at: number;
  value: Promise<T>;
  /** A refresh under way, so that concurrent requests start only one. */
  refreshing?: Promise<T>;
}

export class RefreshingCache<T> {
  private readonly entries: LruMap<string, Entry<T>>;

  constructor(private readonly options: RefreshingCacheOptions) {
    this.entries = new LruMap(options.maxEntries);
  }

  /** The cached value (fresh, or stale while a refresh runs), else a new read. */
  get(key: string, read: () => Promise<T>): Promise<T> {
    const entry = this.entries.get(key);
    const age = entry ? Date.now() - entry.at : Infinity;
    if (entry && age < this.options.freshMs) return entry.value;
    if (entry && age < this.options.staleMs) {
      if (!entry.refreshing) {
        entry.refreshing = read();
        entry.refreshing.then(
          (value) => this.store(key, Promise.resolve(value)),
          () => (entry.refreshing = undefined),
        );
      }
      return entry.value;
    }
    return this.fresh(key, read);
  }

  /** A new read, replacing the entry (a refresh already under way is joined). */
  fresh(key: string, read: () => Promise<T>): Promise<T> {
    const running = this.entries.get(key)?.refreshing;
    if (running) return running;
    const value = read();
    this.store(key, value);
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  /** Whether the entry for `key` was read within `freshMs`. */
  isFresh(key: string): boolean {
    const entry = this.entries.get(key);
    return entry !== undefined && Date.now() - entry.at < this.options.freshMs;
  }

  /** Whether `get` would now answer an old value (past `freshMs`, within `staleMs`) while it refreshes. */
  servesStale(key: string): boolean {
    const entry = this.entries.get(key);
    const age = entry ? Date.now() - entry.at : Infinity;
    return age >= this.options.freshMs && age < this.options.staleMs;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private store(key: string, value: Promise<T>): void {
    this.entries.set(key, { at: Date.now(), value });
  }
}
