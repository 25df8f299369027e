/**
 * DescribeImageAttribute: one attribute of an image the caller owns. As on AWS, the attributes of
 * an image someone else owns (public or shared with the caller) are AuthFailure, launch
 * permissions included: DescribeImages shows what others may read of it.
 */
import type { ActionContext } from '../../lib/context.js';
import { action } from '../../lib/family.js';
import { type GlanceImage, propertyOf } from '../../lib/openstack/glance.js';
import { authFailure } from '../../lib/protocol/errors.js';
import { ec2IdFor, ec2IdsFor } from '../../lib/store/ids.js';
import type { ImageAttribute, ImageAttributeName } from '../../schemas/types.js';
import { findImage } from './image-lookup.js';
import { novaBdmOf } from '../../lib/domain/images/image-model.js';
import { blockDeviceMappingsOf, glanceOf } from './image-resource.js';
import { launchPermissionsOf } from './launch-permissions.js';

/** The image, if the caller may see it (else InvalidAMIID.NotFound) and owns it (else AuthFailure). */
async function ownedImage(ctx: ActionContext, imageId: string): Promise<GlanceImage> {
  const image = await findImage(ctx, glanceOf(ctx), imageId);
  if (image.owner !== ctx.caller.projectId) throw authFailure(`Not authorized for image:${imageId}`);
  return image;
}

const value = (v: string | undefined) => (v === undefined ? {} : { Value: v });

async function attributeOf(ctx: ActionContext, image: GlanceImage, ec2Id: string, name: ImageAttributeName): Promise<ImageAttribute> {
  const base: ImageAttribute = { ImageId: ec2Id };
  switch (name) {
    case 'description':
      return { ...base, Description: value(propertyOf(image, 'description')) };
    case 'kernel': {
      const kernel = propertyOf(image, 'kernel_id');
      return { ...base, KernelId: value(kernel && (await ec2IdFor(ctx.store, 'image', kernel, 'aki'))) };
    }
    case 'ramdisk': {
      const ramdisk = propertyOf(image, 'ramdisk_id');
      return { ...base, RamdiskId: value(ramdisk && (await ec2IdFor(ctx.store, 'image', ramdisk, 'ari'))) };
    }
    case 'launchPermission':
      return { ...base, LaunchPermissions: await launchPermissionsOf(ctx, glanceOf(ctx), image) };
    case 'productCodes':
      return { ...base, ProductCodes: [] };
    case 'blockDeviceMapping': {
      const bdms = novaBdmOf(image);
      const snaps = await ec2IdsFor(ctx.store, 'snapshot', bdms.flatMap((b) => (b.snapshot_id ? [b.snapshot_id] : [])));
      return { ...base, BlockDeviceMappings: blockDeviceMappingsOf(image, { bdms, snapshotId: (u) => snaps.get(u), imageId: () => undefined }) };
    }
    case 'bootMode': {
      const firmware = propertyOf(image, 'hw_firmware_type');
      return { ...base, BootMode: value(firmware === 'uefi' ? 'uefi' : firmware === 'bios' ? 'legacy-bios' : undefined) };
    }
    case 'tpmSupport':
      return { ...base, TpmSupport: value(propertyOf(image, 'hw_tpm_version') === '2.0' ? 'v2.0' : undefined) };
    case 'sriovNetSupport':
      return { ...base, SriovNetSupport: {} };
    case 'uefiData':
      return { ...base, UefiData: {} };
    case 'lastLaunchedTime':
      return { ...base, LastLaunchedTime: {} };
    case 'imdsSupport':
      return { ...base, ImdsSupport: {} };
  }
}

export default action(
  'DescribeImageAttribute',
  async (input, ctx) => attributeOf(ctx, await ownedImage(ctx, input.ImageId), input.ImageId, input.Attribute),
  {
    check: async (input, ctx) => {
      await ownedImage(ctx, input.ImageId);
    },
  },
);
