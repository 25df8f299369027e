/**
 * GetPasswordData: the password a Windows instance posted to Nova's metadata service, encrypted
 * with the instance's key pair (base64, as EC2 gives it); empty until the instance has posted one.
 */
import { action } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { serverPassword } from '../../lib/openstack/nova.js';
import { findInstance, isTerminated } from './instance-lookup.js';

export default action(
  'GetPasswordData',
  async (input, ctx) => {
    const target = await findInstance(ctx, input.InstanceId);
    const password = isTerminated(target) ? '' : await mapErrors(() => serverPassword(ctx.openstack.nova, target.serverId));
    return { InstanceId: target.ec2Id, Timestamp: new Date(), PasswordData: password.replace(/\s+/g, '') };
  },
  { check: async (input, ctx) => void (await findInstance(ctx, input.InstanceId)) },
);
