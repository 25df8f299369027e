/** Resolving an AMI/AKI/ARI id of the caller's project to its Glance image. */
import type { ActionContext } from '../../lib/context.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { imageIfVisible, type GlanceImage } from '../../lib/openstack/glance.js';
import type { ServiceClient } from '../../lib/openstack/http.js';
import { authFailure, notFound } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ID_PREFIXES, requireUuid } from '../../lib/store/ids.js';

const imageNotFound = (ec2Id: string) => notFound(ID_ERRORS.image.notFound, ec2Id, ID_ERRORS.image.noun);

/** Lookups of one request: an action's check and run then read the image once. */
const lookups = new WeakMap<ActionContext, Map<string, Promise<GlanceImage>>>();

/** The image behind an id, as Glance shows it to the caller; InvalidAMIID.Malformed/NotFound otherwise. */
export function findImage(ctx: ActionContext, glance: ServiceClient, ec2Id: string): Promise<GlanceImage> {
  let byId = lookups.get(ctx);
  if (!byId) lookups.set(ctx, (byId = new Map()));
  let found = byId.get(ec2Id);
  if (!found) {
    found = lookUp(ctx, glance, ec2Id);
    byId.set(ec2Id, found);
  }
  return found;
}

async function lookUp(ctx: ActionContext, glance: ServiceClient, ec2Id: string): Promise<GlanceImage> {
  const uuid = await requireUuid(ctx.store, ec2Id, ID_PREFIXES.image, ID_ERRORS.image);
  const image = await mapErrors(() => imageIfVisible(glance, uuid));
  if (!image || image.status === 'deleted' || image.status === 'pending_delete') throw imageNotFound(ec2Id);
  if (image.owner !== ctx.caller.projectId && image.visibility === 'private') throw imageNotFound(ec2Id);
  return image;
}

/** An image the caller owns (attribute changes, deregistration): AuthFailure for others' images. */
export async function findOwnImage(ctx: ActionContext, glance: ServiceClient, ec2Id: string): Promise<GlanceImage> {
  const image = await findImage(ctx, glance, ec2Id);
  if (image.owner !== ctx.caller.projectId) throw authFailure(`Not authorized for image:${ec2Id}`);
  return image;
}

export { imageNotFound };
