/** DeleteKeyPair: by KeyName or KeyPairId; a key pair that does not exist is no error, as in EC2. */
import { action } from '../../lib/family.js';
import { missingParameter } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ID_PREFIXES, assertEc2Id } from '../../lib/store/ids.js';
import { deleteKeyPair, keypairsOf } from './key-pairs.js';

export default action(
  'DeleteKeyPair',
  async (input, ctx) => {
    await deleteKeyPair(ctx, keypairsOf(ctx), { name: input.KeyName, id: input.KeyPairId });
    return {};
  },
  {
    check: async (input) => {
      if (input.KeyName === undefined && input.KeyPairId === undefined) throw missingParameter('KeyName or KeyPairId');
      if (input.KeyPairId !== undefined) assertEc2Id(input.KeyPairId, ID_PREFIXES['key-pair'], ID_ERRORS['key-pair']);
    },
  },
);
