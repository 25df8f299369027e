/**
 * Cinder snapshots as EC2 snapshots for the describe engine and the answers of CreateSnapshot /
 * CopySnapshot. The owner is the project (EC2's account is the OpenStack project here).
 */
import type { ActionContext } from '../../lib/context.js';
import type { Entry, ListQuery, ListResult, ResourceDescriptor } from '../../lib/describe/engine.js';
import { filterValues, isExact, type FilterSpec } from '../../lib/describe/filters.js';
import { getSnapshot, getVolume, listSnapshots, parseCinderTime, type CinderSnapshot, type Query } from '../../lib/openstack/cinder.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ec2IdsFor, ec2IdsFromMappings, mappingsOf, uuidsOf } from '../../lib/store/ids.js';
import type { Snapshot } from '../../schemas/types.js';
import { readRecords, snapshotKey, type SnapshotRecord } from '../../lib/domain/volumes/records.js';
import { COPY_VOLUME_ID, backingVolumeOf } from '../../lib/domain/volumes/snapshot-copies.js';
import { cinderSnapshotStatuses, snapshotProgress, snapshotState } from './states.js';
import { fetchByIds } from '../../lib/describe/by-ids.js';

const MAX_SINGLE_GETS = 25;

const snapshotsByUuid = (ctx: ActionContext, uuids: string[]): Promise<CinderSnapshot[]> =>
  fetchByIds(uuids, {
    get: (uuid) => getSnapshot(ctx.openstack.cinder, uuid),
    list: () => listSnapshots(ctx.openstack.cinder),
    singleGetLimit: MAX_SINGLE_GETS,
  });

export async function listProjectSnapshots(ctx: ActionContext, query: ListQuery): Promise<ListResult<CinderSnapshot>> {
  if (query.uuids) return { items: await snapshotsByUuid(ctx, query.uuids), complete: false };
  const ids = filterValues(query.filters, 'snapshot-id');
  if (ids?.every(isExact)) {
    return { items: await snapshotsByUuid(ctx, [...(await uuidsOf(ctx.store, ids)).values()]), complete: false };
  }
  const cinderQuery: Query = {};
  const status = filterValues(query.filters, 'status');
  if (status?.length === 1 && isExact(status[0]!)) {
    const statuses = cinderSnapshotStatuses(status[0]!);
    if (statuses.length === 1) cinderQuery['status'] = statuses[0];
  }
  const volumes = filterValues(query.filters, 'volume-id');
  // Copies report vol-ffffffff, which names no Cinder volume: that one is filtered here, not by Cinder.
  if (volumes?.length === 1 && isExact(volumes[0]!) && volumes[0] !== COPY_VOLUME_ID) {
    // A deleted volume's id no longer resolves, while its snapshots still show it: those are
    // found by the filter on the listing.
    const uuid = (await uuidsOf(ctx.store, volumes)).get(volumes[0]!);
    if (uuid) cinderQuery['volume_id'] = uuid;
  }
  const items = await mapErrors(() => listSnapshots(ctx.openstack.cinder, cinderQuery));
  return { items, complete: Object.keys(cinderQuery).length === 0 };
}

/**
 * Per snapshot, whether its volume is encrypted and the EC2 id of that volume, from the snapshot's
 * record. What a record lacks (snapshots made in Cinder directly, records older than the volume
 * id) is found once and recorded: encryption from the source volume (not when the volume is gone:
 * no guess is recorded), the volume id from its mapping, so that the snapshot keeps showing it
 * after the volume and its mapping are gone, as AWS does.
 */
async function snapshotFacts(
  ctx: ActionContext,
  entries: Array<Entry<CinderSnapshot>>,
  recordsRead: Map<string, SnapshotRecord> | undefined,
  volumeIdsOf: (uuids: string[]) => Promise<Map<string, string>>,
): Promise<Map<string, SnapshotRecord>> {
  const records = recordsRead ?? (await readRecords<SnapshotRecord>(ctx.store, entries.map((e) => snapshotKey(e.ec2Id))));
  const recordOf = (e: Entry<CinderSnapshot>) => records.get(snapshotKey(e.ec2Id)) ?? {};
  const needId = entries.filter((e) => !backingVolumeOf(e.raw) && recordOf(e).volumeId === undefined);
  const needEncryption = entries.filter((e) => recordOf(e).encrypted === undefined);
  const volumeUuids = [...new Set(needEncryption.map((e) => e.raw.volume_id))];
  const [volumeIds, volumes] = await Promise.all([
    volumeIdsOf([...new Set(needId.map((e) => e.raw.volume_id))]),
    Promise.all(volumeUuids.map(async (uuid) => [uuid, await getVolume(ctx.openstack.cinder, uuid).catch(() => undefined)] as const)).then((pairs) => new Map(pairs)),
  ]);
  const out = new Map<string, SnapshotRecord>();
  await Promise.all(
    entries.map(async (e) => {
      const known = recordOf(e);
      const volume = known.encrypted === undefined ? volumes.get(e.raw.volume_id) : undefined;
      const learnt: SnapshotRecord = {
        ...(volume ? { encrypted: Boolean(volume.encrypted) } : {}),
        ...(known.volumeId === undefined && volumeIds.has(e.raw.volume_id) ? { volumeId: volumeIds.get(e.raw.volume_id) } : {}),
      };
      const record = { ...known, ...learnt };
      out.set(e.ec2Id, record);
      if (Object.keys(learnt).length) await ctx.store.putJson(snapshotKey(e.ec2Id), record satisfies SnapshotRecord);
    }),
  );
  return out;
}

/** What formatSnapshots reads from the table, read by the describe engine beside Cinder's answer. */
export interface SnapshotTableFacts {
  records: Map<string, SnapshotRecord>;
  /** Every volume id mapping of the project (read for listings, where most snapshots need one). */
  volumeMappings?: Array<{ ec2Id: string; uuid: string }>;
}

/** The snapshots' records, or all of the project's (one query) with its volume ids when `ec2Ids` is undefined. */
export async function snapshotTableFacts(ctx: ActionContext, ec2Ids: string[] | undefined): Promise<SnapshotTableFacts> {
  if (ec2Ids) return { records: await readRecords<SnapshotRecord>(ctx.store, ec2Ids.map(snapshotKey)) };
  const [records, volumeMappings] = await Promise.all([ctx.store.query(snapshotKey('')), mappingsOf(ctx.store, 'volume')]);
  return {
    records: new Map(records.flatMap((r) => (r.data === undefined ? [] : [[r.key, JSON.parse(r.data) as SnapshotRecord] as const]))),
    volumeMappings,
  };
}

export async function formatSnapshots(ctx: ActionContext, entries: Array<Entry<CinderSnapshot>>, facts?: SnapshotTableFacts): Promise<Snapshot[]> {
  if (entries.length === 0) return [];
  const records = await snapshotFacts(ctx, entries, facts?.records, (uuids) =>
    facts?.volumeMappings ? ec2IdsFromMappings(ctx.store, 'volume', uuids, facts.volumeMappings) : ec2IdsFor(ctx.store, 'volume', uuids),
  );
  const owner = ctx.caller.projectId;
  return entries.map(({ raw, ec2Id, tags }) => ({
    SnapshotId: ec2Id,
    VolumeId: backingVolumeOf(raw) ? COPY_VOLUME_ID : records.get(ec2Id)?.volumeId,
    State: snapshotState(raw.status),
    StartTime: parseCinderTime(raw.created_at),
    Progress: snapshotProgress(raw.status, raw['os-extended-snapshot-attributes:progress']),
    OwnerId: raw['os-extended-snapshot-attributes:project_id'] ?? owner,
    Description: raw.description ?? '',
    VolumeSize: raw.size,
    Encrypted: records.get(ec2Id)?.encrypted ?? false,
    StorageTier: 'standard',
    Tags: tags,
  }));
}

export const SNAPSHOT_FILTERS: FilterSpec<Snapshot> = {
  description: (s) => s.Description,
  encrypted: (s) => s.Encrypted,
  'owner-alias': (s) => s.OwnerAlias,
  'owner-id': (s) => s.OwnerId,
  progress: (s) => s.Progress,
  'snapshot-id': (s) => s.SnapshotId,
  'start-time': (s) => s.StartTime as Date | undefined,
  status: (s) => s.State,
  'storage-tier': (s) => s.StorageTier,
  'volume-id': (s) => s.VolumeId,
  'volume-size': (s) => s.VolumeSize,
};

export const snapshotDescriptor: ResourceDescriptor<CinderSnapshot, Snapshot, SnapshotTableFacts> = {
  type: 'snapshot',
  idErrors: ID_ERRORS.snapshot,
  list: listProjectSnapshots,
  uuidOf: (s) => s.id,
  prefetch: snapshotTableFacts,
  format: formatSnapshots,
  idOf: (s) => s.SnapshotId!,
  filters: SNAPSHOT_FILTERS,
  paging: { min: 5, max: 1000, exclusiveWithIds: 'snapshotSet' },
  forgetRecords: (ctx, gone) => ctx.store.deleteMany(gone.map((g) => snapshotKey(g.ec2Id))),
};
