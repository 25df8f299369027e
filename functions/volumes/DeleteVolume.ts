/**
 * DeleteVolume. An attached volume is AWS's VolumeInUse. Unlike EBS, a Cinder volume cannot be
 * deleted while it has snapshots: that is refused with IncorrectState naming them.
 */
import type { ActionContext } from '../../lib/context.js';
import { action } from '../../lib/family.js';
import { deleteVolume, listSnapshots, type CinderVolume } from '../../lib/openstack/cinder.js';
import { mapErrors, toEc2Error } from '../../lib/openstack/errors.js';
import { OpenStackError } from '../../lib/openstack/http.js';
import { Ec2Error, notFound } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ec2IdFor, ec2IdsFor } from '../../lib/store/ids.js';
import { sweepDiscardedVolumes } from '../../lib/domain/volumes/discard.js';
import { expireRecord, volumeKey } from '../../lib/domain/volumes/records.js';
import { ATTACHED_STATUSES } from './states.js';
import { cinderVolume, volumeUuid } from './volume-ids.js';

async function refuseIfAttached(ctx: ActionContext, volumeId: string, volume: CinderVolume): Promise<void> {
  const serverId = volume.attachments[0]?.server_id;
  if (serverId) {
    const instanceId = await ec2IdFor(ctx.store, 'instance', serverId);
    throw new Ec2Error('VolumeInUse', `Volume ${volumeId} is currently attached to ${instanceId}`);
  }
  if (ATTACHED_STATUSES.has(volume.status)) throw new Ec2Error('VolumeInUse', `Volume ${volumeId} is currently attached`);
}

async function refuseIfSnapshots(ctx: ActionContext, volumeId: string, volume: CinderVolume): Promise<void> {
  const snapshots = await mapErrors(() => listSnapshots(ctx.openstack.cinder, { volume_id: volume.id }));
  if (snapshots.length === 0) return;
  const ids = await ec2IdsFor(ctx.store, 'snapshot', snapshots.map((s) => s.id));
  throw new Ec2Error(
    'IncorrectState',
    `Volume ${volumeId} has snapshots (${[...ids.values()].join(', ')}); on this cloud a volume is kept while it has snapshots: delete them first.`,
  );
}

export default action(
  'DeleteVolume',
  async (input, ctx) => {
    const uuid = await volumeUuid(ctx, input.VolumeId);
    try {
      await deleteVolume(ctx.openstack.cinder, uuid);
    } catch (error) {
      if (!(error instanceof OpenStackError && error.status === 400)) {
        throw toEc2Error(error, { notFound: () => notFound(ID_ERRORS.volume.notFound, input.VolumeId, 'volume') });
      }
      // Cinder's 400 covers every refusal: tell the caller which one it was.
      const volume = await cinderVolume(ctx, input.VolumeId);
      await refuseIfAttached(ctx, input.VolumeId, volume);
      await refuseIfSnapshots(ctx, input.VolumeId, volume);
      throw new Ec2Error('IncorrectState', `Volume ${input.VolumeId} cannot be deleted while it is '${volume.status}': ${error.message}`);
    }
    await expireRecord(ctx.store, volumeKey(input.VolumeId));
    await sweepDiscardedVolumes(ctx);
    return {};
  },
  {
    // Also run before the deletion: an attached volume is refused without asking Cinder to delete it.
    check: async (input, ctx) => {
      const volume = await cinderVolume(ctx, input.VolumeId);
      await refuseIfAttached(ctx, input.VolumeId, volume);
    },
  },
);
