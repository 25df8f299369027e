/**
 * ResetInstanceAttribute: AWS resets only kernel, ramdisk and sourceDestCheck. Kernel and ramdisk
 * are always the image's on OpenStack (there is nothing to reset); source/destination checking is
 * switched back on at the instance's port.
 */
import { action } from '../../lib/family.js';
import { Ec2Error, invalidParameterValue } from '../../lib/protocol/errors.js';
import { setSourceDestCheck } from './instance-attributes.js';
import { findInstance, isTerminated, viewOf } from './instance-lookup.js';

const RESETTABLE = ['kernel', 'ramdisk', 'sourceDestCheck'];

export default action(
  'ResetInstanceAttribute',
  async (input, ctx) => {
    const target = await findInstance(ctx, input.InstanceId);
    if (isTerminated(target)) throw new Ec2Error('IncorrectInstanceState', `The instance '${target.ec2Id}' is terminated.`);
    if (input.Attribute === 'sourceDestCheck') await setSourceDestCheck(ctx, await viewOf(ctx, target), true);
    return {};
  },
  {
    check: async (input, ctx) => {
      if (!RESETTABLE.includes(input.Attribute)) {
        throw invalidParameterValue(`Value (${input.Attribute}) for parameter attribute is invalid. Only ${RESETTABLE.join(', ')} can be reset.`);
      }
      await findInstance(ctx, input.InstanceId);
    },
  },
);
