/**
 * RunInstances' table writes after Nova accepted the servers: the new ids claimed with a condition,
 * everything else (reverse id items, launch records, tags) in one batch.
 */
import { describe, expect, it } from 'vitest';
import { launchRecordItem, readLaunchRecords, type LaunchRecord } from '../../../lib/domain/instances/launch-record.js';
import { claimNewEc2Ids, existingEc2Id, requireUuid } from '../../../lib/store/ids.js';
import { ID_ERRORS } from '../../../lib/store/id-errors.js';
import { putAll, type PutEntry } from '../../../lib/store/project-store.js';
import { newResourceTagItems, tagsOf } from '../../../lib/store/tags.js';
import { MemoryStore } from '../support/memory-store.js';

/** A MemoryStore that also has the batch write, counting its calls. */
class BatchingStore extends MemoryStore {
  batches: PutEntry[][] = [];
  async putMany(entries: PutEntry[]) {
    this.batches.push(entries);
    for (const e of entries) await this.put(e.key, e.fields, { ttlSeconds: e.ttlSeconds });
  }
}

const record = (serverId: string, instanceId: string): LaunchRecord => ({
  instanceId,
  serverId,
  origin: 'ec2',
  reservationId: 'r-0123456789abcdef0',
  launchIndex: 0,
});

describe('claiming the EC2 ids of servers just created', () => {
  it('gives each server a new i- id and reports each claim as it lands', async () => {
    const store = new MemoryStore();
    const claimed: Array<[string, string]> = [];
    const { ec2Ids, reverseItems } = await claimNewEc2Ids(store, 'instance', ['s-1', 's-2', 's-3'], 'i', (u, id) => claimed.push([u, id]));
    expect([...ec2Ids.keys()]).toEqual(['s-1', 's-2', 's-3']);
    for (const id of ec2Ids.values()) expect(id).toMatch(/^i-[0-9a-f]{17}$/);
    expect(new Set(ec2Ids.values()).size).toBe(3);
    expect(new Map(claimed)).toEqual(ec2Ids);
    // The UUID -> id items are written; the id -> UUID items are left to the caller's batch.
    expect(await existingEc2Id(store, 'instance', 's-2')).toBe(ec2Ids.get('s-2'));
    await expect(requireUuid(store, ec2Ids.get('s-2')!, ['i'], ID_ERRORS.instance)).rejects.toMatchObject({ code: 'InvalidInstanceID.NotFound' });
    await putAll(store, reverseItems);
    expect(await requireUuid(store, ec2Ids.get('s-2')!, ['i'], ID_ERRORS.instance)).toBe('s-2');
  });

  it('claims the ids the caller expected where they are free, all at once when asked', async () => {
    const store = new MemoryStore();
    await claimNewEc2Ids(store, 'instance', ['s-1'], 'i', () => undefined);
    const candidates = new Map([
      ['s-1', 'i-0000000000000000a'],
      ['s-2', 'i-0000000000000000b'],
    ]);
    const { ec2Ids } = await claimNewEc2Ids(store, 'instance', ['s-1', 's-2'], 'i', () => undefined, { candidates, concurrency: 64 });
    // s-1 was named before: its id holds, not the candidate; s-2 gets the candidate.
    expect(ec2Ids.get('s-1')).not.toBe('i-0000000000000000a');
    expect(ec2Ids.get('s-1')).toBe(await existingEc2Id(store, 'instance', 's-1'));
    expect(ec2Ids.get('s-2')).toBe('i-0000000000000000b');
  });

  it('keeps the id a concurrent describe gave the server first', async () => {
    const store = new MemoryStore();
    const first = (await claimNewEc2Ids(store, 'instance', ['s-1'], 'i', () => undefined)).ec2Ids.get('s-1');
    const again = await claimNewEc2Ids(store, 'instance', ['s-1'], 'i', () => undefined);
    expect(again.ec2Ids.get('s-1')).toBe(first);
  });
});

describe('the batch of new records', () => {
  it('goes in one batch write where the store has one, with launch records and tags readable after', async () => {
    const store = new BatchingStore();
    const { ec2Ids, reverseItems } = await claimNewEc2Ids(store, 'instance', ['s-1', 's-2'], 'i', () => undefined);
    const ids = [...ec2Ids.values()];
    const items = [
      ...reverseItems,
      ...[...ec2Ids].map(([uuid, id]) => launchRecordItem(record(uuid, id))),
      ...newResourceTagItems(ids, [{ Key: 'Name', Value: 'web' }, { Key: 'team', Value: '' }]),
    ];
    await putAll(store, items);
    expect(store.batches).toHaveLength(1);
    expect(store.batches[0]).toHaveLength(2 + 2 + 4);
    const launches = await readLaunchRecords(store, ['s-1', 's-2']);
    expect(launches.get('s-2')?.instanceId).toBe(ec2Ids.get('s-2'));
    const tags = await tagsOf(store, ids);
    expect(tags.get(ids[0]!)).toEqual(expect.arrayContaining([{ Key: 'Name', Value: 'web' }, { Key: 'team', Value: '' }]));
  });

  it('falls back to one put per record on a store without batch writes', async () => {
    const store = new MemoryStore();
    await putAll(store, [launchRecordItem(record('s-9', 'i-0123456789abcdef0'))]);
    expect((await readLaunchRecords(store, ['s-9'])).get('s-9')?.instanceId).toBe('i-0123456789abcdef0');
  });

  it('refuses more tags than a resource may have', () => {
    const tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    expect(() => newResourceTagItems(['i-0123456789abcdef0'], tags)).toThrow(expect.objectContaining({ code: 'TagLimitExceeded' }));
  });
});
