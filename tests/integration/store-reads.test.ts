/**
 * The state table's read path on the real table: getMany calls made side by side (a describe's id
 * check, its records, the region's image ids) share one BatchGetItem, and each project still gets
 * only its own items from it; expired records stay unseen; a read of more keys than one batch holds
 * still answers all of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateStore } from '../../lib/store/project-store.js';
import { endpointInfo, uniqueName } from './support/env.js';

// The state table is used directly, configured as the server is (before anything reads the configuration).
Object.assign(process.env, endpointInfo().serverEnv);

const prefix = uniqueName('store-reads');
let mine: StateStore;
let theirs: StateStore;
const written: Array<{ store: StateStore; key: string }> = [];

async function put(store: StateStore, key: string, uuid: string, ttlSeconds?: number): Promise<void> {
  await store.put(key, { uuid, ec2Id: key }, ttlSeconds ? { ttlSeconds } : {});
  written.push({ store, key });
}

/** The table calls made by `work`, as a request's log line counts them. */
async function tableCallsOf<T>(work: () => Promise<T>): Promise<{ value: T; calls: number }> {
  const { inRequestScope, requestScope } = await import('../../lib/log.js');
  return inRequestScope('test', async () => {
    const value = await work();
    return { value, calls: requestScope()!.table.calls };
  });
}

beforeAll(async () => {
  const { storeFor } = await import('../../lib/store/project-store.js');
  mine = storeFor(`${prefix}-a`);
  theirs = storeFor(`${prefix}-b`);
  await put(mine, 'id#vol-1', 'uuid-a1');
  await put(mine, 'volume#vol-1', 'record-a1');
  await put(theirs, 'id#vol-1', 'uuid-b1');
  await put(theirs, 'id#vol-2', 'uuid-b2');
});

afterAll(async () => {
  for (const { store, key } of written) await store.delete(key).catch(() => undefined);
});

describe('getMany calls made side by side', () => {
  it('are one BatchGetItem, and each project reads only its own partition from it', async () => {
    const { value, calls } = await tableCallsOf(() =>
      Promise.all([mine.getMany(['id#vol-1', 'id#vol-2']), mine.getMany(['volume#vol-1']), theirs.getMany(['id#vol-1', 'id#vol-2'])]),
    );
    const [ids, records, others] = value;
    expect(calls).toBe(1);
    expect([...ids].map(([key, r]) => [key, r.uuid, r.project])).toEqual([['id#vol-1', 'uuid-a1', `${prefix}-a`]]);
    expect([...records].map(([key, r]) => [key, r.uuid])).toEqual([['volume#vol-1', 'record-a1']]);
    expect(new Map([...others].map(([key, r]) => [key, r.uuid]))).toEqual(new Map([['id#vol-1', 'uuid-b1'], ['id#vol-2', 'uuid-b2']]));
  });

  it('made one after another are separate reads that see what was written between them', async () => {
    const { value, calls } = await tableCallsOf(async () => {
      const before = await mine.getMany(['id#vol-3']);
      await put(mine, 'id#vol-3', 'uuid-a3');
      return [before, await mine.getMany(['id#vol-3'])] as const;
    });
    expect(calls).toBe(3); // two reads and the write between them
    expect(value[0].size).toBe(0);
    expect(value[1].get('id#vol-3')?.uuid).toBe('uuid-a3');
  });

  it('leave expired records out, and answer more keys than one batch holds', async () => {
    await put(mine, 'id#vol-expired', 'uuid-gone', 1);
    const many = Array.from({ length: 150 }, (_, i) => `id#vol-many-${i}`);
    for (const key of many.filter((_, i) => i % 50 === 0)) await put(mine, key, `uuid-${key}`);
    await new Promise((r) => setTimeout(r, 2100));
    const [expired, found] = await Promise.all([mine.getMany(['id#vol-expired', 'id#vol-1']), mine.getMany(many)]);
    expect([...expired.keys()]).toEqual(['id#vol-1']);
    expect([...found.keys()].sort()).toEqual(['id#vol-many-0', 'id#vol-many-100', 'id#vol-many-50']);
  });
});
