import { describe, expect, it } from 'vitest';
import AttachVolume from '../../../functions/volumes/AttachVolume.js';
import CreateVolume from '../../../functions/volumes/CreateVolume.js';
import type { MemoryStore } from '../support/memory-store.js';
import DeleteVolume from '../../../functions/volumes/DeleteVolume.js';
import DescribeVolumes from '../../../functions/volumes/DescribeVolumes.js';
import DescribeVolumeStatus from '../../../functions/volumes/DescribeVolumeStatus.js';
import DetachVolume from '../../../functions/volumes/DetachVolume.js';
import { sweepDiscardedVolumes } from '../../../lib/domain/volumes/discard.js';
import { ec2IdFor, uuidOf } from '../../../lib/store/ids.js';
import { putTags, tagsOf } from '../../../lib/store/tags.js';
import { cinderSnapshot, cinderVolume, invoke, world } from './fakes.js';

const describeAll = (w: ReturnType<typeof world>, input: Parameters<typeof DescribeVolumes.run>[0] = {}) =>
  invoke(DescribeVolumes, input, w.ctx);

describe('DescribeVolumes', () => {
  it('gives volumes made in Cinder directly one EC2 id, kept across calls', async () => {
    const w = world();
    w.cinder.volumes.push(cinderVolume(), cinderVolume());
    const first = (await describeAll(w)).Volumes!.map((v) => v.VolumeId).sort();
    const second = (await describeAll(w)).Volumes!.map((v) => v.VolumeId).sort();
    expect(first).toHaveLength(2);
    expect(first.every((id) => /^vol-[0-9a-f]{17}$/.test(id!))).toBe(true);
    expect(second).toEqual(first);
  });

  it('formats attachments with the instance id, device, time and delete-on-termination from Nova', async () => {
    const w = world();
    const volume = cinderVolume({
      status: 'in-use',
      attachments: [
        { id: 'a', attachment_id: 'att', volume_id: 'x', server_id: 'server-1', host_name: null, device: '/dev/sdf', attached_at: '2024-05-06T08:00:00.000000' },
      ],
    });
    volume.attachments[0]!.volume_id = volume.id;
    w.cinder.volumes.push(volume);
    w.nova.deleteOnTermination.set(volume.id, true);
    const instanceId = await ec2IdFor(w.ctx.store, 'instance', 'server-1');
    const [v] = (await describeAll(w)).Volumes!;
    expect(v).toMatchObject({ State: 'in-use', VolumeType: 'gp2', SnapshotId: '', Encrypted: false, MultiAttachEnabled: false });
    expect(v!.Attachments).toEqual([
      {
        AttachTime: new Date('2024-05-06T08:00:00Z'),
        Device: '/dev/sdf',
        InstanceId: instanceId,
        State: 'attached',
        VolumeId: v!.VolumeId,
        DeleteOnTermination: true,
      },
    ]);
    expect(v!.CreateTime).toEqual(new Date('2024-05-06T07:08:09Z'));
  });

  it('shows an attachment Nova is still making (volume reserved) as attaching', async () => {
    const w = world();
    const volume = cinderVolume({ status: 'reserved' });
    w.cinder.volumes.push(volume);
    w.cinder.attachmentRecords.push({ id: 'r', status: 'reserved', instance: 'server-2', volume_id: volume.id, attached_at: null, detached_at: null });
    const [v] = (await describeAll(w)).Volumes!;
    expect(v!.State).toBe('in-use');
    expect(v!.Attachments).toEqual([
      expect.objectContaining({ State: 'attaching', InstanceId: await ec2IdFor(w.ctx.store, 'instance', 'server-2') }),
    ]);
  });

  it('pushes an exact status and zone down to Cinder, not a status several Cinder statuses mean', async () => {
    const w = world();
    w.cinder.volumes.push(cinderVolume(), cinderVolume({ status: 'error' }));
    const available = await describeAll(w, {
      Filters: [
        { Name: 'status', Values: ['available'] },
        { Name: 'availability-zone', Values: ['nova'] },
      ],
    });
    expect(available.Volumes).toHaveLength(1);
    const listings = () => w.cinder.gets.filter(([path]) => path === 'volumes/detail').map(([, query]) => query);
    expect(listings().at(-1)).toMatchObject({ status: 'available', availability_zone: 'nova' });
    await describeAll(w, { Filters: [{ Name: 'status', Values: ['in-use'] }] });
    expect(listings().at(-1)).not.toHaveProperty('status');
  });

  it('fetches only the named volumes for volume-id filters and ids', async () => {
    const w = world();
    w.cinder.volumes.push(cinderVolume(), cinderVolume(), cinderVolume());
    const ids = (await describeAll(w)).Volumes!.map((v) => v.VolumeId!);
    w.cinder.gets = [];
    const named = await describeAll(w, { Filters: [{ Name: 'volume-id', Values: [ids[0]!] }] });
    expect(named.Volumes!.map((v) => v.VolumeId)).toEqual([ids[0]]);
    expect(w.cinder.gets.map(([path]) => path).filter((p) => p.startsWith('volumes'))).toEqual([expect.stringMatching(/^volumes\/[0-9a-f-]{36}$/)]);
    const byIds = await describeAll(w, { VolumeIds: [ids[1]!, ids[2]!] });
    expect(byIds.Volumes!.map((v) => v.VolumeId).sort()).toEqual([ids[1], ids[2]].sort());
  });

  it('refuses unknown, malformed and paging-with-ids requests as AWS does', async () => {
    const w = world();
    await expect(describeAll(w, { VolumeIds: ['vol-0123456789abcdef0'] })).rejects.toMatchObject({ code: 'InvalidVolume.NotFound' });
    await expect(describeAll(w, { VolumeIds: ['vol-nothex'] })).rejects.toMatchObject({ code: 'InvalidVolumeID.Malformed' });
    await expect(describeAll(w, { VolumeIds: ['vol-01234567'], MaxResults: 5 })).rejects.toMatchObject({ code: 'InvalidParameterCombination' });
    await expect(describeAll(w, { MaxResults: 4 })).rejects.toMatchObject({ code: 'InvalidParameterValue' });
    await expect(describeAll(w, { Filters: [{ Name: 'no-such-filter', Values: ['x'] }] })).rejects.toMatchObject({ code: 'InvalidParameterValue' });
  });

  it('pages with MaxResults and NextToken, a MaxResults above 500 counting as 500', async () => {
    const w = world();
    for (let i = 0; i < 7; i++) w.cinder.volumes.push(cinderVolume());
    const first = await describeAll(w, { MaxResults: 5 });
    expect(first.Volumes).toHaveLength(5);
    const second = await describeAll(w, { MaxResults: 5, NextToken: first.NextToken });
    expect(second.Volumes).toHaveLength(2);
    expect(second.NextToken).toBeUndefined();
    expect(new Set([...first.Volumes!, ...second.Volumes!].map((v) => v.VolumeId)).size).toBe(7);
    expect((await describeAll(w, { MaxResults: 100_000 })).Volumes).toHaveLength(7);
  });

  it("hides a snapshot copy's backing volume and reports operator volume types by name", async () => {
    const w = world();
    w.cinder.types.push({ id: 't-fast', name: 'fast' });
    w.cinder.volumes.push(
      cinderVolume({ metadata: { 'ec2api:role': 'snapshot-copy-backing' } }),
      cinderVolume({ volume_type: 'fast' }),
    );
    const volumes = (await describeAll(w)).Volumes!;
    expect(volumes.map((v) => v.VolumeType)).toEqual(['fast']);
  });
});

describe('CreateVolume', () => {
  const base = { AvailabilityZone: 'nova', Size: 2 };

  it('creates on the default Cinder type for EC2 names and reports the name asked for', async () => {
    const w = world();
    const volume = await invoke(CreateVolume, { ...base, VolumeType: 'gp3', TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'Name', Value: 'data' }] }] }, w.ctx);
    expect(volume).toMatchObject({ State: 'creating', Size: 2, VolumeType: 'gp3', Tags: [{ Key: 'Name', Value: 'data' }] });
    expect(volume.CreateTime).toEqual(new Date('2024-05-06T07:08:09Z'));
    expect(w.cinder.posts[0]![1]).toEqual({ volume: { size: 2, availability_zone: 'nova', name: 'data' } });
    w.cinder.volumes[0]!.status = 'available';
    expect((await describeAll(w)).Volumes![0]).toMatchObject({ VolumeId: volume.VolumeId, VolumeType: 'gp3', State: 'available' });
  });

  it('uses an operator Cinder type of the same name, and refuses unknown types', async () => {
    const w = world();
    w.cinder.types.push({ id: 't-gp3', name: 'gp3' });
    await invoke(CreateVolume, { ...base, VolumeType: 'gp3' }, w.ctx);
    expect(w.cinder.posts[0]![1]).toMatchObject({ volume: { volume_type: 'gp3' } });
    await expect(invoke(CreateVolume, { ...base, VolumeType: 'warp' }, w.ctx)).rejects.toMatchObject({ code: 'InvalidParameterValue' });
  });

  it('answers a retry with the same ClientToken with the same volume, creating once', async () => {
    const w = world();
    const first = await invoke(CreateVolume, { ...base, ClientToken: 'abc' }, w.ctx);
    const again = await invoke(CreateVolume, { ...base, ClientToken: 'abc' }, w.ctx);
    expect(again.VolumeId).toBe(first.VolumeId);
    expect(w.cinder.posts).toHaveLength(1);
    await expect(invoke(CreateVolume, { ...base, Size: 3, ClientToken: 'abc' }, w.ctx)).rejects.toMatchObject({ code: 'IdempotentParameterMismatch' });
    const filtered = await describeAll(w, { Filters: [{ Name: 'client-token', Values: ['abc'] }] });
    expect(filtered.Volumes!.map((v) => v.VolumeId)).toEqual([first.VolumeId]);
  });

  it('releases the token when Cinder refuses, so a retry can succeed', async () => {
    const w = world();
    w.cinder.overQuota = true;
    await expect(invoke(CreateVolume, { ...base, ClientToken: 't' }, w.ctx)).rejects.toMatchObject({ code: 'VolumeLimitExceeded' });
    expect(await invoke(CreateVolume, { ...base, ClientToken: 't' }, w.ctx)).toMatchObject({ Size: 2 });
    expect(w.cinder.volumes).toHaveLength(1);
  });

  it('removes the volume and its id again when the table refuses its records, and releases the token', async () => {
    const w = world();
    const store = w.ctx.store as MemoryStore;
    const put = store.put.bind(store);
    // The id claim lands; the write of the id -> UUID item (in the batch with the record and the tags) fails.
    let refuse = true;
    store.put = async (key, fields, options) => {
      if (refuse && key.startsWith('id#')) throw new Error('table unavailable');
      return put(key, fields, options);
    };
    const tags = [{ ResourceType: 'volume' as const, Tags: [{ Key: 'Name', Value: 'data' }] }];
    await expect(invoke(CreateVolume, { ...base, ClientToken: 'tok', TagSpecifications: tags }, w.ctx)).rejects.toThrow('table unavailable');
    // Cinder cannot delete a volume still being created: it is remembered for deletion, and hidden.
    expect((await describeAll(w)).Volumes).toEqual([]);
    refuse = false;
    const left = (await store.query('')).map((r) => r.key);
    expect(left.filter((k) => /^(id|os|tag|volume|volume-token)#/.test(k))).toEqual([]);
    const volume = await invoke(CreateVolume, { ...base, ClientToken: 'tok', TagSpecifications: tags }, w.ctx);
    expect(volume).toMatchObject({ State: 'creating', Tags: [{ Key: 'Name', Value: 'data' }] });
    expect((await describeAll(w)).Volumes!.map((v) => v.VolumeId)).toEqual([volume.VolumeId]);
  });

  it('restores only completed snapshots, at least as large as they are', async () => {
    const w = world();
    const source = cinderVolume({ size: 5 });
    w.cinder.volumes.push(source);
    const pending = cinderSnapshot(source, { status: 'creating' });
    const done = cinderSnapshot(source);
    w.cinder.snapshots.push(pending, done);
    const [pendingId, doneId] = [await ec2IdFor(w.ctx.store, 'snapshot', pending.id), await ec2IdFor(w.ctx.store, 'snapshot', done.id)];
    await expect(invoke(CreateVolume, { AvailabilityZone: 'nova', SnapshotId: pendingId }, w.ctx)).rejects.toMatchObject({ code: 'IncorrectState' });
    await expect(invoke(CreateVolume, { AvailabilityZone: 'nova', SnapshotId: doneId, Size: 4 }, w.ctx)).rejects.toMatchObject({ code: 'InvalidParameterValue' });
    await expect(invoke(CreateVolume, { AvailabilityZone: 'nova', SnapshotId: 'snap-0123456789abcdef0' }, w.ctx)).rejects.toMatchObject({ code: 'InvalidSnapshot.NotFound' });
    expect(await invoke(CreateVolume, { AvailabilityZone: 'nova', SnapshotId: doneId }, w.ctx)).toMatchObject({ Size: 5, SnapshotId: doneId });
  });

  it('refuses what Cinder cannot honour instead of ignoring it', async () => {
    const w = world();
    const refused = async (input: Partial<Parameters<typeof CreateVolume.run>[0]>, code: string) =>
      expect(invoke(CreateVolume, { ...base, ...input }, w.ctx)).rejects.toMatchObject({ code });
    await refused({ AvailabilityZone: 'elsewhere' }, 'InvalidZone.NotFound');
    await refused({ Size: undefined }, 'MissingParameter');
    await refused({ Size: 0 }, 'InvalidParameterValue');
    await refused({ VolumeType: 'standard', Size: 2048 }, 'InvalidParameterValue');
    await refused({ Iops: 100 }, 'InvalidParameterCombination');
    await refused({ VolumeType: 'io1', Size: 10 }, 'MissingParameter');
    await refused({ VolumeType: 'io1', Size: 10, Iops: 500 }, 'InvalidParameterValue');
    await refused({ VolumeType: 'gp3', Iops: 16000 }, 'InvalidParameterValue');
    await refused({ KmsKeyId: 'k' }, 'InvalidParameterValue');
    await refused({ MultiAttachEnabled: true }, 'InvalidParameterValue');
    await refused({ TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'a', Value: 'b' }] }] }, 'InvalidParameterValue');
    expect(w.cinder.posts).toHaveLength(0);
    // gp3's baseline promises nothing Cinder cannot give.
    await invoke(CreateVolume, { ...base, VolumeType: 'gp3', Iops: 3000, Throughput: 125 }, w.ctx);
    expect(w.cinder.posts).toHaveLength(1);
  });

  it('deletes a volume Cinder did not encrypt when encryption was asked for', async () => {
    const w = world();
    w.cinder.createdStatus = 'available';
    await expect(invoke(CreateVolume, { ...base, Encrypted: true }, w.ctx)).rejects.toMatchObject({ code: 'InvalidParameterValue' });
    expect(w.cinder.volumes).toHaveLength(0);
  });
});

describe('DeleteVolume, AttachVolume, DetachVolume', () => {
  async function attachedVolume() {
    const w = world();
    w.cinder.createdStatus = 'available';
    w.nova.servers.add('server-1');
    const instanceId = await ec2IdFor(w.ctx.store, 'instance', 'server-1');
    const { VolumeId } = await invoke(CreateVolume, { AvailabilityZone: 'nova', Size: 1 }, w.ctx);
    const attached = await invoke(AttachVolume, { VolumeId: VolumeId!, InstanceId: instanceId, Device: '/dev/sdf' }, w.ctx);
    return { w, instanceId, volumeId: VolumeId!, attached };
  }

  it('attaches through Nova with the device asked for and answers attaching', async () => {
    const { w, instanceId, volumeId, attached } = await attachedVolume();
    expect(attached).toMatchObject({ VolumeId: volumeId, InstanceId: instanceId, Device: '/dev/sdf', State: 'attaching' });
    expect(w.nova.calls).toContain('POST servers/server-1/os-volume_attachments');
    const [v] = (await describeAll(w)).Volumes!;
    expect(v).toMatchObject({ State: 'in-use', Attachments: [expect.objectContaining({ InstanceId: instanceId, Device: '/dev/sdf', State: 'attached' })] });
  });

  it('refuses to attach an attached volume, to an unknown instance, or on a bad device name', async () => {
    const { w, instanceId, volumeId } = await attachedVolume();
    await expect(invoke(AttachVolume, { VolumeId: volumeId, InstanceId: instanceId, Device: '/dev/sdg' }, w.ctx)).rejects.toMatchObject({ code: 'VolumeInUse' });
    const { VolumeId: other } = await invoke(CreateVolume, { AvailabilityZone: 'nova', Size: 1 }, w.ctx);
    await expect(invoke(AttachVolume, { VolumeId: other!, InstanceId: 'i-0123456789abcdef0', Device: '/dev/sdg' }, w.ctx)).rejects.toMatchObject({
      code: 'InvalidInstanceID.NotFound',
    });
    await expect(invoke(AttachVolume, { VolumeId: other!, InstanceId: instanceId, Device: 'C:' }, w.ctx)).rejects.toMatchObject({ code: 'InvalidParameterValue' });
  });

  it('refuses to delete an attached volume (VolumeInUse)', async () => {
    const { w, volumeId } = await attachedVolume();
    await expect(invoke(DeleteVolume, { VolumeId: volumeId }, w.ctx)).rejects.toMatchObject({ code: 'VolumeInUse' });
    expect(w.cinder.deletes).toHaveLength(0);
  });

  it('deletes a volume with snapshots from EC2 at once and from Cinder after its last snapshot', async () => {
    const w = world();
    const { VolumeId: volumeId } = await invoke(CreateVolume, { AvailabilityZone: 'nova', Size: 1 }, w.ctx);
    const volume = w.cinder.volumes.at(-1)!;
    volume.status = 'available';
    w.cinder.snapshots.push(cinderSnapshot(volume));
    await putTags(w.ctx.store, [volumeId!], [{ Key: 'Name', Value: 'kept-for-a-snapshot' }]);
    await invoke(DeleteVolume, { VolumeId: volumeId! }, w.ctx);
    await expect(invoke(DescribeVolumes, { VolumeIds: [volumeId!] }, w.ctx)).rejects.toMatchObject({ code: 'InvalidVolume.NotFound' });
    expect((await invoke(DescribeVolumes, {}, w.ctx)).Volumes?.map((v) => v.VolumeId)).not.toContain(volumeId);
    expect((await tagsOf(w.ctx.store, [volumeId!])).get(volumeId!)).toBeUndefined();
    expect(w.cinder.volumes.map((v) => v.id)).toContain(volume.id);
    // The snapshot goes (outside this test's actions): the next request of the family deletes the volume.
    w.cinder.snapshots = [];
    await sweepDiscardedVolumes(w.ctx);
    expect(w.cinder.volumes.map((v) => v.id)).not.toContain(volume.id);
    await sweepDiscardedVolumes(w.ctx);
    expect(await w.ctx.store.query('volume-gc#')).toEqual([]);
    expect(await uuidOf(w.ctx.store, volumeId!)).toBeUndefined();
  });

  it('detaches by volume, checking InstanceId and Device when given', async () => {
    const { w, instanceId, volumeId } = await attachedVolume();
    await expect(invoke(DetachVolume, { VolumeId: volumeId, Device: '/dev/sdz' }, w.ctx)).rejects.toMatchObject({ code: 'InvalidAttachment.NotFound' });
    const other = await ec2IdFor(w.ctx.store, 'instance', 'server-9');
    await expect(invoke(DetachVolume, { VolumeId: volumeId, InstanceId: other }, w.ctx)).rejects.toMatchObject({ code: 'InvalidAttachment.NotFound' });
    const detached = await invoke(DetachVolume, { VolumeId: volumeId, InstanceId: instanceId, Device: '/dev/sdf', Force: true }, w.ctx);
    expect(detached).toMatchObject({ State: 'detaching', InstanceId: instanceId, Device: '/dev/sdf' });
    await expect(invoke(DetachVolume, { VolumeId: volumeId }, w.ctx)).rejects.toMatchObject({ code: 'IncorrectState' });
    await invoke(DeleteVolume, { VolumeId: volumeId }, w.ctx);
    expect(w.cinder.volumes).toHaveLength(0);
  });
});

describe('DescribeVolumeStatus', () => {
  it('reports io-enabled per volume and filters on the status', async () => {
    const w = world();
    w.cinder.volumes.push(cinderVolume(), cinderVolume({ status: 'error' }));
    const all = await invoke(DescribeVolumeStatus, {}, w.ctx);
    expect(all.VolumeStatuses!.map((s) => s.VolumeStatus!.Status).sort()).toEqual(['impaired', 'ok']);
    const impaired = await invoke(DescribeVolumeStatus, { Filters: [{ Name: 'volume-status.status', Values: ['impaired'] }] }, w.ctx);
    expect(impaired.VolumeStatuses).toHaveLength(1);
    expect(impaired.VolumeStatuses![0]!.VolumeStatus!.Details).toContainEqual({ Name: 'io-enabled', Status: 'failed' });
  });
});
