/** ReleaseAddress: deletes the floating IP; refused while it is associated (AWS's InvalidIPAddress.InUse). */
import type { ActionContext } from '../../lib/context.js';
import { currentTarget, forgetAssociationsOf } from '../../lib/domain/vpc/addresses.js';
import { action, type Input } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { deleteFloatingIp } from '../../lib/openstack/neutron.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { forgetMapping } from '../../lib/store/ids.js';
import { forgetTags } from '../../lib/store/tags.js';
import { allocationIdOf, classicRefused, requireAddress } from './address-objects.js';

async function checked(input: Input<'ReleaseAddress'>, ctx: ActionContext) {
  if (input.NetworkBorderGroup !== undefined && input.NetworkBorderGroup !== ctx.config.ec2Region) {
    throw new Ec2Error('InvalidParameterValue', `The network border group '${input.NetworkBorderGroup}' is not valid; this cloud has '${ctx.config.ec2Region}'.`);
  }
  const address = await requireAddress(ctx, allocationIdOf(input, classicRefused('You must specify an allocation id when releasing a VPC elastic IP address')));
  if (currentTarget(address.fip)) throw new Ec2Error('InvalidIPAddress.InUse', `Address ${address.fip.floating_ip_address} is in use.`);
  return address;
}

export default action(
  'ReleaseAddress',
  async (input, ctx) => {
    const { allocationId, fip } = await checked(input, ctx);
    await mapErrors(() => deleteFloatingIp(ctx.openstack.neutron, fip.id));
    await forgetAssociationsOf(ctx.store, fip.id);
    await forgetTags(ctx.store, allocationId);
    await forgetMapping(ctx.store, 'elastic-ip', allocationId, fip.id);
    return {};
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
