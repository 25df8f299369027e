/**
 * Changes of an interface's attributes (ModifyNetworkInterfaceAttribute, ResetNetworkInterfaceAttribute).
 * Source/destination checking is an allowed address pair 0.0.0.0/0 (lib/domain/vpc/network-interfaces.ts
 * says why not port security); the attachment's DeleteOnTermination lives in the instance's launch record.
 */
import type { ActionContext } from '../../lib/context.js';
import { updateLaunchRecord } from '../../lib/domain/instances/launch-record.js';
import { addressPairsFor, attachmentIdOf } from '../../lib/domain/vpc/network-interfaces.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { updatePort, type NeutronPort } from '../../lib/openstack/neutron.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import type { InterfaceView } from './interface-objects.js';

export async function setSourceDestCheck(ctx: ActionContext, port: NeutronPort, check: boolean): Promise<void> {
  if (port.port_security_enabled === false) {
    if (check) throw new Ec2Error('UnsupportedOperation', 'Port security is switched off on this interface\'s port in Neutron; switch it on there.');
    return;
  }
  await mapErrors(() => updatePort(ctx.openstack.neutron, port.id, { allowed_address_pairs: addressPairsFor(port, check) }));
}

export const attachmentNotFound = (attachmentId: string) =>
  new Ec2Error('InvalidAttachmentID.NotFound', `The attachment ID '${attachmentId}' does not exist`);

/**
 * DeleteOnTermination of the interface's current attachment. Ports Nova made with the server go
 * with it whatever we record (Nova deletes them), so keeping one is refused rather than promised.
 */
export async function setDeleteOnTermination(ctx: ActionContext, view: InterfaceView, attachmentId: string, value: boolean): Promise<void> {
  const { port, attachment } = view;
  if (!attachment || attachmentIdOf(port.id, attachment.serverId) !== attachmentId) throw attachmentNotFound(attachmentId);
  if (attachment.deleteOnTermination === value) return;
  const recorded = view.launch?.ports?.find((p) => p.portId === port.id);
  if (!recorded || recorded.madeByNova) {
    throw new Ec2Error(
      'UnsupportedOperation',
      `The interface ${view.item.NetworkInterfaceId} was made by the compute service with its instance and is deleted with it; it cannot be kept on termination.`,
    );
  }
  await updateLaunchRecord(
    ctx.store,
    attachment.serverId,
    (record) => ({ ...record, ports: (record.ports ?? []).map((p) => (p.portId === port.id ? { ...p, deleteOnTermination: value } : p)) }),
    () => view.launch!,
  );
}
