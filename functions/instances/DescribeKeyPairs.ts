/** DescribeKeyPairs: the caller's Nova key pairs with EC2's ids, fingerprints, types and tags. */
import { action } from '../../lib/family.js';
import { describeKeyPairs, keypairsOf } from './key-pairs.js';

export default action('DescribeKeyPairs', async (input, ctx) => ({
  KeyPairs: await describeKeyPairs(ctx, keypairsOf(ctx), input),
}));
