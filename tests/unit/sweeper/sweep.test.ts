import { describe, expect, it } from 'vitest';
import { sweepProject } from '../../../functions/sweeper/sweep.js';
import { rememberDiscardedVolume } from '../../../lib/discards.js';
import type { OpenStack } from '../../../lib/openstack/clients.js';
import { OpenStackError, type ServiceClient } from '../../../lib/openstack/http.js';
import { ec2IdFor, uuidOf } from '../../../lib/store/ids.js';
import { putTags } from '../../../lib/store/tags.js';
import { MemoryStore } from '../support/memory-store.js';
import { FakeCinder, cinderSnapshot, cinderVolume } from '../volumes/fakes.js';

/** Glance as the sweeper asks it: one image by id. */
const glanceWith = (ids: string[]) => ({
  async get(path: string) {
    const id = path.split('/')[1]!;
    if (!ids.includes(id)) throw new OpenStackError('glance', 404, `image ${id}`, 'itemNotFound', 'GET', path);
    return { id };
  },
});

function cloud() {
  const cinder = new FakeCinder();
  const openstack = { cinder: cinder as unknown as ServiceClient, glance: glanceWith(['image-kept']) as unknown as ServiceClient } as unknown as OpenStack;
  return { cinder, openstack, store: new MemoryStore('sweep-project') };
}

const limits = { volumes: 10, mappings: 10, tags: 100, launches: 5, launchAgeSeconds: 300 };

describe('the sweeper, for one project', () => {
  it('forgets ids and tags of volumes, snapshots and images OpenStack no longer has, and orphan tags', async () => {
    const { cinder, openstack, store } = cloud();
    const kept = cinderVolume();
    cinder.volumes.push(kept);
    const keptId = await ec2IdFor(store, 'volume', kept.id);
    const goneVolume = await ec2IdFor(store, 'volume', 'volume-gone');
    const goneSnapshot = await ec2IdFor(store, 'snapshot', 'snapshot-gone');
    const keptImage = await ec2IdFor(store, 'image', 'image-kept', 'ami');
    const goneImage = await ec2IdFor(store, 'image', 'image-gone', 'ami');
    await putTags(store, [keptId, goneVolume, 'vol-0123456789abcdef0'], [{ Key: 'k', Value: 'v' }]);

    const result = await sweepProject(store, openstack, limits);
    expect(result).toMatchObject({ mappingsChecked: 5, mappingsForgotten: 3 });
    for (const id of [goneVolume, goneSnapshot, goneImage]) expect(await uuidOf(store, id)).toBeUndefined();
    expect(await uuidOf(store, keptId)).toBe(kept.id);
    expect(await uuidOf(store, keptImage)).toBe('image-kept');
    expect((await store.query('tag#')).map((t) => t.key)).toEqual([`tag#${keptId}#k`]);
  });

  it('deletes a remembered volume once its last snapshot is gone, and drops the record when Cinder has let go', async () => {
    const { cinder, openstack, store } = cloud();
    const volume = cinderVolume();
    cinder.volumes.push(volume);
    cinder.snapshots.push(cinderSnapshot(volume));
    await rememberDiscardedVolume(store, volume.id, await ec2IdFor(store, 'volume', volume.id));
    expect((await sweepProject(store, openstack, limits)).volumes).toEqual({ gone: 0, deleting: 0, kept: 1 });
    cinder.snapshots = [];
    expect((await sweepProject(store, openstack, limits)).volumes).toEqual({ gone: 0, deleting: 1, kept: 0 });
    expect(cinder.volumes).toEqual([]);
    expect((await sweepProject(store, openstack, limits)).volumes).toEqual({ gone: 1, deleting: 0, kept: 0 });
    expect(await store.query('volume-gc#')).toEqual([]);
    expect(await store.query('os#volume#')).toEqual([]);
  });

  it('does bounded work per run and continues where it stopped', async () => {
    const { openstack, store } = cloud();
    for (let i = 0; i < 5; i++) await ec2IdFor(store, 'snapshot', `snapshot-gone-${i}`);
    const small = { volumes: 1, mappings: 2, tags: 1, launches: 1, launchAgeSeconds: 300 };
    const counts: number[] = [];
    for (let run = 0; run < 3; run++) counts.push((await sweepProject(store, openstack, small)).mappingsForgotten);
    expect(counts).toEqual([2, 2, 1]);
    expect(await store.query('os#snapshot#')).toEqual([]);
  });
});
