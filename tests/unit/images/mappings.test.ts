import { describe as suite, expect, it } from 'vitest';
import { imageMappingProperties, mergeBdms, toNovaBdm } from '../../../functions/images/bdm-input.js';
import { formatsFor } from '../../../functions/images/RegisterImage.js';
import { kindOf, novaBdmOf, rootDeviceNameOf, rootDeviceTypeOf, sameDevice, stateOf } from '../../../lib/domain/images/image-model.js';
import { type GlanceImage } from '../../../lib/openstack/glance.js';

const snaps = new Map([['snap-0123456789abcdef0', 'uuid-s1']]);
const image = (fields: Partial<GlanceImage>): GlanceImage => ({
  id: 'i',
  name: 'i',
  status: 'active',
  visibility: 'private',
  owner: 'p',
  disk_format: 'raw',
  container_format: 'bare',
  size: 0,
  created_at: '2024-01-01T00:00:00Z',
  ...fields,
});

suite('block device mappings given to CreateImage / RegisterImage', () => {
  it('turns EC2 mappings into Nova ones, the root booting first', () => {
    expect(toNovaBdm({ DeviceName: '/dev/sda1', Ebs: { SnapshotId: 'snap-0123456789abcdef0' } }, snaps, '/dev/sda1')).toEqual({
      device_name: '/dev/sda1',
      source_type: 'snapshot',
      destination_type: 'volume',
      snapshot_id: 'uuid-s1',
      delete_on_termination: true,
      boot_index: 0,
    });
    expect(toNovaBdm({ DeviceName: 'sdc', Ebs: { VolumeSize: 5, DeleteOnTermination: false } }, snaps, '/dev/sda1')).toMatchObject({
      device_name: '/dev/sdc',
      source_type: 'blank',
      volume_size: 5,
      delete_on_termination: false,
      boot_index: -1,
    });
    expect(toNovaBdm({ DeviceName: '/dev/sdd', NoDevice: '' }, snaps, undefined)).toEqual({ device_name: '/dev/sdd', no_device: true });
    const code = (m: object) => {
      try {
        toNovaBdm(m, snaps, undefined);
        return 'ok';
      } catch (e) {
        return (e as { code: string }).code;
      }
    };
    expect(code({ DeviceName: 'nonsense', Ebs: { VolumeSize: 1 } })).toBe('InvalidParameterValue');
    expect(code({ DeviceName: '/dev/sdb', Ebs: {} })).toBe('InvalidBlockDeviceMapping');
    expect(code({ DeviceName: '/dev/sdb', VirtualName: 'swap' })).toBe('InvalidParameterValue');
    expect(code({ DeviceName: '/dev/sdb', NoDevice: '', Ebs: { VolumeSize: 1 } })).toBe('InvalidBlockDeviceMapping');
    expect(code({ DeviceName: '/dev/sdb', Ebs: { VolumeSize: 1, Encrypted: true } })).toBe('InvalidParameterValue');
  });

  it('changes what Nova recorded: sizes kept on the snapshot, NoDevice removes, new devices added', () => {
    const recorded = [{ boot_index: 0, source_type: 'snapshot' as const, destination_type: 'volume' as const, snapshot_id: 's', device_name: '/dev/vda', volume_size: 1 }];
    const merged = mergeBdms(recorded, [
      { device_name: '/dev/vda', source_type: 'blank', destination_type: 'volume', volume_size: 10, delete_on_termination: true, boot_index: -1 },
      { device_name: '/dev/vdb', source_type: 'blank', destination_type: 'volume', volume_size: 2, delete_on_termination: true, boot_index: -1 },
    ]);
    expect(merged[0]).toMatchObject({ snapshot_id: 's', source_type: 'snapshot', volume_size: 10, boot_index: 0, delete_on_termination: true });
    expect(merged[1]).toMatchObject({ device_name: '/dev/vdb', volume_size: 2 });
    expect(mergeBdms(merged, [{ device_name: '/dev/vdb', no_device: true }])).toHaveLength(1);
  });

  it('keeps instance-store disks in the EC2 mappings property, volumes in the Nova mapping', () => {
    const props = imageMappingProperties(
      [
        { device_name: '/dev/sda1', source_type: 'snapshot', destination_type: 'volume', snapshot_id: 's', boot_index: 0 },
        { device_name: '/dev/sdb', source_type: 'blank', destination_type: 'local', virtual_name: 'ephemeral0', boot_index: -1 },
      ],
      [{ virtual: 'ami', device: 'sda1' }],
    );
    expect(JSON.parse(props['block_device_mapping']!)).toEqual([{ device_name: '/dev/sda1', source_type: 'snapshot', destination_type: 'volume', snapshot_id: 's', boot_index: 0 }]);
    expect(JSON.parse(props['mappings']!)).toEqual([{ virtual: 'ami', device: 'sda1' }, { virtual: 'ephemeral0', device: 'sdb' }]);
    expect(props['bdm_v2']).toBe('True');
    expect(imageMappingProperties([])).toEqual({});
  });
});

suite('reading images', () => {
  it('reads legacy and v2 mappings and the root device', () => {
    const legacy = image({ block_device_mapping: JSON.stringify([{ device_name: 'vda', snapshot_id: 's1', volume_size: 3 }]), root_device_name: 'vda' });
    expect(novaBdmOf(legacy)[0]).toMatchObject({ source_type: 'snapshot', destination_type: 'volume', snapshot_id: 's1' });
    expect(rootDeviceNameOf(legacy)).toBe('/dev/vda');
    expect(rootDeviceTypeOf(legacy)).toBe('ebs');
    expect(rootDeviceTypeOf(image({ block_device_mapping: 'not json' }))).toBe('instance-store');
    expect(rootDeviceNameOf(image({ mappings: JSON.stringify([{ virtual: 'root', device: 'xvda' }]) }))).toBe('/dev/xvda');
    expect(sameDevice('/dev/sda1', 'sda')).toBe(true);
    expect(sameDevice('/dev/sda1', '/dev/sdb1')).toBe(false);
  });

  it('knows kinds, failed imports and registrations', () => {
    expect(kindOf({ disk_format: 'aki', container_format: 'bare' })).toBe('aki');
    expect(kindOf({ disk_format: 'qcow2', container_format: 'ari' })).toBe('ari');
    expect(kindOf({ disk_format: null, container_format: null })).toBe('ami');
    expect(stateOf(image({ status: 'queued', os_glance_failed_import: 'fs' })).state).toBe('failed');
    expect(stateOf(image({ status: 'queued', ec2_registration_state: 'failed: no' })).state).toBe('failed');
    expect(stateOf(image({ status: 'deactivated' })).state).toBe('invalid');
    expect(stateOf(image({ status: 'pending_delete' })).state).toBe('deregistered');
  });

  it('guesses disk formats of images registered from URLs', () => {
    expect(formatsFor('https://example.org/images/x.qcow2')).toEqual({ disk_format: 'qcow2', container_format: 'bare' });
    expect(formatsFor('http://h/x.vmdk')).toEqual({ disk_format: 'vmdk', container_format: 'bare' });
    expect(formatsFor('http://h/vmlinuz.aki')).toEqual({ disk_format: 'aki', container_format: 'aki' });
    expect(formatsFor('http://h/disk.img.gz')).toEqual({ disk_format: 'raw', container_format: 'bare' });
  });
});

suite('state push-down', () => {
  it('asks Glance for every status an EC2 state can come from', async () => {
    const { glanceStatusesFor } = await import('../../../lib/domain/images/image-model.js');
    expect(glanceStatusesFor('available')).toEqual(['active']);
    expect(glanceStatusesFor('pending').sort()).toEqual(['importing', 'queued', 'saving', 'uploading']);
    expect(glanceStatusesFor('failed').sort()).toEqual(['killed', 'queued']);
  });
});
