import { describe, expect, it } from 'vitest';
import CopySnapshot from '../../../functions/volumes/CopySnapshot.js';
import CreateSnapshot from '../../../functions/volumes/CreateSnapshot.js';
import CreateVolume from '../../../functions/volumes/CreateVolume.js';
import DeleteSnapshot from '../../../functions/volumes/DeleteSnapshot.js';
import DescribeSnapshotAttribute from '../../../functions/volumes/DescribeSnapshotAttribute.js';
import DescribeSnapshots from '../../../functions/volumes/DescribeSnapshots.js';
import DescribeVolumes from '../../../functions/volumes/DescribeVolumes.js';
import ModifySnapshotAttribute from '../../../functions/volumes/ModifySnapshotAttribute.js';
import { ec2IdFor, forgetUuid } from '../../../lib/store/ids.js';
import { cinderSnapshot, cinderVolume, invoke, world } from './fakes.js';
import { queriedPrefixes, type MemoryStore } from '../support/memory-store.js';

async function volumeIn(w: ReturnType<typeof world>, fields: Parameters<typeof cinderVolume>[0] = {}) {
  const volume = cinderVolume(fields);
  w.cinder.volumes.push(volume);
  return ec2IdFor(w.ctx.store, 'volume', volume.id);
}

describe('CreateSnapshot', () => {
  it('snapshots an attached volume (force) and answers pending with 0% progress', async () => {
    const w = world();
    const volumeId = await volumeIn(w, { status: 'in-use', encrypted: true });
    const snapshot = await invoke(
      CreateSnapshot,
      { VolumeId: volumeId, Description: 'nightly', TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'Name', Value: 'n1' }] }] },
      w.ctx,
    );
    expect(snapshot).toMatchObject({
      VolumeId: volumeId,
      State: 'pending',
      Progress: '0%',
      Description: 'nightly',
      Encrypted: true,
      OwnerId: w.ctx.caller.projectId,
      Tags: [{ Key: 'Name', Value: 'n1' }],
    });
    expect(snapshot.SnapshotId).toMatch(/^snap-[0-9a-f]{17}$/);
    expect(w.cinder.posts[0]![1]).toMatchObject({ snapshot: { force: true, name: 'n1', description: 'nightly' } });
  });

  it('is InvalidVolume.NotFound for a missing volume and IncorrectState for one in error', async () => {
    const w = world();
    await expect(invoke(CreateSnapshot, { VolumeId: 'vol-0123456789abcdef0' }, w.ctx)).rejects.toMatchObject({ code: 'InvalidVolume.NotFound' });
    const broken = await volumeIn(w, { status: 'error' });
    await expect(invoke(CreateSnapshot, { VolumeId: broken }, w.ctx)).rejects.toMatchObject({ code: 'IncorrectState' });
  });
});

describe('DescribeSnapshots', () => {
  it('shows own snapshots for Owner self / the project, and none for other owners or restorers', async () => {
    const w = world();
    const volume = cinderVolume();
    w.cinder.volumes.push(volume);
    w.cinder.snapshots.push(cinderSnapshot(volume), cinderSnapshot(volume, { status: 'creating', 'os-extended-snapshot-attributes:progress': '40%' }));
    const all = await invoke(DescribeSnapshots, {}, w.ctx);
    expect(all.Snapshots!.map((s) => `${s.State}/${s.Progress}`).sort()).toEqual(['completed/100%', 'pending/40%']);
    expect((await invoke(DescribeSnapshots, { OwnerIds: ['self'] }, w.ctx)).Snapshots).toHaveLength(2);
    expect((await invoke(DescribeSnapshots, { OwnerIds: [w.ctx.caller.projectId] }, w.ctx)).Snapshots).toHaveLength(2);
    expect((await invoke(DescribeSnapshots, { OwnerIds: ['amazon'] }, w.ctx)).Snapshots).toEqual([]);
    expect((await invoke(DescribeSnapshots, { RestorableByUserIds: ['all'] }, w.ctx)).Snapshots).toEqual([]);
    expect((await invoke(DescribeSnapshots, { RestorableByUserIds: ['self'] }, w.ctx)).Snapshots).toHaveLength(2);
  });

  it('pushes status and volume-id down to Cinder and filters the rest', async () => {
    const w = world();
    const volumeId = await volumeIn(w);
    const volume = w.cinder.volumes[0]!;
    w.cinder.snapshots.push(cinderSnapshot(volume, { description: 'keep' }), cinderSnapshot(volume, { status: 'creating' }));
    const pending = await invoke(DescribeSnapshots, { Filters: [{ Name: 'status', Values: ['pending'] }, { Name: 'volume-id', Values: [volumeId] }] }, w.ctx);
    expect(pending.Snapshots).toHaveLength(1);
    const listing = w.cinder.gets.filter(([path]) => path === 'snapshots/detail').at(-1)![1];
    expect(listing).toMatchObject({ status: 'creating', volume_id: volume.id });
    const described = await invoke(DescribeSnapshots, { Filters: [{ Name: 'description', Values: ['ke*'] }] }, w.ctx);
    expect(described.Snapshots!.map((s) => s.Description)).toEqual(['keep']);
    await expect(invoke(DescribeSnapshots, { SnapshotIds: ['snap-0123456789abcdef0'] }, w.ctx)).rejects.toMatchObject({ code: 'InvalidSnapshot.NotFound' });
  });
});

describe('DescribeSnapshots records', () => {
  const storeOf = (w: ReturnType<typeof world>) => w.ctx.store as MemoryStore;

  it('lists with two table queries (ids, tags): records come from the container once read, volume ids from the records', async () => {
    const w = world();
    const volumeId = await volumeIn(w, { encrypted: true });
    await invoke(CreateSnapshot, { VolumeId: volumeId }, w.ctx);
    const store = storeOf(w);
    w.cinder.gets = [];
    const prefixes = queriedPrefixes(store);
    const { Snapshots } = await invoke(DescribeSnapshots, {}, w.ctx);
    expect(Snapshots).toMatchObject([{ VolumeId: volumeId, Encrypted: true }]);
    expect(prefixes.sort()).toEqual(['os#snapshot#', 'tag#snap-']);
    expect(w.cinder.gets.filter(([path]) => path.startsWith('volumes/'))).toEqual([]);
  });

  it('reads records written before they kept the volume id, and adds it', async () => {
    const w = world();
    const volumeId = await volumeIn(w, { encrypted: true });
    const volume = w.cinder.volumes[0]!;
    const snapshot = cinderSnapshot(volume);
    w.cinder.snapshots.push(snapshot);
    const store = storeOf(w);
    // The previous release's record of a snapshot this container has not seen: the encryption alone.
    const SnapshotId = await ec2IdFor(store, 'snapshot', snapshot.id);
    await store.putJson(`snapshot#${SnapshotId}`, { encrypted: true });
    const { Snapshots } = await invoke(DescribeSnapshots, {}, w.ctx);
    expect(Snapshots).toMatchObject([{ SnapshotId, VolumeId: volumeId, Encrypted: true }]);
    expect(await store.getJson(`snapshot#${SnapshotId}`)).toEqual({ encrypted: true, volumeId });
    expect(w.cinder.gets.filter(([path]) => path.startsWith('volumes/'))).toEqual([]);
  });

  it('keeps the volume id of a snapshot whose volume is gone, and asks Cinder for that volume once', async () => {
    const w = world();
    const volume = cinderVolume({ encrypted: true });
    w.cinder.volumes.push(volume);
    // Made in Cinder directly: no record yet.
    w.cinder.snapshots.push(cinderSnapshot(volume));
    const first = (await invoke(DescribeSnapshots, {}, w.ctx)).Snapshots![0]!;
    expect(first).toMatchObject({ VolumeId: expect.stringMatching(/^vol-/), Encrypted: true });
    w.cinder.volumes = [];
    const store = storeOf(w);
    for (const key of [...store.items.keys()]) if (key.startsWith('os#volume#') || key.startsWith('id#vol-')) store.items.delete(key);

    w.cinder.snapshots.push(cinderSnapshot(volume, { id: 'snap-uuid-2' }));
    const gets = () => w.cinder.gets.filter(([path]) => path === `volumes/${volume.id}`).length;
    const before = gets();
    const second = (await invoke(DescribeSnapshots, {}, w.ctx)).Snapshots!;
    expect(second.find((s) => s.SnapshotId === first.SnapshotId)).toMatchObject({ VolumeId: first.VolumeId, Encrypted: true });
    expect(second.find((s) => s.SnapshotId !== first.SnapshotId)).toMatchObject({ Encrypted: false });
    expect(gets()).toBe(before + 1);
    await invoke(DescribeSnapshots, {}, w.ctx);
    expect(gets()).toBe(before + 1);
  });
});

describe('CopySnapshot and DeleteSnapshot', () => {
  it('copies through a hidden backing volume, reports vol-ffffffff, and deletes the volume with the copy', async () => {
    const w = world();
    w.cinder.createdStatus = 'available';
    const volumeId = await volumeIn(w);
    const { SnapshotId: source } = await invoke(CreateSnapshot, { VolumeId: volumeId }, w.ctx);
    const copy = await invoke(CopySnapshot, { SourceRegion: 'RegionOne', SourceSnapshotId: source!, Description: 'copy' }, w.ctx);
    expect(copy.SnapshotId).toMatch(/^snap-/);
    expect(w.cinder.volumes).toHaveLength(2);
    const visible = (await invoke(DescribeVolumes, {}, w.ctx)).Volumes!;
    expect(visible.map((v) => v.VolumeId)).toEqual([volumeId]);
    const [described] = (await invoke(DescribeSnapshots, { SnapshotIds: [copy.SnapshotId!] }, w.ctx)).Snapshots!;
    expect(described).toMatchObject({ VolumeId: 'vol-ffffffff', Description: 'copy', State: 'completed' });

    // A volume restored from the copy is an ordinary volume.
    const restored = await invoke(CreateVolume, { AvailabilityZone: 'nova', SnapshotId: copy.SnapshotId! }, w.ctx);
    expect(restored.SnapshotId).toBe(copy.SnapshotId);

    await invoke(DeleteSnapshot, { SnapshotId: copy.SnapshotId! }, w.ctx);
    expect(w.cinder.snapshots.map((s) => s.id)).toHaveLength(1);
    expect(w.cinder.volumes.some((v) => v.metadata['ec2api:role'])).toBe(false);
  });

  it('refuses other regions, KMS keys and pending sources', async () => {
    const w = world();
    const volumeId = await volumeIn(w);
    const { SnapshotId: pending } = await invoke(CreateSnapshot, { VolumeId: volumeId }, w.ctx);
    await expect(invoke(CopySnapshot, { SourceRegion: 'us-east-1', SourceSnapshotId: pending! }, w.ctx)).rejects.toMatchObject({ code: 'InvalidParameterValue' });
    await expect(invoke(CopySnapshot, { SourceRegion: 'RegionOne', SourceSnapshotId: pending!, KmsKeyId: 'k' }, w.ctx)).rejects.toMatchObject({
      code: 'InvalidParameterValue',
    });
    await expect(invoke(CopySnapshot, { SourceRegion: 'RegionOne', SourceSnapshotId: pending! }, w.ctx)).rejects.toMatchObject({ code: 'IncorrectState' });
    expect(w.cinder.volumes).toHaveLength(1);
  });
});

describe('snapshot attributes', () => {
  it('has no createVolumePermission, refuses to share, accepts removals', async () => {
    const w = world();
    const volumeId = await volumeIn(w);
    const { SnapshotId } = await invoke(CreateSnapshot, { VolumeId: volumeId }, w.ctx);
    const id = SnapshotId!;
    expect(await invoke(DescribeSnapshotAttribute, { SnapshotId: id, Attribute: 'createVolumePermission' }, w.ctx)).toEqual({
      SnapshotId: id,
      CreateVolumePermissions: [],
    });
    await expect(
      invoke(ModifySnapshotAttribute, { SnapshotId: id, CreateVolumePermission: { Add: [{ Group: 'all' }] } }, w.ctx),
    ).rejects.toMatchObject({ code: 'UnsupportedOperation' });
    await expect(
      invoke(ModifySnapshotAttribute, { SnapshotId: id, Attribute: 'createVolumePermission', OperationType: 'add', UserIds: ['123456789012'] }, w.ctx),
    ).rejects.toMatchObject({ code: 'UnsupportedOperation' });
    await invoke(ModifySnapshotAttribute, { SnapshotId: id, CreateVolumePermission: { Remove: [{ UserId: '123456789012' }] } }, w.ctx);
    await expect(
      invoke(ModifySnapshotAttribute, { SnapshotId: 'snap-0123456789abcdef0', CreateVolumePermission: { Remove: [{ Group: 'all' }] } }, w.ctx),
    ).rejects.toMatchObject({ code: 'InvalidSnapshot.NotFound' });
  });
});

describe('copies in DescribeSnapshots filters', () => {
  it('finds copies by their volume id vol-ffffffff', async () => {
    const w = world();
    w.cinder.createdStatus = 'available';
    const volumeId = await volumeIn(w);
    const { SnapshotId: source } = await invoke(CreateSnapshot, { VolumeId: volumeId }, w.ctx);
    const copy = await invoke(CopySnapshot, { SourceRegion: 'RegionOne', SourceSnapshotId: source! }, w.ctx);
    const found = await invoke(DescribeSnapshots, { Filters: [{ Name: 'volume-id', Values: ['vol-ffffffff'] }] }, w.ctx);
    expect(found.Snapshots!.map((s) => s.SnapshotId)).toEqual([copy.SnapshotId]);
  });
});

describe('the VolumeId of a snapshot whose volume is gone', () => {
  it('stays the volume id it showed, also after the volume and its id mapping are gone, and the volume-id filter finds it', async () => {
    const w = world();
    w.cinder.createdStatus = 'available';
    const madeHere = await volumeIn(w);
    const { SnapshotId: viaEc2 } = await invoke(CreateSnapshot, { VolumeId: madeHere }, w.ctx);
    // A snapshot made in Cinder directly, of a volume EC2 has shown.
    const outside = cinderVolume();
    w.cinder.volumes.push(outside);
    const outsideId = await ec2IdFor(w.ctx.store, 'volume', outside.id);
    w.cinder.snapshots.push(cinderSnapshot(outside));
    const before = await invoke(DescribeSnapshots, {}, w.ctx);
    expect(before.Snapshots!.map((s) => s.VolumeId).sort()).toEqual([madeHere, outsideId].sort());

    // Both volumes leave Cinder, and their mappings are forgotten (as the sweeper does for volumes Cinder no longer has).
    for (const volume of [...w.cinder.volumes]) await forgetUuid(w.ctx.store, 'volume', volume.id);
    w.cinder.volumes = [];
    const after = await invoke(DescribeSnapshots, {}, w.ctx);
    expect(new Map(after.Snapshots!.map((s) => [s.SnapshotId, s.VolumeId]))).toEqual(
      new Map(before.Snapshots!.map((s) => [s.SnapshotId, s.VolumeId])),
    );
    expect(after.Snapshots!.find((s) => s.SnapshotId === viaEc2)!.VolumeId).toBe(madeHere);
    const byVolume = await invoke(DescribeSnapshots, { Filters: [{ Name: 'volume-id', Values: [outsideId] }] }, w.ctx);
    expect(byVolume.Snapshots!.map((s) => s.VolumeId)).toEqual([outsideId]);
  });
});
