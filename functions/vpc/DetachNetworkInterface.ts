/**
 * DetachNetworkInterface: Nova unplugs the port (it keeps ports it was given); the port leaves the
 * instance's launch record. The primary interface (device index 0) stays: AWS's
 * OperationNotPermitted. Force changes nothing here: Nova's detach is the only one there is.
 * Nova finishes the unbinding after it answers; the action waits a while for it, so that the
 * interface shows `available` (and can be deleted or attached elsewhere) right after.
 */
import type { ActionContext } from '../../lib/context.js';
import { attachmentIdOf, isAttached } from '../../lib/domain/vpc/network-interfaces.js';
import { action, type Input } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { getInterfacePort, portsOfProject } from '../../lib/openstack/neutron.js';
import { attachInterface, detachInterface } from '../../lib/openstack/nova.js';
import { Ec2Error, missingParameter } from '../../lib/protocol/errors.js';
import { existingEc2Id } from '../../lib/store/ids.js';
import { waitFor } from '../../lib/wait.js';
import { attachmentNotFound } from './interface-attributes.js';
import { interfaceView } from './interface-objects.js';
import { requireInstanceView, restorePorts, rewritePorts } from './interface-instances.js';
import { withUndo } from './undo.js';

const ATTACHMENT_ID = /^eni-attach-([0-9a-f]{8}|[0-9a-f]{17})$/;
const DETACH_WAIT_MS = 30_000;

async function checked(input: Input<'DetachNetworkInterface'>, ctx: ActionContext) {
  const attachmentId = input.AttachmentId;
  if (!attachmentId) throw missingParameter('AttachmentId');
  if (!ATTACHMENT_ID.test(attachmentId)) throw new Ec2Error('InvalidAttachmentID.Malformed', `Invalid id: "${attachmentId}"`);
  // Attachment ids are derived from (port, server): the project's attached ports tell which one it is.
  const ports = await mapErrors(() => portsOfProject(ctx.openstack.neutron, ctx.caller.projectId));
  const port = ports.find((p) => isAttached(p) && attachmentIdOf(p.id, p.device_id) === attachmentId);
  if (!port) throw attachmentNotFound(attachmentId);
  const networkInterfaceId = (await existingEc2Id(ctx.store, 'network-interface', port.id)) ?? '';
  const view = await interfaceView(ctx, { networkInterfaceId, port });
  if (view.attachment?.deviceIndex === 0) {
    throw new Ec2Error('OperationNotPermitted', `The network interface at device index 0 cannot be detached (attachment ${attachmentId}).`);
  }
  const instanceId = view.attachment?.instanceId;
  if (!instanceId) throw attachmentNotFound(attachmentId);
  return { port, instance: await requireInstanceView(ctx, instanceId) };
}

export default action(
  'DetachNetworkInterface',
  async (input, ctx) => {
    const { port, instance } = await checked(input, ctx);
    const nova = ctx.openstack.nova;
    await withUndo(async (undo) => {
      const before = await rewritePorts(ctx, instance, { remove: port.id });
      undo.add('restore the launch record', () => restorePorts(ctx, instance, before));
      await mapErrors(() => detachInterface(nova, instance.serverId, port.id), {
        conflict: (message) => new Ec2Error('IncorrectInstanceState', `The interface cannot be detached now: ${message}`),
        notFound: () => attachmentNotFound(input.AttachmentId),
      });
      undo.add('attach again', () => attachInterface(nova, instance.serverId, port.id));
    });
    await waitFor(
      async () => {
        const now = await getInterfacePort(ctx.openstack.neutron, port.id);
        return !now || !isAttached(now) ? true : undefined;
      },
      { timeoutMs: DETACH_WAIT_MS, intervalMs: 500 },
    );
    return {};
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
