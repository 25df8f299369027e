/**
 * CopySnapshot within this cloud's one region (see snapshot-copies.ts for how Cinder makes the
 * copy). Encryption follows the source, as Cinder decides it by volume type: asking for a KMS key
 * is refused, and Encrypted=true only passes when the source is encrypted.
 */
import { action } from '../../lib/family.js';
import { Ec2Error, invalidParameterValue } from '../../lib/protocol/errors.js';
import { recordMapping } from '../../lib/store/ids.js';
import { putTags } from '../../lib/store/tags.js';
import { readRecords, snapshotKey, type SnapshotRecord } from '../../lib/domain/volumes/records.js';
import { sweepDiscardedVolumes } from '../../lib/domain/volumes/discard.js';
import { copySnapshot } from '../../lib/domain/volumes/snapshot-copies.js';
import { formatSnapshots } from './snapshot-resource.js';
import { snapshotState } from './states.js';
import { nameTag, tagsFromSpecs } from './tag-specs.js';
import { cinderSnapshot } from './volume-ids.js';

export default action(
  'CopySnapshot',
  async (input, ctx) => {
    const tags = tagsFromSpecs(input.TagSpecifications, 'snapshot');
    const source = await cinderSnapshot(ctx, input.SourceSnapshotId);
    await sweepDiscardedVolumes(ctx);
    const raw = await copySnapshot(ctx, source, { name: nameTag(tags), description: input.Description });
    const snapshotId = await recordMapping(ctx.store, 'snapshot', raw.id);
    const sourceRecord = (await readRecords<SnapshotRecord>(ctx.store, [snapshotKey(input.SourceSnapshotId)])).get(
      snapshotKey(input.SourceSnapshotId),
    );
    await Promise.all([
      sourceRecord ? ctx.store.putJson(snapshotKey(snapshotId), sourceRecord) : Promise.resolve(),
      tags.length ? putTags(ctx.store, [snapshotId], tags) : Promise.resolve(),
    ]);
    return { SnapshotId: snapshotId, Tags: tags };
  },
  {
    check: async (input, ctx) => {
      const region = ctx.config.ec2Region;
      if (input.SourceRegion !== region) {
        throw invalidParameterValue(`Copying snapshots between regions is not supported: this cloud's only region is ${region}.`);
      }
      if (input.DestinationRegion !== undefined && input.DestinationRegion !== region) {
        throw invalidParameterValue(`Value (${input.DestinationRegion}) for parameter destinationRegion is invalid: this cloud's only region is ${region}.`);
      }
      if (input.KmsKeyId !== undefined) {
        throw invalidParameterValue('KmsKeyId is not supported: on this cloud the volume type decides encryption and its keys.');
      }
      if (input.DestinationOutpostArn !== undefined) throw invalidParameterValue('This cloud has no Outposts.');
      tagsFromSpecs(input.TagSpecifications, 'snapshot');
      const source = await cinderSnapshot(ctx, input.SourceSnapshotId);
      if (snapshotState(source.status) !== 'completed') {
        throw new Ec2Error('IncorrectState', `Snapshot ${input.SourceSnapshotId} is not 'completed': only completed snapshots can be copied.`);
      }
      if (input.Encrypted) {
        const [described] = await formatSnapshots(ctx, [{ raw: source, ec2Id: input.SourceSnapshotId, tags: [] }]);
        if (!described!.Encrypted) {
          throw invalidParameterValue('This cloud cannot encrypt a copy of an unencrypted snapshot: encryption follows the volume type.');
        }
      }
    },
  },
);
