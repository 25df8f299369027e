/**
 * DeleteNetworkInterface: deletes the port. An attached interface is AWS's
 * InvalidNetworkInterface.InUse (detach it first). Neutron drops the floating IPs' associations
 * with the port; the addresses stay allocated.
 */
import type { ActionContext } from '../../lib/context.js';
import { forgetInterface, isAttached } from '../../lib/domain/vpc/network-interfaces.js';
import { action, type Input } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { deletePort } from '../../lib/openstack/neutron.js';
import { Ec2Error, missingParameter } from '../../lib/protocol/errors.js';
import { requireInterface } from './interface-objects.js';

async function checked(input: Input<'DeleteNetworkInterface'>, ctx: ActionContext) {
  if (!input.NetworkInterfaceId) throw missingParameter('NetworkInterfaceId');
  const owned = await requireInterface(ctx, input.NetworkInterfaceId);
  if (isAttached(owned.port)) {
    throw new Ec2Error('InvalidNetworkInterface.InUse', `The network interface '${input.NetworkInterfaceId}' is currently in use.`);
  }
  return owned;
}

export default action(
  'DeleteNetworkInterface',
  async (input, ctx) => {
    const { networkInterfaceId, port } = await checked(input, ctx);
    await mapErrors(() => deletePort(ctx.openstack.neutron, port.id), {
      conflict: (message) => new Ec2Error('InvalidNetworkInterface.InUse', `The network interface '${networkInterfaceId}' is currently in use: ${message}`),
    });
    await forgetInterface(ctx.store, port.id);
    return {};
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
