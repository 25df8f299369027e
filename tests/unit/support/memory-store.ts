/** An in-memory StateStore, with the table's semantics (conditional puts, key order, expiry). */
import type { Page, PutOptions, StateStore } from '../../../lib/store/project-store.js';
import type { StateRecord } from '../../../lib/store/table.js';

export class MemoryStore implements StateStore {
  readonly items = new Map<string, StateRecord>();

  constructor(readonly projectId = 'project-1') {}

  private live(r: StateRecord | undefined) {
    return r && (r.expiresAt === undefined || r.expiresAt * 1000 > Date.now()) ? r : undefined;
  }

  async get(key: string) {
    return this.live(this.items.get(key));
  }

  async getMany(keys: string[]) {
    const out = new Map<string, StateRecord>();
    for (const k of keys) {
      const r = this.live(this.items.get(k));
      if (r) out.set(k, r);
    }
    return out;
  }

  async put(key: string, fields: Omit<StateRecord, 'project' | 'key'>, options: PutOptions = {}) {
    if (options.ifAbsent && this.live(this.items.get(key))) return false;
    const record: StateRecord = { ...fields, project: this.projectId, key, createdAt: fields.createdAt ?? Date.now() };
    if (options.ttlSeconds) record.expiresAt = Math.floor(Date.now() / 1000) + options.ttlSeconds;
    this.items.set(key, record);
    return true;
  }

  async putJson(key: string, data: unknown, options?: PutOptions) {
    return this.put(key, { data: JSON.stringify(data) }, options);
  }

  async getJson<T>(key: string) {
    const r = await this.get(key);
    return r?.data === undefined ? undefined : (JSON.parse(r.data) as T);
  }

  async delete(key: string) {
    this.items.delete(key);
  }

  async deleteMany(keys: string[]) {
    for (const k of keys) this.items.delete(k);
  }

  async queryPage(prefix: string, limit: number, startAfter?: string): Promise<Page<StateRecord>> {
    const keys = [...this.items.keys()].filter((k) => k.startsWith(prefix) && (!startAfter || k > startAfter)).sort();
    const items = keys.slice(0, limit).flatMap((k) => (this.live(this.items.get(k)) ? [this.items.get(k)!] : []));
    return keys.length > limit ? { items, lastKey: keys[limit - 1]! } : { items };
  }

  async query(prefix: string) {
    return (await this.queryPage(prefix, Number.MAX_SAFE_INTEGER)).items;
  }
}

/** The prefixes of the queries made on the store from now on (to count a describe's table queries). */
export function queriedPrefixes(store: MemoryStore): string[] {
  const prefixes: string[] = [];
  const query = store.query.bind(store);
  store.query = (prefix: string) => (prefixes.push(prefix), query(prefix));
  return prefixes;
}
