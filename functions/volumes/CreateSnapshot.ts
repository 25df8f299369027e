/**
 * CreateSnapshot on Cinder. EBS snapshots attached volumes too, so Cinder is told to `force`
 * (without it, Cinder before API 3.66 refuses an in-use volume).
 */
import { action } from '../../lib/family.js';
import { createSnapshot } from '../../lib/openstack/cinder.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { Ec2Error, notFound } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { recordMapping } from '../../lib/store/ids.js';
import { putTags } from '../../lib/store/tags.js';
import { snapshotKey, type SnapshotRecord } from '../../lib/domain/volumes/records.js';
import { formatSnapshots } from './snapshot-resource.js';
import { volumeState } from './states.js';
import { nameTag, tagsFromSpecs } from './tag-specs.js';
import { cinderVolume } from './volume-ids.js';

const SNAPSHOTTABLE = new Set(['available', 'in-use']);

export default action(
  'CreateSnapshot',
  async (input, ctx) => {
    const tags = tagsFromSpecs(input.TagSpecifications, 'snapshot');
    const volume = await cinderVolume(ctx, input.VolumeId);
    const raw = await mapErrors(
      () =>
        createSnapshot(ctx.openstack.cinder, {
          volume_id: volume.id,
          name: nameTag(tags),
          description: input.Description,
          force: true,
        }),
      {
        notFound: () => notFound(ID_ERRORS.volume.notFound, input.VolumeId, 'volume'),
        quota: (m) => new Ec2Error('SnapshotLimitExceeded', `You have exceeded your maximum snapshot limit: ${m}`),
      },
    ).catch((error: unknown) => {
      // Cinder's 400 here means the volume's state does not allow a snapshot.
      if (error instanceof Ec2Error && error.code === 'InvalidParameterValue') {
        throw new Ec2Error('IncorrectState', `The volume '${input.VolumeId}' cannot be snapshotted now: ${error.message}`);
      }
      throw error;
    });
    const snapshotId = await recordMapping(ctx.store, 'snapshot', raw.id);
    await Promise.all([
      ctx.store.putJson(snapshotKey(snapshotId), { encrypted: Boolean(volume.encrypted), volumeId: input.VolumeId } satisfies SnapshotRecord),
      tags.length ? putTags(ctx.store, [snapshotId], tags) : Promise.resolve(),
    ]);
    const [snapshot] = await formatSnapshots(ctx, [{ raw, ec2Id: snapshotId, tags }]);
    return snapshot!;
  },
  {
    check: async (input, ctx) => {
      tagsFromSpecs(input.TagSpecifications, 'snapshot');
      if (input.OutpostArn !== undefined) throw new Ec2Error('InvalidParameterValue', 'This cloud has no Outposts.');
      const volume = await cinderVolume(ctx, input.VolumeId);
      const state = volumeState(volume.status, volume.attachments.length > 0);
      if (!SNAPSHOTTABLE.has(state)) {
        throw new Ec2Error('IncorrectState', `The volume '${input.VolumeId}' is '${state}': only available or in-use volumes can be snapshotted.`);
      }
    },
  },
);
