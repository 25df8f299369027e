/** DisassociateAddress by association id (the PublicIp form was EC2-Classic's). */
import type { ActionContext } from '../../lib/context.js';
import { forgetAssociation } from '../../lib/domain/vpc/addresses.js';
import { action, type Input } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { setFloatingIpPort } from '../../lib/openstack/neutron.js';
import { invalidParameterCombination, missingParameter } from '../../lib/protocol/errors.js';
import { classicRefused, requireAssociation } from './address-objects.js';

async function checked(input: Input<'DisassociateAddress'>, ctx: ActionContext) {
  if (input.AssociationId && input.PublicIp) {
    throw invalidParameterCombination('You may specify public IP or association id, but not both in the same call');
  }
  if (input.PublicIp) throw classicRefused('You must specify an association id when unmapping an address from a VPC instance');
  if (!input.AssociationId) throw missingParameter('AssociationId');
  return requireAssociation(ctx, input.AssociationId);
}

export default action(
  'DisassociateAddress',
  async (input, ctx) => {
    const { association, fip } = await checked(input, ctx);
    await mapErrors(() => setFloatingIpPort(ctx.openstack.neutron, fip.id, null));
    await forgetAssociation(ctx.store, association);
    return {};
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
