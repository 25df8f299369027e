/**
 * RunInstances' BlockDeviceMapping.N as Nova's block_device_mapping_v2.
 *
 * - The mapping whose device is the AMI's root device replaces the root: from a snapshot (boot
 *   from a volume made of it), or from the image itself onto a volume (instance-store AMIs), or the
 *   AMI's own root snapshot with another size / delete-on-termination (EBS-backed AMIs).
 * - Other Ebs mappings: a volume from a snapshot, or a blank one of VolumeSize GiB.
 * - ephemeral0 is the flavor's ephemeral disk; AWS ignores instance-store mappings of instance
 *   types that have none, and so do we.
 * - NoDevice suppresses a mapping the AMI defines.
 * Volumes default to delete-on-termination true, as on AWS. Volumes to be kept are launched with
 * true all the same (so that a launch rolled back or failed cannot leave them behind) and switched
 * once the server is built (Nova 2.85), see settle.ts.
 */
import type { ActionContext } from '../../lib/context.js';
import { type GlanceImage } from '../../lib/openstack/glance.js';
import type { ServiceClient } from '../../lib/openstack/http.js';
import { listVolumeTypes } from '../../lib/openstack/cinder.js';
import type { Flavor } from '../../lib/openstack/nova-flavors.js';
import type { NovaBdmV2 } from '../../lib/openstack/nova.js';
import { Ec2Error, invalidParameterValue, missingParameter } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ID_PREFIXES, requireUuids } from '../../lib/store/ids.js';
import type { BlockDeviceMapping } from '../../schemas/types.js';
import { rootDeviceNameOf, rootVolumeOf } from '../../lib/domain/images/image-model.js';
import { diskOf } from '../../lib/domain/instances/instance-model.js';

export interface DevicePlan {
  bdms: NovaBdmV2[];
  /** The root is a volume (from the request or the AMI). */
  bootFromVolume: boolean;
  /** Nova must not get imageRef: the boot volume says what to boot. */
  omitImageRef: boolean;
  rootDeviceName: string;
  /** Devices whose volumes must survive termination (switched after the build). */
  keepVolumes: string[];
  /** The mappings' device names exactly as the client wrote them (`sdh` stays `sdh`). */
  deviceNames: string[];
}

const DEVICE = /^(\/dev\/)?(sd|xvd|vd|hd)[a-z]{1,2}\d{0,2}$/;
const EC2_VOLUME_TYPES = new Set(['standard', 'gp2', 'gp3', 'io1', 'io2', 'st1', 'sc1']);
const GIB = 1024 ** 3;

const invalidMapping = (message: string) => new Ec2Error('InvalidBlockDeviceMapping', message);
const devPath = (name: string) => (name.startsWith('/dev/') ? name : `/dev/${name}`);

async function volumeTypeOf(ctx: DeviceContext, requested: string | undefined): Promise<string | undefined> {
  if (!requested) return undefined;
  const types = await listVolumeTypes(ctx.openstack.cinder as ServiceClient);
  if (types.some((t) => t.name === requested)) return requested;
  // AWS's type names run on the cloud's default type unless the operator made types of those names.
  if (EC2_VOLUME_TYPES.has(requested)) return undefined;
  throw invalidParameterValue(`Value (${requested}) for parameter volumeType is invalid.`);
}

/** What planning needs of a request: the table (snapshot ids) and Cinder (volume types). */
export type DeviceContext = Pick<ActionContext, 'store'> & { openstack: { cinder: Pick<ServiceClient, 'get'> } };

export async function planDevices(
  ctx: DeviceContext,
  mappings: BlockDeviceMapping[],
  image: GlanceImage,
  flavor: Flavor,
  options: { canSwitchLater: boolean },
): Promise<DevicePlan> {
  const imageRoot = rootDeviceNameOf(image);
  const imageRootVolume = rootVolumeOf(image);
  const seen = new Set<string>();
  for (const m of mappings) {
    if (!m.DeviceName) throw missingParameter('BlockDeviceMapping.DeviceName');
    if (!DEVICE.test(m.DeviceName)) throw invalidMapping(`Invalid device name ${m.DeviceName}`);
    const disk = diskOf(m.DeviceName);
    if (seen.has(disk)) throw invalidMapping(`The device '${m.DeviceName}' is used in more than one block-device mapping`);
    seen.add(disk);
    const kinds = [m.Ebs, m.VirtualName, m.NoDevice].filter((k) => k !== undefined).length;
    if (kinds !== 1) {
      throw invalidMapping(`The block device mapping for ${m.DeviceName} must give exactly one of Ebs, VirtualName or NoDevice`);
    }
    if (m.Ebs?.Encrypted || m.Ebs?.KmsKeyId) throw new Ec2Error('UnsupportedOperation', 'Encrypted EBS volumes are not supported by this cloud.');
  }
  const snapshotIds = mappings.flatMap((m) => (m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : []));
  const snapshots = snapshotIds.length
    ? await requireUuids(ctx.store, snapshotIds, ID_PREFIXES.snapshot, ID_ERRORS.snapshot)
    : new Map<string, string>();

  const plan: DevicePlan = {
    bdms: [],
    bootFromVolume: Boolean(imageRootVolume),
    omitImageRef: false,
    rootDeviceName: imageRoot,
    keepVolumes: [],
    deviceNames: [],
  };
  const deleteFlag = (device: string, wanted: boolean | undefined, fallback = true) => {
    const keep = wanted === undefined ? !fallback : !wanted;
    if (keep && options.canSwitchLater) {
      plan.keepVolumes.push(device);
      return true;
    }
    return !keep;
  };

  for (const m of mappings) {
    const device = devPath(m.DeviceName!);
    if (m.NoDevice === undefined) plan.deviceNames.push(m.DeviceName!);
    const isRoot = diskOf(device) === diskOf(imageRoot);
    if (m.NoDevice !== undefined) {
      if (isRoot) throw invalidMapping('The root device of an instance cannot be suppressed with NoDevice');
      plan.bdms.push({ device_name: device, no_device: true });
      continue;
    }
    if (m.VirtualName !== undefined) {
      if (!/^ephemeral\d+$/.test(m.VirtualName)) throw invalidMapping(`Invalid virtual name ${m.VirtualName}`);
      const size = flavor['OS-FLV-EXT-DATA:ephemeral'] ?? 0;
      if (m.VirtualName === 'ephemeral0' && size > 0) {
        plan.bdms.push({ source_type: 'blank', destination_type: 'local', boot_index: -1, device_name: device, volume_size: size });
      }
      continue;
    }
    const ebs = m.Ebs!;
    if (ebs.VolumeSize !== undefined && (ebs.VolumeSize < 1 || ebs.VolumeSize > 16384)) {
      throw invalidParameterValue(`Volume of ${ebs.VolumeSize}GiB is too large or too small; the size must be between 1 and 16384 GiB`);
    }
    const volumeType = await volumeTypeOf(ctx, ebs.VolumeType);
    const common = {
      destination_type: 'volume' as const,
      device_name: device,
      ...(ebs.VolumeSize ? { volume_size: ebs.VolumeSize } : {}),
      ...(volumeType ? { volume_type: volumeType } : {}),
    };
    if (isRoot) {
      plan.rootDeviceName = device;
      plan.bootFromVolume = true;
      const delete_on_termination = deleteFlag(device, ebs.DeleteOnTermination);
      if (ebs.SnapshotId) {
        plan.omitImageRef = true;
        plan.bdms.push({ ...common, boot_index: 0, source_type: 'snapshot', uuid: snapshots.get(ebs.SnapshotId)!, delete_on_termination });
      } else if (imageRootVolume?.snapshot_id) {
        plan.bdms.push({
          ...common,
          boot_index: 0,
          source_type: 'snapshot',
          uuid: imageRootVolume.snapshot_id,
          volume_size: ebs.VolumeSize ?? (Number(imageRootVolume.volume_size) || undefined),
          delete_on_termination,
        });
      } else {
        const imageGiB = Math.ceil((Number(image.virtual_size ?? image.size) || 0) / GIB);
        const size = ebs.VolumeSize ?? Math.max(flavor.disk, image.min_disk ?? 0, imageGiB, 1);
        if (ebs.VolumeSize !== undefined && ebs.VolumeSize < Math.max(image.min_disk ?? 0, imageGiB)) {
          throw invalidMapping(`Volume of ${ebs.VolumeSize}GiB is smaller than the image (${Math.max(image.min_disk ?? 0, imageGiB)}GiB)`);
        }
        plan.omitImageRef = true;
        plan.bdms.push({ ...common, boot_index: 0, source_type: 'image', uuid: image.id, volume_size: size, delete_on_termination });
      }
      continue;
    }
    if (!ebs.SnapshotId && !ebs.VolumeSize) throw missingParameter('BlockDeviceMapping.Ebs.VolumeSize (or SnapshotId)');
    const delete_on_termination = deleteFlag(device, ebs.DeleteOnTermination);
    plan.bdms.push(
      ebs.SnapshotId
        ? { ...common, boot_index: -1, source_type: 'snapshot', uuid: snapshots.get(ebs.SnapshotId)!, delete_on_termination }
        : { ...common, boot_index: -1, source_type: 'blank', delete_on_termination },
    );
  }
  // Booting from the image with volumes beside it: Nova wants the image named as the first
  // device of the mapping too, or it refuses the boot sequence.
  if (!plan.bootFromVolume && plan.bdms.some((b) => b.destination_type === 'volume')) {
    plan.bdms.unshift({ source_type: 'image', destination_type: 'local', boot_index: 0, uuid: image.id, delete_on_termination: true });
  }
  return plan;
}
