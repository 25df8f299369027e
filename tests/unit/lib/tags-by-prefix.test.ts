import { describe, expect, it } from 'vitest';
import type { StateStore } from '../../../lib/store/project-store.js';
import { putTags, tagsByIdPrefix } from '../../../lib/store/tags.js';
import { MemoryStore } from '../support/memory-store.js';

/** The key prefixes each query of `store` asked for. */
function countingQueries(store: MemoryStore): { store: StateStore; prefixes: string[] } {
  const prefixes: string[] = [];
  const counting = Object.create(store) as StateStore;
  counting.query = (prefix: string) => {
    prefixes.push(prefix);
    return store.query(prefix);
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
