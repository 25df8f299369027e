/** DeleteTags: removes all tags, tags by key, or tags by key and value from resources. */
import { action } from '../../lib/family.js';
import { requireKnownIds } from '../../lib/store/resources.js';
import { deleteTags } from '../../lib/store/tags.js';

export default action(
  'DeleteTags',
  async (input, ctx) => {
    await deleteTags(ctx.store, input.Resources, input.Tags);
    return {};
  },
  { check: (input, ctx) => requireKnownIds(ctx.store, input.Resources) },
);
