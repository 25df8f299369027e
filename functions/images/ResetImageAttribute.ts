/** ResetImageAttribute launchPermission: the image becomes private to its owner again. */
import { action } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { findOwnImage } from './image-lookup.js';
import { glanceOf } from './image-resource.js';
import { resetLaunchPermissions } from './launch-permissions.js';

export default action(
  'ResetImageAttribute',
  async (input, ctx) => {
    const glance = glanceOf(ctx);
    const image = await findOwnImage(ctx, glance, input.ImageId);
    await mapErrors(() => resetLaunchPermissions(ctx, glance, image));
    return {};
  },
  {
    check: async (input, ctx) => {
      await findOwnImage(ctx, glanceOf(ctx), input.ImageId);
    },
  },
);
