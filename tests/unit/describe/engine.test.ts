import { describe as suite, expect, it } from 'vitest';
import { describe, type ResourceDescriptor } from '../../../lib/describe/engine.js';
import { ID_ERRORS } from '../../../lib/store/id-errors.js';
import { ec2IdFor, forgetEc2Id, uuidOf } from '../../../lib/store/ids.js';
import { putTags } from '../../../lib/store/tags.js';
import type { Volume } from '../../../schemas/types.js';
import { fakeContext } from '../support/context.js';
import { MemoryStore } from '../support/memory-store.js';

interface RawVolume {
  id: string;
  size: number;
  status: string;
}

/** A volume-like resource over a fixed list, counting how it was listed. */
function volumes(raws: RawVolume[]) {
  const listed: Array<string[] | undefined> = [];
  const descriptor: ResourceDescriptor<RawVolume, Volume> = {
    type: 'volume',
    idErrors: ID_ERRORS.volume,
    list: async (_ctx, query) => {
      listed.push(query.uuids);
      const items = query.uuids ? raws.filter((r) => query.uuids!.includes(r.id)) : raws;
      return { items, complete: !query.uuids };
    },
    uuidOf: (r) => r.id,
    format: async (_ctx, entries) =>
      entries.map((e) => ({ VolumeId: e.ec2Id, Size: e.raw.size, State: e.raw.status as Volume['State'], Tags: e.tags })),
    idOf: (v) => v.VolumeId!,
    filters: { size: (v) => v.Size, status: (v) => v.State, 'volume-id': (v) => v.VolumeId },
  };
  return { descriptor, listed };
}

const raws: RawVolume[] = Array.from({ length: 12 }, (_, i) => ({ id: `uuid-${i}`, size: i + 1, status: i % 2 ? 'in-use' : 'available' }));

suite('describe engine', () => {
  it('gives each resource one EC2 id and keeps it across calls', async () => {
    const ctx = fakeContext();
    const { descriptor } = volumes(raws);
    const first = await describe(ctx, 'DescribeVolumes', descriptor, {});
    const second = await describe(ctx, 'DescribeVolumes', descriptor, {});
    expect(first.items).toHaveLength(12);
    expect(first.items.map((v) => v.VolumeId).sort()).toEqual(second.items.map((v) => v.VolumeId).sort());
    for (const v of first.items) expect(v.VolumeId).toMatch(/^vol-[0-9a-f]{17}$/);
    expect(await uuidOf(ctx.store, first.items[0]!.VolumeId!)).toMatch(/^uuid-/);
  });

  it('agrees on one id when many describes race on a resource seen for the first time', async () => {
    const ctx = fakeContext();
    const ids = await Promise.all(Array.from({ length: 10 }, () => ec2IdFor(ctx.store, 'volume', 'uuid-race')));
    expect(new Set(ids).size).toBe(1);
  });

  it('applies filters with wildcards, tags, and AND/OR semantics', async () => {
    const ctx = fakeContext();
    const { descriptor } = volumes(raws);
    const all = await describe(ctx, 'DescribeVolumes', descriptor, {});
    const tagged = all.items.filter((v) => v.Size! <= 3).map((v) => v.VolumeId!);
    await putTags(ctx.store, tagged, [{ Key: 'team', Value: 'batch-7' }]);
    const result = await describe(ctx, 'DescribeVolumes', descriptor, {
      filters: [
        { Name: 'tag:team', Values: ['batch-*'] },
        { Name: 'status', Values: ['available', 'nothing'] },
      ],
    });
    expect(result.items.map((v) => v.Size).sort()).toEqual([1, 3]);
    expect(result.items[0]!.Tags).toEqual([{ Key: 'team', Value: 'batch-7' }]);
  });

  it('refuses unknown filters and filters AWS documents but we do not serve', async () => {
    const ctx = fakeContext();
    const { descriptor } = volumes(raws);
    await expect(describe(ctx, 'DescribeVolumes', descriptor, { filters: [{ Name: 'colour', Values: ['x'] }] })).rejects.toMatchObject({
      code: 'InvalidParameterValue',
      message: "The filter 'colour' is invalid",
    });
    await expect(
      describe(ctx, 'DescribeVolumes', descriptor, { filters: [{ Name: 'fast-restored', Values: ['true'] }] }),
    ).rejects.toMatchObject({ code: 'InvalidParameterValue', message: expect.stringContaining('not supported') });
  });

  it('pages with MaxResults and an opaque NextToken, covering every item once', async () => {
    const ctx = fakeContext();
    const { descriptor } = volumes(raws);
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const result = await describe(ctx, 'DescribeVolumes', descriptor, { maxResults: 5, nextToken });
      seen.push(...result.items.map((v) => v.VolumeId!));
      nextToken = result.nextToken;
      pages++;
    } while (nextToken);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(12);
    await expect(describe(ctx, 'DescribeVolumes', descriptor, { maxResults: 5, nextToken: 'garbage' })).rejects.toMatchObject({
      code: 'InvalidPaginationToken',
    });
    await expect(describe(ctx, 'DescribeVolumes', descriptor, { maxResults: 2 })).rejects.toMatchObject({ code: 'InvalidParameterValue' });
  });

  it('resolves ids, answers NotFound for ids this project does not have, Malformed for bad ones', async () => {
    const ctx = fakeContext();
    const { descriptor, listed } = volumes(raws);
    const all = await describe(ctx, 'DescribeVolumes', descriptor, {});
    const wanted = all.items.slice(0, 2).map((v) => v.VolumeId!);
    const some = await describe(ctx, 'DescribeVolumes', descriptor, { ids: wanted });
    expect(some.items.map((v) => v.VolumeId).sort()).toEqual([...wanted].sort());
    expect(listed.at(-1)).toHaveLength(2);

    const otherProject = fakeContext();
    await expect(describe(otherProject, 'DescribeVolumes', descriptor, { ids: wanted })).rejects.toMatchObject({
      code: 'InvalidVolume.NotFound',
    });
    await expect(describe(ctx, 'DescribeVolumes', descriptor, { ids: ['vol-xyz'] })).rejects.toMatchObject({
      code: 'InvalidVolumeID.Malformed',
    });
    await expect(describe(ctx, 'DescribeVolumes', descriptor, { ids: ['vol-12345678'] })).rejects.toMatchObject({
      code: 'InvalidVolume.NotFound',
    });
  });

  it('asks OpenStack for an id resolved before while the table confirms it, and answers NotFound once the table forgot it', async () => {
    const ctx = fakeContext(new MemoryStore('project-remembers'));
    const { descriptor, listed } = volumes(raws);
    const all = await describe(ctx, 'DescribeVolumes', descriptor, {});
    const id = all.items[0]!.VolumeId!;
    await putTags(ctx.store, [id], [{ Key: 'k', Value: 'v' }]);
    expect((await describe(ctx, 'DescribeVolumes', descriptor, { ids: [id] })).items[0]!.Tags).toEqual([{ Key: 'k', Value: 'v' }]);
    const again = await describe(ctx, 'DescribeVolumes', descriptor, { ids: [id] });
    expect(again.items.map((v) => v.VolumeId)).toEqual([id]);

    await forgetEc2Id(ctx.store, id);
    const calls = listed.length;
    await expect(describe(ctx, 'DescribeVolumes', descriptor, { ids: [id] })).rejects.toMatchObject({ code: 'InvalidVolume.NotFound' });
    expect(listed.length).toBe(calls + 1); // the remembered uuid went out; the table's answer decided
    // Forgotten in this container too: the next request resolves in the table first.
    await expect(describe(ctx, 'DescribeVolumes', descriptor, { ids: [id] })).rejects.toMatchObject({ code: 'InvalidVolume.NotFound' });
    expect(listed.length).toBe(calls + 1);
  });

  it('never asks OpenStack for an id another project resolved', async () => {
    const ctx = fakeContext(new MemoryStore('project-a'));
    const { descriptor, listed } = volumes(raws);
    const id = (await describe(ctx, 'DescribeVolumes', descriptor, {})).items[0]!.VolumeId!;
    await describe(ctx, 'DescribeVolumes', descriptor, { ids: [id] });
    const calls = listed.length;
    const other = fakeContext(new MemoryStore('project-b'));
    await expect(describe(other, 'DescribeVolumes', descriptor, { ids: [id] })).rejects.toMatchObject({ code: 'InvalidVolume.NotFound' });
    expect(listed.length).toBe(calls);
  });

  it('forgets ids (and tags) of resources gone from OpenStack once past the grace period', async () => {
    const ctx = fakeContext();
    const { descriptor } = volumes(raws);
    const all = await describe(ctx, 'DescribeVolumes', descriptor, {});
    const goneId = all.items.find((v) => v.Size === 1)!.VolumeId!;
    await putTags(ctx.store, [goneId], [{ Key: 'k', Value: 'v' }]);
    // Age every mapping past the grace period, then let the resource disappear.
    for (const record of ctx.store.items.values()) record.createdAt = 0;
    const shrunk = volumes(raws.filter((r) => r.id !== 'uuid-0')).descriptor;
    await describe(ctx, 'DescribeVolumes', shrunk, {});
    expect(await uuidOf(ctx.store, goneId)).toBeUndefined();
    expect(await ctx.store.query(`tag#${goneId}#`)).toEqual([]);
    // A young mapping survives a listing that does not show it yet.
    const young = await ec2IdFor(ctx.store, 'volume', 'uuid-new');
    await describe(ctx, 'DescribeVolumes', shrunk, {});
    expect(await uuidOf(ctx.store, young)).toBe('uuid-new');
  });

  it('keeps mappings of resources the listing retains, and lets the family forget its records of gone ones', async () => {
    const ctx = fakeContext();
    const { descriptor } = volumes(raws);
    const all = await describe(ctx, 'DescribeVolumes', descriptor, {});
    const hiddenId = all.items.find((v) => v.Size === 1)!.VolumeId!;
    const goneId = all.items.find((v) => v.Size === 2)!.VolumeId!;
    for (const record of ctx.store.items.values()) record.createdAt = 0;
    const forgotten: string[] = [];
    const left = raws.filter((r) => r.id !== 'uuid-0' && r.id !== 'uuid-1');
    const shrunk: typeof descriptor = {
      ...descriptor,
      list: async () => ({ items: left, complete: true, retained: ['uuid-0'] }),
      forgetRecords: async (_ctx, gone) => {
        forgotten.push(...gone.map((g) => g.ec2Id));
      },
    };
    await describe(ctx, 'DescribeVolumes', shrunk, {});
    expect(await uuidOf(ctx.store, hiddenId)).toBe('uuid-0');
    expect(await uuidOf(ctx.store, goneId)).toBeUndefined();
    expect(forgotten).toEqual([goneId]);
  });
});

suite('DescribeTags', () => {
  it('lists every tag of the project when no filter narrows the resources', async () => {
    const { default: DescribeTags } = await import('../../../functions/instances/DescribeTags.js');
    const ctx = fakeContext();
    const instance = await ec2IdFor(ctx.store, 'instance', 'server-1');
    const volume = await ec2IdFor(ctx.store, 'volume', 'volume-1');
    await putTags(ctx.store, [instance], [{ Key: 'a', Value: '1' }]);
    await putTags(ctx.store, [volume], [{ Key: 'b', Value: '2' }]);
    const all = await DescribeTags.run({}, ctx);
    expect(all.Tags?.map((t) => `${t.ResourceType}:${t.Key}`).sort()).toEqual(['instance:a', 'volume:b']);
    const byKey = await DescribeTags.run({ Filters: [{ Name: 'key', Values: ['b'] }] }, ctx);
    expect(byKey.Tags).toEqual([{ ResourceId: volume, ResourceType: 'volume', Key: 'b', Value: '2' }]);
    const byType = await DescribeTags.run({ Filters: [{ Name: 'resource-type', Values: ['instance'] }] }, ctx);
    expect(byType.Tags?.map((t) => t.Key)).toEqual(['a']);
  });

  it('never lists the tags of a resource whose id is gone', async () => {
    const { default: DescribeTags } = await import('../../../functions/instances/DescribeTags.js');
    const ctx = fakeContext();
    const volume = await ec2IdFor(ctx.store, 'volume', 'volume-1');
    await putTags(ctx.store, [volume, 'vol-0123456789abcdef0'], [{ Key: 'b', Value: '2' }]);
    const all = await DescribeTags.run({}, ctx);
    expect(all.Tags?.map((t) => t.ResourceId)).toEqual([volume]);
    const named = await DescribeTags.run({ Filters: [{ Name: 'resource-id', Values: ['vol-0123456789abcdef0'] }] }, ctx);
    expect(named.Tags).toEqual([]);
  });
});
