/**
 * CreateVolume on Cinder. What Cinder cannot honour is refused rather than ignored: per-volume
 * IOPS/throughput (Cinder sets QoS per volume type; gp3's baseline 3000/125 is accepted since it
 * promises nothing more), KMS keys (Cinder's encryption keys belong to the volume type), outposts
 * and multi-attach. Encrypted=true is kept only when the Cinder type really encrypts.
 */
import type { ActionContext } from '../../lib/context.js';
import { action, type Input } from '../../lib/family.js';
import { createVolume, getVolume } from '../../lib/openstack/cinder.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { Ec2Error, invalidParameterCombination, invalidParameterValue, missingParameter, notFound } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ID_PREFIXES, claimNewEc2Ids, forgetMapping, requireUuid, uuidOf } from '../../lib/store/ids.js';
import { putAll } from '../../lib/store/project-store.js';
import { deleteTags, newResourceTagItems, tagsOf } from '../../lib/store/tags.js';
import type { Volume } from '../../schemas/types.js';
import { withClientToken } from '../../lib/store/client-token.js';
import { discardVolume } from '../../lib/domain/volumes/discard.js';
import { volumeKey, volumeTokenKey, type VolumeRecord } from '../../lib/domain/volumes/records.js';
import { nameTag, tagsFromSpecs } from './tag-specs.js';
import { formatVolumes, withoutFilterFields } from './volume-resource.js';
import { snapshotState } from './states.js';
import { cinderSnapshot } from './volume-ids.js';
import { resolveVolumeType } from './volume-types.js';
import { requireVolumeZone } from './zones.js';

type Request = Input<'CreateVolume'>;

const GP3_BASELINE = { iops: 3000, throughput: 125 };
const MAX_SIZE: Record<string, number> = { standard: 1024 };
const MIN_SIZE: Record<string, number> = { io1: 4, io2: 4, st1: 125, sc1: 125 };
const NO_IOPS_TYPES = ['standard', 'gp2', 'st1', 'sc1'];

function checkParameters(input: Request, ec2Type: string): void {
  if (input.Size === undefined && !input.SnapshotId) {
    throw missingParameter('size or snapshotId');
  }
  if (input.Size !== undefined) {
    const min = MIN_SIZE[ec2Type] ?? 1;
    const max = MAX_SIZE[ec2Type] ?? 16384;
    if (input.Size < min) throw invalidParameterValue(`Volume of ${input.Size}GiB is too small; minimum is ${min}GiB.`);
    if (input.Size > max) throw invalidParameterValue(`Volume of ${input.Size}GiB is too large; maximum is ${max}GiB.`);
  }
  if (input.Iops !== undefined && NO_IOPS_TYPES.includes(ec2Type)) {
    throw invalidParameterCombination(`The parameter iops is not supported for ${ec2Type} volumes.`);
  }
  if ((ec2Type === 'io1' || ec2Type === 'io2') && input.Iops === undefined) throw missingParameter('iops');
  if (input.Iops !== undefined && !(ec2Type === 'gp3' && input.Iops === GP3_BASELINE.iops)) {
    throw invalidParameterValue(
      'This cloud cannot provision IOPS per volume: Cinder applies QoS per volume type. Choose a VolumeType whose performance suits you.',
    );
  }
  if (input.Throughput !== undefined) {
    if (ec2Type !== 'gp3') throw invalidParameterCombination(`The parameter throughput is not supported for ${ec2Type} volumes.`);
    if (input.Throughput !== GP3_BASELINE.throughput) {
      throw invalidParameterValue('This cloud cannot provision throughput per volume: Cinder applies QoS per volume type.');
    }
  }
  if (input.KmsKeyId !== undefined) {
    throw invalidParameterValue('KmsKeyId is not supported: on this cloud the volume type decides encryption and its keys.');
  }
  if (input.OutpostArn !== undefined) throw invalidParameterValue('This cloud has no Outposts.');
  if (input.MultiAttachEnabled) {
    throw invalidParameterValue('Multi-Attach is not offered through this API: Cinder enables it per volume type.');
  }
}

/** A volume can be made from a completed snapshot, at least as large as the snapshot. */
async function requireRestorable(ctx: ActionContext, snapshotId: string, size: number | undefined): Promise<void> {
  const snapshot = await cinderSnapshot(ctx, snapshotId);
  const state = snapshotState(snapshot.status);
  if (state !== 'completed') throw new Ec2Error('IncorrectState', `Snapshot is in invalid state - ${state}`);
  if (size !== undefined && size < snapshot.size) {
    throw invalidParameterValue(`Volume of ${size}GiB is too small; minimum is ${snapshot.size}GiB.`);
  }
}

/** What CreateVolume looks up before it calls Cinder (also begun while a ClientToken is claimed). */
function lookups(input: Request, ctx: ActionContext) {
  const type = resolveVolumeType(ctx, input.VolumeType);
  const snapshotUuid = input.SnapshotId ? requireUuid(ctx.store, input.SnapshotId, ID_PREFIXES.snapshot, ID_ERRORS.snapshot) : undefined;
  const all = Promise.all([type, snapshotUuid]);
  all.catch(() => undefined);
  return all;
}

async function create(input: Request, ctx: ActionContext, looked = lookups(input, ctx)): Promise<{ resourceId: string; result: Volume }> {
  const tags = tagsFromSpecs(input.TagSpecifications, 'volume');
  const [{ cinderType, ec2Type }, snapshotUuid] = await looked;
  const raw = await mapErrors(
    () =>
      createVolume(ctx.openstack.cinder, {
        size: input.Size,
        availability_zone: input.AvailabilityZone,
        volume_type: cinderType,
        snapshot_id: snapshotUuid,
        name: nameTag(tags),
      }),
    {
      notFound: () =>
        input.SnapshotId
          ? notFound(ID_ERRORS.snapshot.notFound, input.SnapshotId, 'snapshot')
          : invalidParameterValue(`The volume type ${ec2Type} is not available on this cloud.`),
      quota: (m) => new Ec2Error('VolumeLimitExceeded', `You have exceeded your maximum volume quota: ${m}`),
    },
  );
  if (input.Encrypted && !raw.encrypted) {
    await discardVolume(ctx, raw.id, { settle: true });
    throw invalidParameterValue(
      `The volume type ${ec2Type} does not encrypt volumes on this cloud; choose a VolumeType that does to create encrypted volumes.`,
    );
  }
  let claimed: string | undefined;
  try {
    // The new id is claimed with a condition (a describe racing us may have named the volume
    // first); the rest is new, so the id -> UUID item, the record and the tags go in one batch,
    // written while the answer is made. Both settle before a failure rolls back.
    const { ec2Ids, reverseItems } = await claimNewEc2Ids(ctx.store, 'volume', [raw.id], 'vol', (_uuid, id) => (claimed = id));
    const volumeId = ec2Ids.get(raw.id)!;
    const record: VolumeRecord = { volumeType: ec2Type, clientToken: input.ClientToken };
    const [formatted, written] = await Promise.allSettled([
      formatVolumes(ctx, [{ raw, ec2Id: volumeId, tags }], new Map([[volumeKey(volumeId), record]])),
      putAll(ctx.store, [...reverseItems, { key: volumeKey(volumeId), fields: { data: JSON.stringify(record) } }, ...newResourceTagItems([volumeId], tags)]),
    ]);
    if (written.status === 'rejected') throw written.reason;
    if (formatted.status === 'rejected') throw formatted.reason;
    return { resourceId: volumeId, result: withoutFilterFields(formatted.value[0]!) };
  } catch (error) {
    // No volume without its id, nor an id without its volume.
    await discardVolume(ctx, raw.id);
    if (claimed) {
      const id = claimed;
      await Promise.allSettled([forgetMapping(ctx.store, 'volume', id, raw.id), ctx.store.delete(volumeKey(id)), deleteTags(ctx.store, [id])]);
    }
    throw error;
  }
}

/** A retry of a creation already made: the volume as it is now, or as it was when it is gone. */
async function replay(ctx: ActionContext, volumeId: string, first: Volume | undefined): Promise<Volume> {
  const uuid = await uuidOf(ctx.store, volumeId);
  const raw = uuid ? await getVolume(ctx.openstack.cinder, uuid).catch(() => undefined) : undefined;
  if (!raw) return { ...(first ?? { VolumeId: volumeId }), State: 'deleted' };
  const tags = (await tagsOf(ctx.store, [volumeId])).get(volumeId) ?? [];
  const [volume] = await formatVolumes(ctx, [{ raw, ec2Id: volumeId, tags }]);
  return withoutFilterFields(volume!);
}

export default action(
  'CreateVolume',
  async (input, ctx) => {
    if (!input.ClientToken) return (await create(input, ctx)).result;
    const { DryRun: _dryRun, ClientToken: token, ...params } = input;
    // The lookups run while the token is claimed (they only read), not one round trip after it.
    const looked = lookups(input, ctx);
    return withClientToken(ctx.store, volumeTokenKey(token), params, () => create(input, ctx, looked), (id, first) => replay(ctx, id, first));
  },
  {
    check: async (input, ctx) => {
      const { ec2Type } = await resolveVolumeType(ctx, input.VolumeType);
      checkParameters(input, ec2Type);
      tagsFromSpecs(input.TagSpecifications, 'volume');
      await requireVolumeZone(ctx, input.AvailabilityZone);
      if (input.SnapshotId) await requireRestorable(ctx, input.SnapshotId, input.Size);
    },
  },
);
