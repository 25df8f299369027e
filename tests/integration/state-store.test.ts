/**
 * The state table's write path against the real table engine the endpoint uses: puts, conditional
 * puts (`ifAbsent`) and their taking over of expired records, lifetimes, batch writes and deletes
 * (more than one batch), written with the DynamoDB client and read back through the store. Each
 * run writes in a partition of its own and deletes what it wrote.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateStore } from '../../lib/store/project-store.js';
import { endpointInfo, uniqueName } from './support/env.js';

// The table is reached directly, configured as the server is (before anything reads the configuration).
Object.assign(process.env, endpointInfo().serverEnv);

let store: StateStore;
const written = new Set<string>();

beforeAll(async () => {
  const { storeFor } = await import('../../lib/store/project-store.js');
  store = storeFor(uniqueName('store-test'));
});

afterAll(async () => {
  await store.deleteMany([...written]);
  expect(await store.query('')).toEqual([]);
});

const key = (name: string) => {
  written.add(name);
  return name;
};

describe('the state table write path', () => {
  it('writes a record and overwrites it; fields of the schema only', async () => {
    const k = key('obj#vpc-1');
    expect(await store.put(k, { ec2Id: 'vpc-1', data: '{"a":1}', value: '' })).toBe(true);
    const first = await store.get(k);
    expect(first).toMatchObject({ project: store.projectId, key: k, ec2Id: 'vpc-1', data: '{"a":1}', value: '' });
    expect(typeof first?.createdAt).toBe('number');
    expect(await store.put(k, { ec2Id: 'vpc-2' })).toBe(true);
    const second = await store.get(k);
    expect(second?.ec2Id).toBe('vpc-2');
    expect(second?.data).toBeUndefined();
  });

  it('a conditional put wins once, and the loser leaves the winner untouched', async () => {
    const k = key('os#instance#uuid-1');
    const results = await Promise.all(['i-a', 'i-b', 'i-c'].map((id) => store.put(k, { ec2Id: id }, { ifAbsent: true })));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = ['i-a', 'i-b', 'i-c'][results.indexOf(true)];
    expect((await store.get(k))?.ec2Id).toBe(winner);
  });

  it('an expired record does not hold its key; a live one with a lifetime does', async () => {
    const k = key('runtoken#expired');
    // Written with a lifetime already over (the table's TTL sweep is slower than this test).
    await store.put(k, { data: '"old"', expiresAt: Math.floor(Date.now() / 1000) - 10 });
    expect(await store.get(k)).toBeUndefined();
    expect(await store.putJson(k, 'new', { ifAbsent: true, ttlSeconds: 60 })).toBe(true);
    expect(await store.getJson(k)).toBe('new');
    const record = await store.get(k);
    expect(record?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 50);
    expect(await store.putJson(k, 'newer', { ifAbsent: true, ttlSeconds: 60 })).toBe(false);
    expect(await store.getJson(k)).toBe('new');
  });

  it('writes and deletes many records across several batches, a repeated key once with its last fields', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => key(`tag#i-${String(i).padStart(3, '0')}#Name`));
    await store.putMany!([...keys.map((k, i) => ({ key: k, fields: { value: `v${i}` } })), { key: keys[7]!, fields: { value: 'last' } }]);
    const read = await store.query('tag#');
    expect(read.map((r) => r.key)).toEqual(keys);
    expect(read.find((r) => r.key === keys[7])?.value).toBe('last');
    expect(read.find((r) => r.key === keys[8])?.value).toBe('v8');
    await store.deleteMany(keys);
    expect(await store.query('tag#')).toEqual([]);
  });

  it('a batch entry with a lifetime expires like a put with one', async () => {
    const k = key('volumetoken#t1');
    await store.putMany!([{ key: k, fields: { data: '1' }, ttlSeconds: 120 }]);
    expect((await store.get(k))?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 100);
  });

  it('refuses a key longer than the table allows as the client\'s bad value, and deletes nothing for it', async () => {
    const long = 'tag#' + 'x'.repeat(1100);
    await expect(store.put(long, { value: 'v' })).rejects.toMatchObject({ code: 'InvalidParameterValue' });
    await expect(store.putMany!([{ key: long, fields: { value: 'v' } }])).rejects.toMatchObject({ code: 'InvalidParameterValue' });
    await expect(store.delete(long)).resolves.toBeUndefined();
    expect(await store.get(long)).toBeUndefined();
  });
});
