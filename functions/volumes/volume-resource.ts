/**
 * Cinder volumes as EC2 volumes, for the describe engine (DescribeVolumes, DescribeVolumeStatus)
 * and for the answers of CreateVolume. Filters Cinder can answer (ids, status, zone, size) are
 * pushed down to its query; the rest are applied to the formatted volumes.
 */
import type { ActionContext } from '../../lib/context.js';
import type { Entry, ListQuery, ListResult, ResourceDescriptor } from '../../lib/describe/engine.js';
import { filterValues, isExact, type FilterSpec } from '../../lib/describe/filters.js';
import { getVolume, listAttachments, listVolumes, parseCinderTime, type CinderVolume, type Query } from '../../lib/openstack/cinder.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { deferred } from '../../lib/deferred.js';
import { discardedVolumeUuids } from '../../lib/discards.js';
import { attachmentKey, deviceNamesOf } from '../../lib/store/device-names.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ec2IdsFor, uuidsOf } from '../../lib/store/ids.js';
import type { Volume, VolumeAttachment } from '../../schemas/types.js';
import { startVolumeFacts, volumeFacts } from './volume-facts.js';
import { readRecords, volumeIoKey, volumeKey, type VolumeRecord } from '../../lib/domain/volumes/records.js';
import { isCopyBackingVolume } from '../../lib/domain/volumes/snapshot-copies.js';
import { ATTACHING_STATUSES, attachmentState, cinderVolumeStatuses, volumeState } from './states.js';
import { cinderTypes, reportedVolumeType } from './volume-types.js';
import { fetchByIds } from '../../lib/describe/by-ids.js';

/** A formatted volume plus what only filters need. */
export type VolumeItem = Volume & { ClientToken?: string };

/** Asking Cinder for each volume beats listing them all up to about this many. */
const MAX_SINGLE_GETS = 25;

/** Volumes by UUID; those Cinder no longer has are left out. */
export const volumesByUuid = (ctx: ActionContext, uuids: string[]): Promise<CinderVolume[]> =>
  fetchByIds(uuids, {
    get: (uuid) => getVolume(ctx.openstack.cinder, uuid),
    list: () => listVolumes(ctx.openstack.cinder),
    singleGetLimit: MAX_SINGLE_GETS,
  });

/** One exact value of a filter, which Cinder can then match itself. */
function single(filters: ListQuery['filters'], name: string): string | undefined {
  const values = filterValues(filters, name);
  return values?.length === 1 && isExact(values[0]!) ? values[0] : undefined;
}

/**
 * The project's volumes as the describe engine asks for them. With `startFacts`, what
 * formatVolumes will read about attachments starts beside the Cinder call (volume-facts.ts).
 */
export async function listProjectVolumes(ctx: ActionContext, query: ListQuery, startFacts = false): Promise<ListResult<CinderVolume>> {
  // Volumes deleted through EC2 that Cinder still holds (for their snapshots) are hidden; ids
  // resolve only for volumes EC2 still shows, so only listings need to leave them out (a copy's
  // backing volume never has an id).
  if (query.uuids) {
    if (startFacts) startVolumeFacts(ctx, { uuids: query.uuids });
    return { items: (await volumesByUuid(ctx, query.uuids)).filter((v) => !isCopyBackingVolume(v)), complete: false };
  }
  const discarded = deferred(discardedVolumeUuids(ctx.store));
  const visible = async (volumes: CinderVolume[]) => {
    const hidden = await discarded;
    return volumes.filter((v) => !isCopyBackingVolume(v) && !hidden.has(v.id));
  };

  const ids = filterValues(query.filters, 'volume-id');
  if (ids?.every(isExact)) {
    const uuids = [...(await uuidsOf(ctx.store, ids)).values()];
    if (startFacts) startVolumeFacts(ctx, { uuids });
    return { items: await visible(await volumesByUuid(ctx, uuids)), complete: false };
  }

  const cinderQuery: Query = {};
  const status = single(query.filters, 'status');
  const statuses = status ? cinderVolumeStatuses(status) : [];
  if (statuses.length === 1) cinderQuery['status'] = statuses[0];
  const zone = single(query.filters, 'availability-zone');
  if (zone) cinderQuery['availability_zone'] = zone;
  const size = single(query.filters, 'size');
  if (size && /^\d+$/.test(size)) cinderQuery['size'] = size;
  if (startFacts) startVolumeFacts(ctx, { cinderQuery });
  const items = await mapErrors(() => listVolumes(ctx.openstack.cinder, cinderQuery));
  return { items: await visible(items), complete: Object.keys(cinderQuery).length === 0, retained: await discarded };
}

/** Pending attachments of each volume being attached, by volume UUID. */
async function pendingAttachmentsOf(
  ctx: ActionContext,
  entries: Array<Entry<CinderVolume>>,
): Promise<Map<string, Array<{ serverId: string; attachedAt?: string }>>> {
  return new Map(await Promise.all(entries.map(async (e) => [e.raw.id, await pendingAttachments(ctx, e.raw)] as const)));
}

/** Attachments still being made appear only in Cinder's attachment records, not on the volume. */
async function pendingAttachments(ctx: ActionContext, volume: CinderVolume): Promise<Array<{ serverId: string; attachedAt?: string }>> {
  if (volume.attachments.length > 0 || !ATTACHING_STATUSES.has(volume.status)) return [];
  const records = await listAttachments(ctx.openstack.cinder, volume.id).catch(() => []);
  return records.flatMap((r) => (r.instance ? [{ serverId: r.instance, attachedAt: r.attached_at ?? undefined }] : []));
}

/** The volumes family's records of these volumes, or of all the project's (one query) when `ec2Ids` is undefined. */
export async function volumeRecords(ctx: ActionContext, ec2Ids: string[] | undefined): Promise<Map<string, VolumeRecord>> {
  if (ec2Ids) return readRecords<VolumeRecord>(ctx.store, ec2Ids.map(volumeKey));
  // `volume#` sorts apart from `volume-io#`, `volume-token#` and `volume-gc#`: only these records match.
  const records = await ctx.store.query(volumeKey(''));
  return new Map(records.flatMap((r) => (r.data === undefined ? [] : [[r.key, JSON.parse(r.data) as VolumeRecord] as const])));
}

/**
 * Volumes (with their tags) in EC2's form, reading related data once for the whole batch and all
 * of it at once: `records` are the volumes' records when the describe engine read them already.
 */
export async function formatVolumes(
  ctx: ActionContext,
  entries: Array<Entry<CinderVolume>>,
  records?: Map<string, VolumeRecord>,
): Promise<VolumeItem[]> {
  if (entries.length === 0) {
    await volumeFacts(ctx, []); // what the next request guesses from
    return [];
  }
  const [pending, facts, volumeRecordsRead, types] = await Promise.all([
    pendingAttachmentsOf(ctx, entries),
    volumeFacts(ctx, entries.map((e) => e.raw)),
    records ?? volumeRecords(ctx, entries.map((e) => e.ec2Id)),
    cinderTypes(ctx),
  ]);
  const { instanceIds, deviceNames: asked, deleteOnTermination: dot, snapshotIds } = facts;
  // Attachments still being made (rare) need their servers' ids and device names as well.
  const pendingPairs = entries.flatMap((e) => (pending.get(e.raw.id) ?? []).map((p) => ({ serverUuid: p.serverId, volumeUuid: e.raw.id })));
  if (pendingPairs.length) {
    const [moreIds, moreNames] = await Promise.all([
      ec2IdsFor(ctx.store, 'instance', pendingPairs.map((p) => p.serverUuid)),
      deviceNamesOf(ctx.store, pendingPairs),
    ]);
    for (const [uuid, id] of moreIds) instanceIds.set(uuid, id);
    for (const [key, name] of moreNames) asked.set(key, name);
  }

  return entries.map(({ raw, ec2Id, tags }) => {
    const attachments: VolumeAttachment[] = [
      ...raw.attachments.map((a) => ({
        AttachTime: parseCinderTime(a.attached_at),
        Device: asked.get(attachmentKey(a.server_id, raw.id)) ?? a.device ?? undefined,
        InstanceId: instanceIds.get(a.server_id),
        State: attachmentState(raw.status),
        VolumeId: ec2Id,
        DeleteOnTermination: dot.get(`${a.server_id}/${raw.id}`) ?? false,
      })),
      ...(pending.get(raw.id) ?? []).map((p) => ({
        AttachTime: parseCinderTime(p.attachedAt),
        Device: asked.get(attachmentKey(p.serverId, raw.id)),
        InstanceId: instanceIds.get(p.serverId),
        State: 'attaching' as const,
        VolumeId: ec2Id,
        DeleteOnTermination: false,
      })),
    ];
    const record = volumeRecordsRead.get(volumeKey(ec2Id));
    return {
      VolumeId: ec2Id,
      Size: raw.size,
      SnapshotId: raw.snapshot_id ? (snapshotIds.get(raw.snapshot_id) ?? '') : '',
      AvailabilityZone: raw.availability_zone,
      State: volumeState(raw.status, attachments.length > 0),
      CreateTime: parseCinderTime(raw.created_at),
      Attachments: attachments,
      Encrypted: Boolean(raw.encrypted),
      VolumeType: reportedVolumeType(raw.volume_type, types.defaultName, record?.volumeType),
      MultiAttachEnabled: Boolean(raw.multiattach),
      FastRestored: false,
      Tags: tags,
      ClientToken: record?.clientToken,
    };
  });
}

export const VOLUME_FILTERS: FilterSpec<VolumeItem> = {
  'attachment.attach-time': (v) => (v.Attachments ?? []).map((a) => a.AttachTime as Date | undefined),
  'attachment.delete-on-termination': (v) => (v.Attachments ?? []).map((a) => a.DeleteOnTermination),
  'attachment.device': (v) => (v.Attachments ?? []).map((a) => a.Device),
  'attachment.instance-id': (v) => (v.Attachments ?? []).map((a) => a.InstanceId),
  'attachment.status': (v) => (v.Attachments ?? []).map((a) => a.State),
  'availability-zone': (v) => v.AvailabilityZone,
  'client-token': (v) => v.ClientToken,
  'create-time': (v) => v.CreateTime as Date | undefined,
  encrypted: (v) => v.Encrypted,
  'fast-restored': (v) => v.FastRestored,
  'multi-attach-enabled': (v) => v.MultiAttachEnabled,
  size: (v) => v.Size,
  'snapshot-id': (v) => v.SnapshotId,
  status: (v) => v.State,
  'volume-id': (v) => v.VolumeId,
  'volume-type': (v) => v.VolumeType,
};

export const volumeDescriptor: ResourceDescriptor<CinderVolume, VolumeItem, Map<string, VolumeRecord>> = {
  type: 'volume',
  idErrors: ID_ERRORS.volume,
  list: (ctx, query) => listProjectVolumes(ctx, query, true),
  uuidOf: (v) => v.id,
  prefetch: volumeRecords,
  format: formatVolumes,
  idOf: (v) => v.VolumeId!,
  filters: VOLUME_FILTERS,
  paging: { min: 5, max: 500, exclusiveWithIds: 'volumeSet' },
  forgetRecords: (ctx, gone) => ctx.store.deleteMany(gone.flatMap((g) => [volumeKey(g.ec2Id), volumeIoKey(g.ec2Id)])),
};

/** Drops what only filters needed. */
export const withoutFilterFields = ({ ClientToken: _token, ...volume }: VolumeItem): Volume => volume;
