/**
 * AttachNetworkInterface: Nova plugs the port into the server (os-interface with port_id); the
 * device index and DeleteOnTermination (false, as AWS) go to the instance's launch record first,
 * and back when Nova refuses, so a failed attach leaves the port and the record as they were. When
 * it is unknown whether Nova attached (no answer, or Nova's own fault), the port is also detached.
 * The interface must be free, in the instance's VPC and availability zone.
 */
import { allInOrder } from '../../lib/deferred.js';
import type { ActionContext } from '../../lib/context.js';
import { attachmentIdOf, isAttached } from '../../lib/domain/vpc/network-interfaces.js';
import { action, type Input } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { attachInterface, detachInterface } from '../../lib/openstack/nova.js';
import { OpenStackError } from '../../lib/openstack/http.js';
import type { InstanceView } from '../../lib/domain/instances/instance-model.js';
import { Ec2Error, invalidParameterCombination, invalidParameterValue, missingParameter } from '../../lib/protocol/errors.js';
import { interfaceView, requireInterface } from './interface-objects.js';
import { requireInstanceView, restorePorts, rewritePorts } from './interface-instances.js';
import { withUndo } from './undo.js';

/** AWS allows device indexes up to the instance type's interface count; Neutron has no such limit. */
const MAX_DEVICE_INDEX = 31;

async function checked(input: Input<'AttachNetworkInterface'>, ctx: ActionContext) {
  if (!input.NetworkInterfaceId) throw missingParameter('NetworkInterfaceId');
  if (!input.InstanceId) throw missingParameter('InstanceId');
  if (input.DeviceIndex === undefined) throw missingParameter('DeviceIndex');
  if (!Number.isInteger(input.DeviceIndex) || input.DeviceIndex < 0 || input.DeviceIndex > MAX_DEVICE_INDEX) {
    throw invalidParameterValue(`Invalid value '${input.DeviceIndex}' for DeviceIndex: an integer from 0 to ${MAX_DEVICE_INDEX}.`);
  }
  if ((input.NetworkCardIndex ?? 0) !== 0) throw new Ec2Error('UnsupportedOperation', 'Instances on this cloud have one network card (index 0).');
  if (input.EnaSrdSpecification) throw new Ec2Error('UnsupportedOperation', 'ENA Express is not available on this cloud.');
  const [owned, instance] = await allInOrder([requireInterface(ctx, input.NetworkInterfaceId), requireInstanceView(ctx, input.InstanceId)]);
  if (isAttached(owned.port)) throw new Ec2Error('InvalidNetworkInterface.InUse', `Interface: ${input.NetworkInterfaceId} in use.`);
  const eni = (await interfaceView(ctx, owned)).item;
  const shown = instance.instance.NetworkInterfaces ?? [];
  if (shown.some((n) => n.Attachment?.DeviceIndex === input.DeviceIndex)) {
    throw invalidParameterValue(`Instance '${input.InstanceId}' already has an interface attached at device index '${input.DeviceIndex}'.`);
  }
  if (instance.instance.VpcId && eni.VpcId !== instance.instance.VpcId) {
    throw invalidParameterValue(`Network interface '${input.NetworkInterfaceId}' and instance '${input.InstanceId}' are not in the same VPC.`);
  }
  const zone = instance.instance.Placement?.AvailabilityZone;
  if (zone && eni.AvailabilityZone && zone !== eni.AvailabilityZone) {
    throw invalidParameterCombination('You may not attach a network interface to an instance if they are not in the same availability zone');
  }
  return { owned, instance };
}

/** Nova refused outright (a 4xx): it attached nothing. Anything else may have attached the port. */
const refused = (error: unknown) => error instanceof OpenStackError && error.status < 500;
const unlessGone = (error: unknown) => {
  if (!(error instanceof OpenStackError && error.status === 404)) throw error;
};

/** The record first, then Nova; what Nova does not complete is undone (see the module comment). */
export async function attachToInstance(ctx: ActionContext, instance: InstanceView, input: { NetworkInterfaceId: string; InstanceId: string; DeviceIndex: number }, portId: string): Promise<void> {
  const nova = ctx.openstack.nova;
  await withUndo(async (undo) => {
    const before = await rewritePorts(ctx, instance, {
      add: { portId, deviceIndex: input.DeviceIndex, deleteOnTermination: false, attachedAt: new Date().toISOString() },
    });
    undo.add('restore the launch record', () => restorePorts(ctx, instance, before));
    const attach = async () => {
      try {
        await attachInterface(nova, instance.serverId, portId);
      } catch (error) {
        if (!refused(error)) undo.add('detach what Nova may have attached', () => detachInterface(nova, instance.serverId, portId).catch(unlessGone));
        throw error;
      }
    };
    await mapErrors(attach, {
      conflict: (message) => new Ec2Error('IncorrectInstanceState', `The instance '${input.InstanceId}' cannot have an interface attached now: ${message}`),
      notFound: () => new Ec2Error('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${input.NetworkInterfaceId}' does not exist`),
    });
  });
}

export default action(
  'AttachNetworkInterface',
  async (input, ctx) => {
    const { owned, instance } = await checked(input, ctx);
    await attachToInstance(ctx, instance, { NetworkInterfaceId: input.NetworkInterfaceId, InstanceId: input.InstanceId, DeviceIndex: input.DeviceIndex }, owned.port.id);
    return { AttachmentId: attachmentIdOf(owned.port.id, instance.serverId), NetworkCardIndex: 0 };
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
