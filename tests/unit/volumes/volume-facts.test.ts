import { describe, expect, it } from 'vitest';
import AttachVolume from '../../../functions/volumes/AttachVolume.js';
import DescribeVolumes from '../../../functions/volumes/DescribeVolumes.js';
import DescribeVolumeStatus from '../../../functions/volumes/DescribeVolumeStatus.js';
import DetachVolume from '../../../functions/volumes/DetachVolume.js';
import { ec2IdFor } from '../../../lib/store/ids.js';
import { cinderSnapshot, cinderVolume, invoke, world, type VolumesWorld } from './fakes.js';

type DescribeInput = Parameters<typeof DescribeVolumes.run>[0];
const describeVolumes = (w: VolumesWorld, input: DescribeInput = {}) => invoke(DescribeVolumes, input, w.ctx);

/** A project with `count` volumes, each attached through AttachVolume to a server of its own. */
async function attachedWorld(count: number) {
  const w = world();
  const volumes = Array.from({ length: count }, () => cinderVolume());
  w.cinder.volumes.push(...volumes);
  const volumeIds = (await describeVolumes(w)).Volumes!.map((v) => v.VolumeId!);
  const byUuid = new Map(await Promise.all(volumes.map(async (v) => [v.id, await ec2IdFor(w.ctx.store, 'volume', v.id)] as const)));
  const instances: string[] = [];
  for (const [i, volume] of volumes.entries()) {
    const server = `server-${i}`;
    w.nova.servers.add(server);
    const instanceId = await ec2IdFor(w.ctx.store, 'instance', server);
    instances.push(instanceId);
    await invoke(AttachVolume, { VolumeId: byUuid.get(volume.id)!, InstanceId: instanceId, Device: `/dev/sd${'fghijk'[i]}` }, w.ctx);
  }
  return { w, volumes, volumeIds: volumes.map((v) => byUuid.get(v.id)!), instances, listed: volumeIds };
}

/** How many Nova calls had been made when each Cinder listing or GET of a volume was sent. */
function novaCallsAtCinder(w: VolumesWorld): number[] {
  const seen: number[] = [];
  const get = w.cinder.get.bind(w.cinder);
  w.cinder.get = (path, query) => {
    if (path === 'volumes/detail' || /^volumes\/[^/]+$/.test(path)) seen.push(w.nova.calls.length);
    return get(path, query);
  };
  return seen;
}

describe('volume facts read beside Cinder', () => {
  it('asks Nova about the servers seen attached before Cinder answers, once each, with the same answer', async () => {
    const { w, volumeIds, instances } = await attachedWorld(2);
    w.nova.deleteOnTermination.set(w.cinder.volumes[1]!.id, true);
    const first = (await describeVolumes(w)).Volumes!;
    const seen = novaCallsAtCinder(w);
    w.nova.calls = [];
    const second = (await describeVolumes(w)).Volumes!;
    expect(second).toEqual(first);
    // Both Nova calls were on their way when the listing was sent, and none followed it.
    expect(seen).toEqual([2]);
    expect(w.nova.calls.sort()).toEqual(['GET servers/server-0/os-volume_attachments', 'GET servers/server-1/os-volume_attachments']);
    const attachmentOf = (id: string) => second.find((v) => v.VolumeId === id)!.Attachments![0]!;
    expect(attachmentOf(volumeIds[0]!)).toMatchObject({ InstanceId: instances[0], Device: '/dev/sdf', DeleteOnTermination: false, State: 'attached' });
    expect(attachmentOf(volumeIds[1]!)).toMatchObject({ InstanceId: instances[1], Device: '/dev/sdg', DeleteOnTermination: true });
  });

  it('follows delete-on-termination changed in Nova since the previous answer', async () => {
    const { w, volumeIds } = await attachedWorld(1);
    expect((await describeVolumes(w)).Volumes![0]!.Attachments![0]!.DeleteOnTermination).toBe(false);
    w.nova.deleteOnTermination.set(w.cinder.volumes[0]!.id, true);
    const [volume] = (await describeVolumes(w, { VolumeIds: [volumeIds[0]!] })).Volumes!;
    expect(volume!.Attachments![0]!.DeleteOnTermination).toBe(true);
  });

  it('shows a volume moved to another server with its new instance, device and flag, and nothing of the old one', async () => {
    const { w, volumeIds, instances } = await attachedWorld(2);
    await describeVolumes(w);
    await invoke(DetachVolume, { VolumeId: volumeIds[0]! }, w.ctx);
    await invoke(AttachVolume, { VolumeId: volumeIds[0]!, InstanceId: instances[1]!, Device: '/dev/sdz' }, w.ctx);
    w.nova.deleteOnTermination.set(w.cinder.volumes[0]!.id, true);
    const moved = (await describeVolumes(w)).Volumes!.find((v) => v.VolumeId === volumeIds[0])!;
    expect(moved.Attachments).toEqual([expect.objectContaining({ InstanceId: instances[1], Device: '/dev/sdz', DeleteOnTermination: true })]);
  });

  it('reads attachments made since the previous answer after Cinder, and drops detached ones', async () => {
    const { w, volumeIds, instances } = await attachedWorld(1);
    const spare = cinderVolume();
    w.cinder.volumes.push(spare);
    await describeVolumes(w);
    const spareId = await ec2IdFor(w.ctx.store, 'volume', spare.id);
    await invoke(DetachVolume, { VolumeId: volumeIds[0]! }, w.ctx);
    w.nova.servers.add('server-new');
    const newInstance = await ec2IdFor(w.ctx.store, 'instance', 'server-new');
    await invoke(AttachVolume, { VolumeId: spareId, InstanceId: newInstance, Device: '/dev/sdq' }, w.ctx);
    w.nova.deleteOnTermination.set(spare.id, true);
    const volumes = (await describeVolumes(w)).Volumes!;
    expect(volumes.find((v) => v.VolumeId === volumeIds[0])!.Attachments).toEqual([]);
    expect(volumes.find((v) => v.VolumeId === spareId)!.Attachments).toEqual([
      expect.objectContaining({ InstanceId: newInstance, Device: '/dev/sdq', DeleteOnTermination: true }),
    ]);
    expect(instances).not.toContain(newInstance);
  });

  it('asks a server again when Cinder shows an attachment its early Nova answer did not have', async () => {
    const { w, instances } = await attachedWorld(1);
    const spare = cinderVolume();
    w.cinder.volumes.push(spare);
    await describeVolumes(w);
    const spareId = await ec2IdFor(w.ctx.store, 'volume', spare.id);
    w.nova.deleteOnTermination.set(spare.id, true);
    // The attachment completes after Nova was asked about server-0 and before Cinder lists.
    const get = w.cinder.get.bind(w.cinder);
    w.cinder.get = async (path, query) => {
      if (path === 'volumes/detail' && spare.attachments.length === 0) {
        spare.status = 'in-use';
        spare.attachments.push({ id: spare.id, attachment_id: 'late', volume_id: spare.id, server_id: 'server-0', host_name: null, device: '/dev/vdc', attached_at: '2024-05-06T09:00:00.000000' });
      }
      return get(path, query);
    };
    w.nova.calls = [];
    const volume = (await describeVolumes(w)).Volumes!.find((v) => v.VolumeId === spareId)!;
    expect(volume.Attachments).toEqual([expect.objectContaining({ InstanceId: instances[0], Device: '/dev/vdc', DeleteOnTermination: true })]);
    expect(w.nova.calls).toEqual(['GET servers/server-0/os-volume_attachments', 'GET servers/server-0/os-volume_attachments']);
  });

  it('answers the snapshot a volume was made from, read beside Cinder once seen', async () => {
    const w = world();
    const source = cinderVolume();
    const snapshot = cinderSnapshot(source);
    w.cinder.volumes.push(source, cinderVolume({ snapshot_id: snapshot.id }));
    w.cinder.snapshots.push(snapshot);
    const first = (await describeVolumes(w)).Volumes!;
    const second = (await describeVolumes(w)).Volumes!;
    expect(second).toEqual(first);
    expect(first.map((v) => v.SnapshotId).sort()).toEqual(['', await ec2IdFor(w.ctx.store, 'snapshot', snapshot.id)]);
  });

  it('forgets what a listing no longer shows: nothing is started for a project whose volumes are gone', async () => {
    const { w } = await attachedWorld(1);
    await describeVolumes(w);
    w.cinder.volumes = [];
    expect((await describeVolumes(w)).Volumes).toEqual([]);
    w.nova.calls = [];
    await describeVolumes(w);
    expect(w.nova.calls).toEqual([]);
  });

  it('starts nothing for a pushed-down status its volumes did not have, nor for DescribeVolumeStatus', async () => {
    const { w } = await attachedWorld(1);
    await describeVolumes(w);
    w.nova.calls = [];
    expect((await describeVolumes(w, { Filters: [{ Name: 'status', Values: ['available'] }] })).Volumes).toEqual([]);
    await invoke(DescribeVolumeStatus, {}, w.ctx);
    expect(w.nova.calls).toEqual([]);
  });
});
