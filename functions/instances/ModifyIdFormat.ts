/** ModifyIdFormat: long ids are always on; asking for them is accepted, turning them off is refused. */
import { action } from '../../lib/family.js';
import { invalidParameterValue } from '../../lib/protocol/errors.js';
import { requireIdFormatResource } from './id-formats.js';

export default action(
  'ModifyIdFormat',
  async () => ({}),
  {
    check: async (input) => {
      requireIdFormatResource(input.Resource, { allowAllCurrent: true });
      if (!input.UseLongIds) {
        throw invalidParameterValue(
          `Long resource IDs are always used by this cloud: the ID format of '${input.Resource}' cannot be changed to short IDs.`,
        );
      }
    },
  },
);
