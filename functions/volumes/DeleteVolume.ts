/**
 * DeleteVolume. An attached volume is AWS's VolumeInUse. The volume's id and tags end at once.
 * A Cinder volume cannot be deleted while it has snapshots, an EBS volume can: such a volume
 * leaves EC2 now (hidden, its snapshots usable) and Cinder deletes it after its last snapshot
 * (discard.ts, the sweeper).
 */
import type { ActionContext } from '../../lib/context.js';
import { action } from '../../lib/family.js';
import { deleteVolume, listSnapshots, type CinderVolume } from '../../lib/openstack/cinder.js';
import { mapErrors, toEc2Error } from '../../lib/openstack/errors.js';
import { OpenStackError } from '../../lib/openstack/http.js';
import { Ec2Error, notFound } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { rememberDiscardedVolume } from '../../lib/discards.js';
import { ec2IdFor, forgetEc2Id } from '../../lib/store/ids.js';
import { forgetTags } from '../../lib/store/tags.js';
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

const hasSnapshots = async (ctx: ActionContext, volume: CinderVolume) =>
  (await mapErrors(() => listSnapshots(ctx.openstack.cinder, { volume_id: volume.id }))).length > 0;

/** Statuses in which Cinder would delete a volume once it has no snapshots. */
const DELETABLE = new Set(['available', 'error', 'error_restoring', 'error_extending', 'error_managing']);

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
      if (DELETABLE.has(volume.status) && (await hasSnapshots(ctx, volume))) {
        await rememberDiscardedVolume(ctx.store, uuid, input.VolumeId);
        await expireRecord(ctx.store, volumeKey(input.VolumeId));
        return {};
      }
      throw new Ec2Error('IncorrectState', `Volume ${input.VolumeId} cannot be deleted while it is '${volume.status}': ${error.message}`);
    }
    await forgetTags(ctx.store, input.VolumeId);
    await forgetEc2Id(ctx.store, input.VolumeId);
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
