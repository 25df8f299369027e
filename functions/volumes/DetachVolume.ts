/**
 * DetachVolume through Nova. InstanceId and Device, when given, must name the attachment (AWS's
 * InvalidAttachment.NotFound otherwise). Force has no stronger counterpart a project may use
 * (Cinder's force-detach is for administrators), so it runs the same clean detach.
 */
import type { ActionContext } from '../../lib/context.js';
import { action, type Input } from '../../lib/family.js';
import { parseCinderTime, type CinderVolume, type CinderVolumeAttachment } from '../../lib/openstack/cinder.js';
import { toEc2Error } from '../../lib/openstack/errors.js';
import { OpenStackError } from '../../lib/openstack/http.js';
import { Ec2Error, missingParameter } from '../../lib/protocol/errors.js';
import { attachmentKey, deviceNamesOf } from '../../lib/store/device-names.js';
import { ec2IdFor } from '../../lib/store/ids.js';
import { detachVolume } from '../../lib/openstack/nova.js';
import { volumeState } from './states.js';
import { cinderVolume, instanceUuid } from './volume-ids.js';

type Request = Input<'DetachVolume'>;

/** The device names the client asked for when attaching (AWS shows and matches those). */
const namesAsked = (ctx: ActionContext, volume: CinderVolume) =>
  deviceNamesOf(ctx.store, volume.attachments.map((a) => ({ serverUuid: a.server_id, volumeUuid: volume.id })));

async function chooseAttachment(ctx: ActionContext, input: Request, volume: CinderVolume): Promise<CinderVolumeAttachment> {
  const attachments = volume.attachments;
  if (attachments.length === 0) {
    throw new Ec2Error('IncorrectState', `Volume '${input.VolumeId}' is in the '${volumeState(volume.status, false)}' state.`);
  }
  let candidates = attachments;
  if (input.InstanceId) {
    const server = await instanceUuid(ctx, input.InstanceId);
    candidates = candidates.filter((a) => a.server_id === server);
  }
  if (input.Device) {
    const asked = await namesAsked(ctx, volume);
    candidates = candidates.filter((a) => a.device === input.Device || asked.get(attachmentKey(a.server_id, volume.id)) === input.Device);
  }
  if (candidates.length === 0) {
    const target = input.InstanceId ? `instance '${input.InstanceId}'` : `device '${input.Device}'`;
    throw new Ec2Error('InvalidAttachment.NotFound', `The volume '${input.VolumeId}' is not attached to ${target}.`);
  }
  if (candidates.length > 1) throw missingParameter('instanceId (the volume is attached to several instances)');
  return candidates[0]!;
}

export default action(
  'DetachVolume',
  async (input, ctx) => {
    const volume = await cinderVolume(ctx, input.VolumeId);
    const attachment = await chooseAttachment(ctx, input, volume);
    await detachVolume(ctx.openstack.nova, attachment.server_id, volume.id).catch((error: unknown) => {
      // e.g. the root volume of a server, which Nova will not detach.
      if (error instanceof OpenStackError && error.status === 400) {
        throw new Ec2Error('IncorrectState', `Volume '${input.VolumeId}' cannot be detached: ${error.message}`);
      }
      throw toEc2Error(error, {
        notFound: () => new Ec2Error('InvalidAttachment.NotFound', `The volume '${input.VolumeId}' is no longer attached.`),
        conflict: (m) => new Ec2Error('IncorrectState', `Volume '${input.VolumeId}' cannot be detached now: ${m}`),
      });
    });
    const asked = (await namesAsked(ctx, volume)).get(attachmentKey(attachment.server_id, volume.id));
    return {
      AttachTime: parseCinderTime(attachment.attached_at),
      Device: asked ?? attachment.device ?? undefined,
      InstanceId: input.InstanceId ?? (await ec2IdFor(ctx.store, 'instance', attachment.server_id)),
      State: 'detaching',
      VolumeId: input.VolumeId,
    };
  },
  {
    check: async (input, ctx) => {
      await chooseAttachment(ctx, input, await cinderVolume(ctx, input.VolumeId));
    },
  },
);
