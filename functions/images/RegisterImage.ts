/**
 * RegisterImage, three ways:
 * - no ImageLocation: an EBS-backed AMI over existing volume snapshots (RootDeviceName names the
 *   mapping to boot from), the image Nova itself makes of a volume-backed server;
 * - an http(s) ImageLocation: Glance's `web-download` import fetches the disk image;
 * - an S3 bundle manifest (`bucket/prefix.manifest.xml` or `s3://…`): see bundle-registration.ts.
 */
import { action, type Input } from '../../lib/family.js';
import type { ActionContext } from '../../lib/context.js';
import { getSnapshot, getVolume, setBootable } from '../../lib/openstack/cinder.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { importImage, importMethods, uploadImage } from '../../lib/openstack/glance.js';
import { Ec2Error, invalidParameterCombination, invalidParameterValue, notFound } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { checkDeviceName, imageMappingProperties, snapshotUuids, toNovaBdm } from './bdm-input.js';
import { isBundleLocation, registerBundle } from './bundle-registration.js';
import { checkDescription, checkImageName, checkNameFree } from './image-names.js';
import { REGISTRATION_STATE, glanceArchitecture, sameDevice, type NovaBdm } from '../../lib/domain/images/image-model.js';
import { glanceOf } from './image-resource.js';
import { createGlanceImage, discardImage, kernelOrRamdisk } from './new-image.js';
import { logger } from '../../lib/log.js';

const unsupported = (what: string) => new Ec2Error('UnsupportedOperation', `${what} is not supported by this cloud.`);

/** Glance disk and container formats of a disk image, from the name it is published under. */
export function formatsFor(location: string): { disk_format: string; container_format: string } {
  const path = new URL(location).pathname.toLowerCase().replace(/\.(gz|xz|bz2)$/, '');
  const ext = path.slice(path.lastIndexOf('.') + 1);
  switch (ext) {
    case 'qcow2':
    case 'qcow':
      return { disk_format: 'qcow2', container_format: 'bare' };
    case 'vmdk':
    case 'vhd':
    case 'vhdx':
    case 'vdi':
    case 'iso':
    case 'ploop':
      return { disk_format: ext, container_format: 'bare' };
    case 'aki':
    case 'ari':
    case 'ami':
      return { disk_format: ext, container_format: ext };
    case 'ova':
      return { disk_format: 'vmdk', container_format: 'ova' };
    default:
      return { disk_format: 'raw', container_format: 'bare' };
  }
}

/** Image properties from RegisterImage's parameters that every way of registering shares. */
async function commonProperties(input: Input<'RegisterImage'>, ctx: ActionContext): Promise<Record<string, string>> {
  if (input.BillingProducts?.length) throw unsupported('Billing products');
  if (input.UefiData) throw unsupported('UEFI data');
  if (input.ImdsSupport) throw unsupported('Requiring IMDSv2 through the image');
  if (input.VirtualizationType && !['hvm', 'paravirtual'].includes(input.VirtualizationType)) {
    throw invalidParameterValue(`Value (${input.VirtualizationType}) for parameter virtualizationType is invalid. Valid values: hvm, paravirtual.`);
  }
  const glance = glanceOf(ctx);
  const props: Record<string, string> = {};
  if (input.Architecture) props['architecture'] = glanceArchitecture(input.Architecture);
  if (input.Description !== undefined) props['description'] = input.Description;
  if (input.KernelId) props['kernel_id'] = await kernelOrRamdisk(ctx, glance, input.KernelId, 'aki');
  if (input.RamdiskId) props['ramdisk_id'] = await kernelOrRamdisk(ctx, glance, input.RamdiskId, 'ari');
  if (input.BootMode) props['hw_firmware_type'] = input.BootMode === 'uefi' ? 'uefi' : 'bios';
  if (input.TpmSupport === 'v2.0') props['hw_tpm_version'] = '2.0';
  if (input.RootDeviceName) props['root_device_name'] = checkDeviceName(input.RootDeviceName, 'RootDeviceName');
  return props;
}

/** The mapping for an EBS-backed image: snapshots checked, sized, their volumes bootable. */
async function ebsMapping(input: Input<'RegisterImage'>, ctx: ActionContext, requireRoot: boolean, apply = true): Promise<NovaBdm[]> {
  const mappings = input.BlockDeviceMappings ?? [];
  const root = input.RootDeviceName ? checkDeviceName(input.RootDeviceName, 'RootDeviceName') : undefined;
  const snapshots = await snapshotUuids(ctx, mappings);
  const bdms = mappings.map((m) => toNovaBdm(m, snapshots, root));
  const rootBdm = bdms.find((b) => b.device_name === root || sameDevice(b.device_name ?? undefined, root));
  if (requireRoot) {
    if (!root) throw new Ec2Error('MissingParameter', 'The request must contain the parameter RootDeviceName (or an ImageLocation)');
    if (!rootBdm) throw new Ec2Error('InvalidBlockDeviceMapping', `The root device ${root} must be in the block device mapping`);
    if (rootBdm.source_type !== 'snapshot') throw new Ec2Error('InvalidBlockDeviceMapping', `The root device ${root} must be an EBS volume made from a snapshot`);
    rootBdm.boot_index = 0;
  } else if (rootBdm?.destination_type === 'volume') {
    throw invalidParameterCombination('An image registered from an ImageLocation boots from its own disk image: the root device cannot be an EBS volume');
  }
  const cinder = ctx.openstack.cinder;
  for (const [ec2Id, uuid] of snapshots) {
    const snapshot = await mapErrors(() => getSnapshot(cinder, uuid), {
      notFound: () => notFound(ID_ERRORS.snapshot.notFound, ec2Id, ID_ERRORS.snapshot.noun),
    });
    if (snapshot.status !== 'available') throw new Ec2Error('IncorrectState', `Snapshot '${ec2Id}' is not completed (${snapshot.status})`);
    for (const b of bdms.filter((x) => x.snapshot_id === uuid)) {
      if (b.volume_size === undefined || b.volume_size === null) b.volume_size = snapshot.size;
      else if (Number(b.volume_size) < snapshot.size) {
        throw new Ec2Error('InvalidBlockDeviceMapping', `Volume of size ${b.volume_size}GB is smaller than snapshot '${ec2Id}', expect size >= ${snapshot.size}GB`);
      }
    }
    // Not for DryRun, which must change nothing.
    if (apply && rootBdm?.snapshot_id === uuid) await makeBootable(ctx, snapshot.volume_id);
  }
  return bdms;
}

/** Nova boots a snapshot only when its volume is marked bootable; EC2 has no such mark. */
async function makeBootable(ctx: ActionContext, volumeUuid: string): Promise<void> {
  try {
    const volume = await getVolume(ctx.openstack.cinder, volumeUuid);
    if (String(volume.bootable) === 'true') return;
    await setBootable(ctx.openstack.cinder, volumeUuid, true);
  } catch (error) {
    logger.warn('could not mark a volume bootable', { bootable: volumeUuid, error: String(error) });
  }
}

async function registerFromSnapshots(input: Input<'RegisterImage'>, ctx: ActionContext, props: Record<string, string>) {
  const bdms = await ebsMapping(input, ctx, true);
  const glance = glanceOf(ctx);
  const { image, ec2Id } = await createGlanceImage(ctx, glance, {
    name: input.Name,
    disk_format: 'raw',
    container_format: 'bare',
    ...props,
    ...imageMappingProperties(bdms),
  });
  // Like Nova's own snapshots of volume-backed servers: no data, active at once.
  try {
    await mapErrors(() => uploadImage(glance, image.id, Buffer.alloc(0)));
  } catch (error) {
    await discardImage(glance, image.id);
    throw error;
  }
  return ec2Id;
}

async function registerFromUrl(input: Input<'RegisterImage'>, ctx: ActionContext, props: Record<string, string>) {
  const location = input.ImageLocation!;
  const glance = glanceOf(ctx);
  const methods = await mapErrors(() => importMethods(glance));
  if (!methods.includes('web-download')) throw unsupported(`Registering from ${new URL(location).protocol} locations (Glance offers no web-download import)`);
  const extra = await ebsMapping(input, ctx, false);
  const { image, ec2Id } = await createGlanceImage(ctx, glance, {
    name: input.Name,
    ...formatsFor(location),
    ...props,
    image_location: location,
    ...imageMappingProperties(extra),
  });
  try {
    await mapErrors(() => importImage(glance, image.id, { name: 'web-download', uri: location }));
  } catch (error) {
    await discardImage(glance, image.id);
    throw error;
  }
  return ec2Id;
}

function checkLocation(location: string): 'url' | 'bundle' {
  if (/^https?:\/\//i.test(location)) {
    try {
      new URL(location);
    } catch {
      throw invalidParameterValue(`Invalid ImageLocation: ${location}`);
    }
    return 'url';
  }
  if (isBundleLocation(location)) return 'bundle';
  throw invalidParameterValue(`Invalid ImageLocation ${location}: expected bucket/path.manifest.xml, s3://bucket/path.manifest.xml or an http(s) URL`);
}

export default action(
  'RegisterImage',
  async (input, ctx) => {
    const name = checkImageName(input.Name);
    checkDescription(input.Description);
    const props = await commonProperties(input, ctx);
    await checkNameFree(ctx, glanceOf(ctx), name);
    let ec2Id: string;
    if (!input.ImageLocation) ec2Id = await registerFromSnapshots(input, ctx, props);
    else if (checkLocation(input.ImageLocation) === 'url') ec2Id = await registerFromUrl(input, ctx, props);
    else ec2Id = await registerBundle(ctx, input.ImageLocation, { name, props, extra: await ebsMapping(input, ctx, false) });
    return { ImageId: ec2Id };
  },
  {
    check: async (input, ctx) => {
      checkImageName(input.Name);
      checkDescription(input.Description);
      if (input.ImageLocation) checkLocation(input.ImageLocation);
      await commonProperties(input, ctx);
      await ebsMapping(input, ctx, !input.ImageLocation, false);
    },
  },
);

export { REGISTRATION_STATE };
