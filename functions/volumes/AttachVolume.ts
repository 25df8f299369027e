/**
 * AttachVolume through Nova (which reserves the volume in Cinder and connects it to the server).
 * The device asked for is passed on to Nova and kept in the table exactly as given: some
 * hypervisors choose their own names, and AWS shows the client's. The attachment starts as
 * `attaching`, as on AWS.
 */
import type { ActionContext } from '../../lib/context.js';
import { action, type Input } from '../../lib/family.js';
import type { CinderVolume } from '../../lib/openstack/cinder.js';
import { toEc2Error } from '../../lib/openstack/errors.js';
import { OpenStackError } from '../../lib/openstack/http.js';
import { Ec2Error, invalidParameterValue, notFound } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { rememberDeviceName } from '../../lib/store/device-names.js';
import { ec2IdFor } from '../../lib/store/ids.js';
import { attachVolume } from '../../lib/openstack/nova.js';
import { ATTACHED_STATUSES } from './states.js';
import { cinderVolume, instanceUuid, volumeUuid } from './volume-ids.js';

/** Linux and Windows device names AWS accepts: /dev/sdf, /dev/xvdf, /dev/sdf1, xvdf… */
const DEVICE = /^(\/dev\/)?(sd|xvd|vd|hd|nvme)[a-z]{1,2}[0-9]*$/;

async function requireAttachable(ctx: ActionContext, volumeId: string, volume: CinderVolume): Promise<void> {
  const attached = volume.attachments.length > 0 || ATTACHED_STATUSES.has(volume.status);
  if (attached && !volume.multiattach) {
    const serverId = volume.attachments[0]?.server_id;
    const instanceId = serverId ? await ec2IdFor(ctx.store, 'instance', serverId) : undefined;
    throw new Ec2Error('VolumeInUse', `${volumeId} is already attached to an instance${instanceId ? ` (${instanceId})` : ''}`);
  }
  if (!attached && volume.status !== 'available') {
    throw new Ec2Error('IncorrectState', `${volumeId} is not 'available'.`);
  }
}

function attachError(error: unknown, input: Input<'AttachVolume'>): unknown {
  if (error instanceof OpenStackError && error.status === 400) {
    const message = error.message;
    if (/availability zone/i.test(message)) {
      return new Ec2Error('InvalidVolume.ZoneMismatch', `The volume '${input.VolumeId}' is not in the same availability zone as instance '${input.InstanceId}'`);
    }
    if (/device|mountpoint/i.test(message)) {
      return invalidParameterValue(`Value (${input.Device}) for parameter device is invalid. ${message}`);
    }
    if (/volume/i.test(message)) return new Ec2Error('IncorrectState', `${input.VolumeId} cannot be attached: ${message}`);
  }
  return toEc2Error(error, {
    notFound: () => notFound(ID_ERRORS.instance.notFound, input.InstanceId, 'instance'),
    conflict: (m) => new Ec2Error('IncorrectState', `Instance '${input.InstanceId}' cannot take a volume now: ${m}`),
  });
}

export default action(
  'AttachVolume',
  async (input, ctx) => {
    const [volume, server] = await Promise.all([volumeUuid(ctx, input.VolumeId), instanceUuid(ctx, input.InstanceId)]);
    // Nova wants a path; AWS also takes Windows-style bare names (xvdf).
    const device = input.Device.startsWith('/dev/') ? input.Device : `/dev/${input.Device}`;
    const attachment = await attachVolume(ctx.openstack.nova, server, volume, device).catch((error: unknown) => {
      throw attachError(error, input);
    });
    // AWS shows the name asked for, whatever the hypervisor calls the disk.
    await rememberDeviceName(ctx.store, server, volume, input.Device);
    return {
      AttachTime: new Date(),
      Device: input.Device,
      InstanceId: input.InstanceId,
      State: 'attaching',
      VolumeId: input.VolumeId,
      DeleteOnTermination: attachment.delete_on_termination ?? false,
    };
  },
  {
    check: async (input, ctx) => {
      if (!DEVICE.test(input.Device)) {
        throw invalidParameterValue(`Value (${input.Device}) for parameter device is invalid. ${input.Device} is not a valid EBS device name.`);
      }
      const [volume] = await Promise.all([cinderVolume(ctx, input.VolumeId), instanceUuid(ctx, input.InstanceId)]);
      await requireAttachable(ctx, input.VolumeId, volume);
    },
  },
);
