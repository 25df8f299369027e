/**
 * DeregisterImage: deletes the Glance image and forgets its id and tags. As in EC2, the volume
 * snapshots an EBS-backed image refers to are kept (DeleteSnapshot removes them).
 */
import { action } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { deleteImage } from '../../lib/openstack/glance.js';
import { forgetMapping } from '../../lib/store/ids.js';
import { forgetTags } from '../../lib/store/tags.js';
import { findOwnImage, imageNotFound } from './image-lookup.js';
import { glanceOf } from './image-resource.js';
import { forgetLaunchPermissions } from './launch-permissions.js';

export default action(
  'DeregisterImage',
  async (input, ctx) => {
    const glance = glanceOf(ctx);
    const image = await findOwnImage(ctx, glance, input.ImageId);
    await mapErrors(() => deleteImage(glance, image.id), { notFound: () => imageNotFound(input.ImageId) });
    await forgetLaunchPermissions(ctx.store, image.id);
    await forgetTags(ctx.store, input.ImageId);
    await forgetMapping(ctx.store, 'image', input.ImageId, image.id);
    return {};
  },
  {
    check: async (input, ctx) => {
      await findOwnImage(ctx, glanceOf(ctx), input.ImageId);
    },
  },
);
