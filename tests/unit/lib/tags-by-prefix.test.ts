import { describe, expect, it } from 'vitest';
import type { StateStore } from '../../../lib/store/project-store.js';
import { putTags, tagsByIdPrefix, tagsOfIds } from '../../../lib/store/tags.js';
import { MemoryStore } from '../support/memory-store.js';

/** The key prefixes each query of `store` asked for. */
function countingQueries(store: MemoryStore): { store: StateStore; prefixes: string[] } {
  const prefixes: string[] = [];
  const counting = Object.create(store) as StateStore;
  counting.query = (prefix: string) => {
    prefixes.push(prefix);
    return store.query(prefix);
  };
  counting.queryPage = (prefix: string, limit: number, startAfter?: string) => {
    prefixes.push(`${prefix} (page of ${limit})`);
    return store.queryPage(prefix, limit, startAfter);
  };
  return { store: counting, prefixes };
}

describe('tagsByIdPrefix', () => {
  it('reads the image prefixes (ami, aki, ari) with one query and keeps only their tags', async () => {
    const memory = new MemoryStore();
    await putTags(memory, ['ami-00000001', 'aki-00000002', 'ari-00000003'], [{ Key: 'Name', Value: 'image' }]);
    // Ids of other types that sort near them must not be answered.
    await putTags(memory, ['i-00000004', 'vol-00000005', 'sg-00000006'], [{ Key: 'Name', Value: 'other' }]);
    const { store, prefixes } = countingQueries(memory);
    const tags = await tagsByIdPrefix(store, ['ami', 'aki', 'ari']);
    expect(prefixes).toEqual(['tag#a']);
    expect([...tags.keys()].sort()).toEqual(['aki-00000002', 'ami-00000001', 'ari-00000003']);
    expect(tags.get('ami-00000001')).toEqual([{ Key: 'Name', Value: 'image' }]);
  });

  it('keeps to the prefixes asked for when they share a start with others (ami only, not aki)', async () => {
    const memory = new MemoryStore();
    await putTags(memory, ['ami-00000001', 'aki-00000002'], [{ Key: 'k', Value: 'v' }]);
    const { store, prefixes } = countingQueries(memory);
    expect([...(await tagsByIdPrefix(store, ['ami'])).keys()]).toEqual(['ami-00000001']);
    expect(prefixes).toEqual(['tag#ami-']);
  });

  it('queries each prefix when they share no start, and none for no prefix', async () => {
    const memory = new MemoryStore();
    await putTags(memory, ['i-00000001', 'vol-00000002', 'sg-00000003'], [{ Key: 'k', Value: 'v' }]);
    const { store, prefixes } = countingQueries(memory);
    expect([...(await tagsByIdPrefix(store, ['i', 'vol'])).keys()].sort()).toEqual(['i-00000001', 'vol-00000002']);
    expect(prefixes.sort()).toEqual(['tag#i-', 'tag#vol-']);
    expect((await tagsByIdPrefix(store, [])).size).toBe(0);
  });
});

describe('tagsOfIds (the tags of the ids a describe names)', () => {
  const volumes = Array.from({ length: 8 }, (_, i) => `vol-0000000${i}`);

  it('queries each of a few ids', async () => {
    const memory = new MemoryStore();
    await putTags(memory, volumes, [{ Key: 'Name', Value: 'v' }]);
    const { store, prefixes } = countingQueries(memory);
    const tags = await tagsOfIds(store, [volumes[0]!, volumes[1]!, volumes[0]!], ['vol']);
    expect([...tags.keys()].sort()).toEqual([volumes[0], volumes[1]]);
    expect(prefixes.sort()).toEqual([`tag#${volumes[0]}#`, `tag#${volumes[1]}#`]);
  });

  it('reads the type\'s tags once for more ids, keeping only the ids asked for', async () => {
    const memory = new MemoryStore();
    await putTags(memory, volumes, [{ Key: 'Name', Value: 'v' }, { Key: 'team', Value: 't' }]);
    await putTags(memory, ['vpc-00000001'], [{ Key: 'Name', Value: 'not a volume' }]);
    const { store, prefixes } = countingQueries(memory);
    const asked = volumes.slice(0, 5);
    const tags = await tagsOfIds(store, asked, ['vol']);
    expect(prefixes).toEqual(['tag#vol- (page of 125)']);
    expect([...tags.keys()].sort()).toEqual(asked);
    expect(tags.get(asked[0]!)).toEqual([{ Key: 'Name', Value: 'v' }, { Key: 'team', Value: 't' }]);
  });

  it('queries each id after all when the type has more tags than one bounded page', async () => {
    const memory = new MemoryStore();
    const many = Array.from({ length: 130 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await putTags(memory, [volumes[7]!], many.slice(0, 50));
    await putTags(memory, [volumes[6]!], many.slice(50, 100));
    await putTags(memory, [volumes[5]!], many.slice(100));
    await putTags(memory, volumes.slice(0, 4), [{ Key: 'Name', Value: 'v' }]);
    const { store, prefixes } = countingQueries(memory);
    const tags = await tagsOfIds(store, volumes.slice(0, 4), ['vol']);
    expect(prefixes[0]).toBe('tag#vol- (page of 100)');
    expect(prefixes.slice(1).sort()).toEqual(volumes.slice(0, 4).map((v) => `tag#${v}#`));
    expect([...tags.keys()].sort()).toEqual(volumes.slice(0, 4));
  });

  it('reads image ids (ami, aki, ari) with one query of tag#a', async () => {
    const memory = new MemoryStore();
    const images = ['ami-00000001', 'ami-00000002', 'aki-00000003', 'ari-00000004', 'ami-00000005'];
    await putTags(memory, images, [{ Key: 'Name', Value: 'i' }]);
    const { store, prefixes } = countingQueries(memory);
    expect([...(await tagsOfIds(store, images.slice(0, 4), ['ami', 'aki', 'ari'])).keys()].sort()).toEqual(images.slice(0, 4).sort());
    expect(prefixes).toEqual(['tag#a (page of 100)']);
  });
});
