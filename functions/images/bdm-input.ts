/**
 * EC2 block device mappings given to CreateImage / RegisterImage, as the Nova block device mapping
 * (v2) Glance keeps on an image and Nova applies when it boots one.
 */
import type { ActionContext } from '../../lib/context.js';
import { Ec2Error, invalidParameterValue } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ID_PREFIXES, requireUuids } from '../../lib/store/ids.js';
import type { BlockDeviceMapping } from '../../schemas/types.js';
import { deviceName, sameDevice, truthy, type NovaBdm } from '../../lib/domain/images/image-model.js';

const DEVICE = /^\/dev\/(sd[a-z]{1,2}\d{0,2}|xvd[a-z]{1,2}\d{0,2}|vd[a-z]{1,2}\d{0,2}|hd[a-z]\d{0,2}|nvme\d+n\d+)$/;

export function checkDeviceName(name: string | undefined, what = 'BlockDeviceMapping.DeviceName'): string {
  const device = deviceName(name);
  if (!device || !DEVICE.test(device)) throw invalidParameterValue(`Value (${name ?? ''}) for parameter ${what} is invalid. Device names look like /dev/sdh or /dev/xvdh.`);
  return device;
}

/** Snapshot UUIDs behind the snap- ids the mappings name (NotFound for unknown ones). */
export async function snapshotUuids(ctx: Pick<ActionContext, 'store'>, mappings: BlockDeviceMapping[]): Promise<Map<string, string>> {
  const ids = [...new Set(mappings.flatMap((m) => (m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : [])))];
  return ids.length ? requireUuids(ctx.store, ids, ID_PREFIXES.snapshot, ID_ERRORS.snapshot) : new Map();
}

/** One EC2 mapping as a Nova one; `root` marks the device the image boots from. */
export function toNovaBdm(mapping: BlockDeviceMapping, snapshots: Map<string, string>, root: string | undefined): NovaBdm {
  const device = checkDeviceName(mapping.DeviceName);
  const isRoot = sameDevice(device, root) && deviceName(root) === device;
  if (mapping.NoDevice !== undefined) {
    if (mapping.Ebs || mapping.VirtualName) throw new Ec2Error('InvalidBlockDeviceMapping', `NoDevice cannot be combined with Ebs or VirtualName for ${device}`);
    return { device_name: device, no_device: true };
  }
  if (mapping.VirtualName !== undefined) {
    if (mapping.Ebs) throw new Ec2Error('InvalidBlockDeviceMapping', `VirtualName cannot be combined with Ebs for ${device}`);
    if (!/^ephemeral\d+$/.test(mapping.VirtualName)) throw invalidParameterValue(`Invalid virtual name ${mapping.VirtualName}: expected ephemeral0..ephemeral23`);
    return { device_name: device, source_type: 'blank', destination_type: 'local', virtual_name: mapping.VirtualName, boot_index: -1 };
  }
  const ebs = mapping.Ebs;
  if (!ebs) throw new Ec2Error('InvalidBlockDeviceMapping', `The mapping for ${device} needs Ebs, VirtualName or NoDevice`);
  if (ebs.Encrypted) throw new Ec2Error('InvalidParameterValue', 'Encrypted EBS volumes are not supported by this cloud');
  if (ebs.VolumeSize !== undefined && (ebs.VolumeSize < 1 || ebs.VolumeSize > 16384)) {
    throw invalidParameterValue(`Volume of size ${ebs.VolumeSize}GB is out of range (1 to 16384)`);
  }
  const snapshot = ebs.SnapshotId ? snapshots.get(ebs.SnapshotId) : undefined;
  if (!snapshot && ebs.VolumeSize === undefined) {
    throw new Ec2Error('InvalidBlockDeviceMapping', `The EBS mapping for ${device} needs a SnapshotId or a VolumeSize`);
  }
  return {
    device_name: device,
    source_type: snapshot ? 'snapshot' : 'blank',
    destination_type: 'volume',
    ...(snapshot ? { snapshot_id: snapshot } : {}),
    ...(ebs.VolumeSize !== undefined ? { volume_size: ebs.VolumeSize } : {}),
    ...(ebs.VolumeType ? { volume_type: ebs.VolumeType } : {}),
    delete_on_termination: ebs.DeleteOnTermination ?? true,
    boot_index: isRoot ? 0 : -1,
  };
}

/**
 * Applies CreateImage's mappings to the mapping Nova recorded: a device named again is replaced
 * (with its snapshot kept when only size, type or delete-on-termination change), NoDevice removes
 * it, new devices are added.
 */
export function mergeBdms(existing: NovaBdm[], requested: NovaBdm[]): NovaBdm[] {
  const out = existing.map((b) => ({ ...b }));
  for (const req of requested) {
    const at = out.findIndex((b) => deviceName(b.device_name) === req.device_name);
    if (at < 0) {
      out.push(req);
      continue;
    }
    const current = out[at]!;
    if (truthy(req.no_device)) {
      out.splice(at, 1);
    } else if (req.destination_type === 'volume' && req.source_type === 'blank' && current.destination_type === 'volume') {
      // Changing a recorded volume: keep its source, take the new size/type/deletion.
      out[at] = {
        ...current,
        ...(req.volume_size !== undefined ? { volume_size: req.volume_size } : {}),
        ...(req.volume_type ? { volume_type: req.volume_type } : {}),
        delete_on_termination: req.delete_on_termination,
      };
    } else {
      out[at] = { ...req, boot_index: current.boot_index ?? req.boot_index };
    }
  }
  return out;
}

/**
 * Splits requested mappings into what Glance keeps for Nova: volumes and NoDevice entries in
 * `block_device_mapping` (Nova refuses EC2's virtual names there), instance-store disks in the
 * EC2-style `mappings` property, which Nova turns into ephemeral disks the flavor has room for.
 */
export function imageMappingProperties(bdms: NovaBdm[], ephemeralBase: Array<{ virtual: string; device: string }> = []): Record<string, string> {
  const volumes = bdms.filter((b) => !b.virtual_name).map(({ virtual_name: _v, ...rest }) => rest);
  const ephemeral = bdms.filter((b) => b.virtual_name).map((b) => ({ virtual: b.virtual_name!, device: b.device_name!.replace(/^\/dev\//, '') }));
  const mappings = [...ephemeralBase.filter((m) => !ephemeral.some((e) => e.device === m.device.replace(/^\/dev\//, ''))), ...ephemeral];
  return {
    ...(volumes.length ? { bdm_v2: 'True', block_device_mapping: JSON.stringify(volumes) } : {}),
    ...(mappings.length ? { mappings: JSON.stringify(mappings) } : {}),
  };
}
