/**
 * Instance attributes that live on the instance's network interface in Neutron: security groups
 * (groupSet) and source/destination checking. AWS applies them to an instance with one interface;
 * with several the interface must be named, so we refuse as AWS does.
 *
 * Source/destination checking off = the port accepts any source address (an allowed address pair
 * 0.0.0.0/0, and ::/0 when the port has IPv6): the port keeps its security groups, unlike
 * switching Neutron's port security off altogether.
 */
import type { ActionContext } from '../../lib/context.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { updatePort, type NeutronPort } from '../../lib/openstack/neutron.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import type { InstanceView } from '../../lib/domain/instances/instance-model.js';
import { addressPairsFor } from '../../lib/domain/vpc/network-interfaces.js';

/** The instance's only interface, or AWS's refusals. */
export function onlyPort(view: InstanceView): NeutronPort {
  const id = view.instance.InstanceId;
  if (view.ports.length === 0) throw new Ec2Error('IncorrectInstanceState', `The instance '${id}' has no network interface.`);
  if (view.ports.length > 1) {
    throw new Ec2Error(
      'InvalidInstanceID',
      `There are multiple interfaces attached to instance '${id}'. Please specify an interface ID for the operation instead.`,
    );
  }
  return view.ports[0]!;
}

export async function setSourceDestCheck(ctx: ActionContext, view: InstanceView, check: boolean): Promise<void> {
  const port = onlyPort(view);
  if (port.port_security_enabled === false) {
    if (check) throw new Ec2Error('UnsupportedOperation', 'Port security is switched off on this instance\'s port in Neutron; switch it on there.');
    return;
  }
  await mapErrors(() => updatePort(ctx.openstack.neutron, port.id, { allowed_address_pairs: addressPairsFor(port, check) }));
}

export async function setGroups(ctx: ActionContext, view: InstanceView, groupUuids: string[]): Promise<void> {
  const port = onlyPort(view);
  await mapErrors(() => updatePort(ctx.openstack.neutron, port.id, { security_groups: groupUuids }));
}
