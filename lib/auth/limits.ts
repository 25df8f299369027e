/**
 * Small in-memory bounds on what a forged signature may cost: a token bucket per key (plus one for
 * all keys together), and a negative cache of signatures Keystone refused, both kept in
 * lib/bounded.ts's LruMap. All of it is per process (per Lambda container): a bound, not a ledger.
 */
import { LruMap } from '../bounded.js';

export interface BucketSettings {
  /** Tokens a full bucket holds: how many checks may happen back to back. */
  capacity: number;
  /** Tokens added per second, up to the capacity. */
  refillPerSecond: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Token buckets by key, with a size cap (a forgotten key starts again with a full bucket). */
export class TokenBuckets {
  private readonly buckets: LruMap<string, Bucket>;

  constructor(
    private readonly settings: BucketSettings,
    maxKeys: number,
    private readonly now: () => number,
  ) {
    this.buckets = new LruMap(maxKeys);
  }

  private current(key: string): Bucket {
    const bucket = this.buckets.get(key) ?? { tokens: this.settings.capacity, updatedAt: this.now() };
    const elapsedSeconds = Math.max(0, this.now() - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(this.settings.capacity, bucket.tokens + elapsedSeconds * this.settings.refillPerSecond);
    bucket.updatedAt = this.now();
    this.buckets.set(key, bucket);
    return bucket;
  }

  /** Takes one token; false when the bucket is empty. */
  take(key: string): boolean {
    const bucket = this.current(key);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Gives a token back (the check it paid for turned out to be the owner's). */
  refund(key: string): void {
    const bucket = this.current(key);
    bucket.tokens = Math.min(this.settings.capacity, bucket.tokens + 1);
  }

  clear(): void {
    this.buckets.clear();
  }
}

/** Remembers refused keys for `ttlMs`, at most `maxEntries` of them. */
export class ExpiringSet {
  private readonly until: LruMap<string, number>;

  constructor(
    private readonly ttlMs: number,
    maxEntries: number,
    private readonly now: () => number,
  ) {
    this.until = new LruMap(maxEntries);
  }

  add(key: string): void {
    this.until.set(key, this.now() + this.ttlMs);
  }

  has(key: string): boolean {
    const until = this.until.get(key);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.until.delete(key);
    return false;
  }

  clear(): void {
    this.until.clear();
  }
}
