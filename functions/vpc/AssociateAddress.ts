/**
 * AssociateAddress: points the floating IP at an instance's primary interface or at an interface and
 * one of its private addresses. The association record is written before Neutron is changed, and
 * forgotten again when Neutron refuses.
 */
import { allInOrder } from '../../lib/deferred.js';
import type { ActionContext } from '../../lib/context.js';
import { forgetAssociation, planAssociation, recordAssociation, associationIdsOf, requireGatewayFor } from '../../lib/domain/vpc/addresses.js';
import { action, type Input } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { floatingIpsOfPorts, setFloatingIpPort } from '../../lib/openstack/neutron.js';
import { Ec2Error, invalidParameterCombination } from '../../lib/protocol/errors.js';
import { allocationIdOf, requireAddress, resolveTarget } from './address-objects.js';
import { withUndo } from './undo.js';

async function checked(input: Input<'AssociateAddress'>, ctx: ActionContext) {
  const allocationId = allocationIdOf(input, invalidParameterCombination('You must specify an allocation id when mapping an address to a VPC instance'));
  const [address, target] = await allInOrder([requireAddress(ctx, allocationId), resolveTarget(ctx, input)]);
  const currentId = (await associationIdsOf(ctx.store, [address.fip])).get(address.fip.id);
  const plan = planAssociation(address.fip, { portId: target.port.id, fixedIp: target.fixedIp }, {
    allowReassociation: input.AllowReassociation ?? false,
    allocationId,
    currentAssociationId: currentId,
  });
  if (plan !== 'unchanged') await requireGatewayFor(ctx.store, target.port.network_id);
  return { address, target, plan, currentId };
}

export default action(
  'AssociateAddress',
  async (input, ctx) => {
    const { address, target, plan, currentId } = await checked(input, ctx);
    if (plan === 'unchanged' && currentId) return { AssociationId: currentId };
    const neutron = ctx.openstack.neutron;
    const wanted = { portId: target.port.id, fixedIp: target.fixedIp };
    const association = await withUndo(async (undo) => {
      // An address that pointed here before gets a fresh association id, as on AWS.
      const made = await recordAssociation(ctx.store, address.fip.id, wanted);
      undo.add('forget association', () => forgetAssociation(ctx.store, made));
      // As on AWS, an address already on the target's private address gives way (it stays allocated).
      const occupying = (await mapErrors(() => floatingIpsOfPorts(neutron, [target.port.id]))).filter(
        (f) => f.id !== address.fip.id && f.fixed_ip_address === target.fixedIp,
      );
      for (const other of occupying) {
        await mapErrors(() => setFloatingIpPort(neutron, other.id, null));
        undo.add('restore the displaced address', () => setFloatingIpPort(neutron, other.id, wanted));
      }
      await mapErrors(() => setFloatingIpPort(neutron, address.fip.id, wanted), {
        notFound: () => new Ec2Error('Gateway.NotAttached', `The network of ${input.InstanceId ?? input.NetworkInterfaceId ?? 'the interface'} has no gateway to the address's external network`),
        conflict: (message) => new Ec2Error('Resource.AlreadyAssociated', message),
      });
      return made;
    });
    return { AssociationId: association.associationId };
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
