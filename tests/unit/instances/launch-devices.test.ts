import { describe, expect, it } from 'vitest';
import { planDevices, type DeviceContext } from '../../../functions/instances/launch-devices.js';
import { type GlanceImage } from '../../../lib/openstack/glance.js';
import type { Flavor } from '../../../lib/openstack/nova-flavors.js';
import { MemoryStore } from '../support/memory-store.js';

const image = (extra: Record<string, unknown> = {}): GlanceImage => ({
  id: 'img-1',
  name: 'cirros',
  status: 'active',
  visibility: 'public',
  owner: 'x',
  disk_format: 'raw',
  container_format: 'bare',
  size: 1024 ** 3,
  created_at: '',
  ...extra,
});
const flavor = (ephemeral = 0): Flavor => ({ id: 'f1', name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1, swap: '', 'OS-FLV-EXT-DATA:ephemeral': ephemeral });

async function context(): Promise<DeviceContext> {
  const store = new MemoryStore();
  // The snapshot is known to the project, as DescribeSnapshots would have made it.
  await store.put('id#snap-00000000000000001', { uuid: 'snap-uuid', ec2Id: 'snap-00000000000000001' });
  return { store, openstack: { cinder: { get: async () => ({ volume_types: [{ name: 'fast' }] }) as never } } };
}

describe('RunInstances block device mappings as Nova bdm v2', () => {
  it('boots from a volume made of a snapshot when the root device maps one', async () => {
    const plan = await planDevices(
      await context(),
      [{ DeviceName: '/dev/sda1', Ebs: { SnapshotId: 'snap-00000000000000001', DeleteOnTermination: true, VolumeSize: 2 } }],
      image(),
      flavor(),
      { canSwitchLater: true },
    );
    expect(plan).toMatchObject({ bootFromVolume: true, omitImageRef: true, rootDeviceName: '/dev/sda1', keepVolumes: [] });
    expect(plan.bdms).toEqual([
      { boot_index: 0, source_type: 'snapshot', destination_type: 'volume', uuid: 'snap-uuid', device_name: '/dev/sda1', volume_size: 2, delete_on_termination: true },
    ]);
  });

  it('puts an instance-store image on a volume, blank and snapshot data volumes, and the flavor ephemeral disk', async () => {
    const plan = await planDevices(
      await context(),
      [
        { DeviceName: '/dev/xvda', Ebs: { VolumeSize: 3 } },
        { DeviceName: '/dev/sdb', Ebs: { VolumeSize: 1, VolumeType: 'gp2' } },
        { DeviceName: 'sdc', Ebs: { SnapshotId: 'snap-00000000000000001', VolumeType: 'fast' } },
        { DeviceName: '/dev/sdd', VirtualName: 'ephemeral0' },
        { DeviceName: '/dev/sde', NoDevice: '' },
      ],
      image(),
      flavor(5),
      { canSwitchLater: true },
    );
    expect(plan.omitImageRef).toBe(true);
    expect(plan.rootDeviceName).toBe('/dev/xvda');
    expect(plan.bdms).toEqual([
      { boot_index: 0, source_type: 'image', destination_type: 'volume', uuid: 'img-1', device_name: '/dev/xvda', volume_size: 3, delete_on_termination: true },
      { boot_index: -1, source_type: 'blank', destination_type: 'volume', device_name: '/dev/sdb', volume_size: 1, delete_on_termination: true },
      { boot_index: -1, source_type: 'snapshot', destination_type: 'volume', uuid: 'snap-uuid', device_name: '/dev/sdc', volume_type: 'fast', delete_on_termination: true },
      { boot_index: -1, source_type: 'blank', destination_type: 'local', device_name: '/dev/sdd', volume_size: 5 },
      { device_name: '/dev/sde', no_device: true },
    ]);
  });

  it('launches volumes to keep with delete-on-termination all the same, to switch once built', async () => {
    const mappings = [{ DeviceName: '/dev/sdb', Ebs: { VolumeSize: 1, DeleteOnTermination: false } }];
    const later = await planDevices(await context(), mappings, image(), flavor(), { canSwitchLater: true });
    expect(later.keepVolumes).toEqual(['/dev/sdb']);
    expect(later.bdms[1]!.delete_on_termination).toBe(true);
    const now = await planDevices(await context(), mappings, image(), flavor(), { canSwitchLater: false });
    expect(now.keepVolumes).toEqual([]);
    expect(now.bdms[1]!.delete_on_termination).toBe(false);
  });

  it('names the image as the boot device when volumes go beside an image boot, and keeps device names as written', async () => {
    const plan = await planDevices(await context(), [{ DeviceName: 'sdh', Ebs: { VolumeSize: 1 } }], image(), flavor(), { canSwitchLater: true });
    expect(plan.bdms[0]).toEqual({ source_type: 'image', destination_type: 'local', boot_index: 0, uuid: image().id, delete_on_termination: true });
    expect(plan.bdms[1]).toMatchObject({ source_type: 'blank', destination_type: 'volume', boot_index: -1, device_name: '/dev/sdh' });
    expect(plan.deviceNames).toEqual(['sdh']);
  });

  it('ignores instance-store mappings of flavors without an ephemeral disk, as AWS does', async () => {
    const plan = await planDevices(await context(), [{ DeviceName: '/dev/sdb', VirtualName: 'ephemeral0' }], image(), flavor(0), { canSwitchLater: true });
    expect(plan.bdms).toEqual([]);
    expect(plan.bootFromVolume).toBe(false);
  });

  it('refuses what AWS refuses', async () => {
    const ctx = await context();
    const plan = (m: Parameters<typeof planDevices>[1]) => planDevices(ctx, m, image(), flavor(), { canSwitchLater: true });
    await expect(plan([{ DeviceName: '/dev/foo', Ebs: { VolumeSize: 1 } }])).rejects.toMatchObject({ code: 'InvalidBlockDeviceMapping' });
    await expect(plan([{ DeviceName: '/dev/sdb', Ebs: { VolumeSize: 1 } }, { DeviceName: '/dev/xvdb', Ebs: { VolumeSize: 1 } }])).rejects.toMatchObject({ code: 'InvalidBlockDeviceMapping' });
    await expect(plan([{ DeviceName: '/dev/sdb', Ebs: {} }])).rejects.toMatchObject({ code: 'MissingParameter' });
    await expect(plan([{ DeviceName: '/dev/sdb', Ebs: { SnapshotId: 'snap-0000000000000000f' } }])).rejects.toMatchObject({ code: 'InvalidSnapshot.NotFound' });
    await expect(plan([{ DeviceName: '/dev/sdb', Ebs: { VolumeSize: 1, VolumeType: 'warp' } }])).rejects.toMatchObject({ code: 'InvalidParameterValue' });
    await expect(plan([{ DeviceName: '/dev/sdb', Ebs: { VolumeSize: 1, Encrypted: true } }])).rejects.toMatchObject({ code: 'UnsupportedOperation' });
    await expect(plan([{ DeviceName: '/dev/sda1', NoDevice: '' }])).rejects.toMatchObject({ code: 'InvalidBlockDeviceMapping' });
  });

  it('overrides the root snapshot of an EBS-backed AMI', async () => {
    const ebsImage = image({
      root_device_name: '/dev/vda',
      bdm_v2: 'True',
      block_device_mapping: JSON.stringify([{ boot_index: 0, source_type: 'snapshot', destination_type: 'volume', snapshot_id: 'root-snap', volume_size: 1, device_name: '/dev/vda', delete_on_termination: true }]),
    });
    const plain = await planDevices(await context(), [], ebsImage, flavor(), { canSwitchLater: true });
    expect(plain).toMatchObject({ bootFromVolume: true, omitImageRef: false, rootDeviceName: '/dev/vda', bdms: [] });
    const bigger = await planDevices(await context(), [{ DeviceName: '/dev/vda', Ebs: { VolumeSize: 4 } }], ebsImage, flavor(), { canSwitchLater: true });
    expect(bigger.bdms).toEqual([
      { boot_index: 0, source_type: 'snapshot', destination_type: 'volume', uuid: 'root-snap', device_name: '/dev/vda', volume_size: 4, delete_on_termination: true },
    ]);
  });
});
