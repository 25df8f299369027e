/** CreateTags: adds or overwrites tags on resources of any type in the caller's project. */
import { action } from '../../lib/family.js';
import { requireKnownIds } from '../../lib/store/resources.js';
import { putTags, validateTags } from '../../lib/store/tags.js';

export default action(
  'CreateTags',
  async (input, ctx) => {
    await putTags(ctx.store, input.Resources, validateTags(input.Tags));
    return {};
  },
  {
    check: async (input, ctx) => {
      validateTags(input.Tags);
      await requireKnownIds(ctx.store, input.Resources);
    },
  },
);
