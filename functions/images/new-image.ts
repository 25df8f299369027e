/**
 * Making a Glance image for RegisterImage and CopyImage: the properties EC2 parameters become, the
 * properties a copy inherits, and the EC2 id and tags of the result.
 */
import type { ActionContext } from '../../lib/context.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { CORE_ATTRIBUTES, createImage, deleteImage, imageIfVisible, type GlanceImage } from '../../lib/openstack/glance.js';
import type { ServiceClient } from '../../lib/openstack/http.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ID_PREFIXES, recordMapping, requireUuid } from '../../lib/store/ids.js';
import { kindOf, REGISTRATION_STATE } from '../../lib/domain/images/image-model.js';

/** Properties that describe one image's origin and are not handed on to copies. */
const NOT_INHERITED = new Set([
  'instance_uuid',
  'base_image_ref',
  'image_type',
  'owner_user_name',
  'owner_project_name',
  'user_id',
  'boot_roles',
  'image_location',
  'description',
  'block_device_mapping',
  'bdm_v2',
  REGISTRATION_STATE,
]);

/** The additional properties of an image that a copy keeps (architecture, kernel, hw_*, os_*…). */
export function inheritedProperties(image: GlanceImage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(image)) {
    if (CORE_ATTRIBUTES.has(key) || NOT_INHERITED.has(key) || key.startsWith('os_glance')) continue;
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}

/** Glance's UUID of an aki-/ari- id given to RegisterImage, checked to be that kind of image. */
export async function kernelOrRamdisk(ctx: ActionContext, glance: ServiceClient, ec2Id: string, kind: 'aki' | 'ari'): Promise<string> {
  const uuid = await requireUuid(ctx.store, ec2Id, ID_PREFIXES.image, ID_ERRORS.image);
  const image = await mapErrors(() => imageIfVisible(glance, uuid));
  if (!image) throw new Ec2Error(ID_ERRORS.image.notFound, `The image ID '${ec2Id}' does not exist`);
  if (kindOf(image) !== kind) {
    throw new Ec2Error('InvalidParameterValue', `${ec2Id} is not a ${kind === 'aki' ? 'kernel' : 'ramdisk'} image`);
  }
  return uuid;
}

/** Creates the Glance image and its EC2 id (ami/aki/ari after its formats). */
export async function createGlanceImage(ctx: ActionContext, glance: ServiceClient, body: Record<string, unknown>): Promise<{ image: GlanceImage; ec2Id: string }> {
  const image = await mapErrors(() => createImage(glance, { visibility: 'private', ...body }), {
    conflict: (message) => new Ec2Error('InvalidAMIName.Duplicate', message),
    quota: (message) => new Ec2Error('ResourceLimitExceeded', `You have reached the limit of images: ${message}`),
  });
  const ec2Id = await recordMapping(ctx.store, 'image', image.id, kindOf(image));
  return { image, ec2Id };
}

/** Removes an image whose making failed half-way, so no orphan stays behind. */
export async function discardImage(glance: ServiceClient, uuid: string): Promise<void> {
  try {
    await deleteImage(glance, uuid);
  } catch {
    // best effort
  }
}
