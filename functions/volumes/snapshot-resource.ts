/**
 * Cinder snapshots as EC2 snapshots for the describe engine and the answers of CreateSnapshot /
 * CopySnapshot. The owner is the project (EC2's account is the OpenStack project here).
 */
import { LruMap, LruSet } from '../../lib/bounded.js';
import type { ActionContext } from '../../lib/context.js';
import type { Entry, ListQuery, ListResult, ResourceDescriptor } from '../../lib/describe/engine.js';
import { filterValues, isExact, type FilterSpec } from '../../lib/describe/filters.js';
import { getSnapshot, getVolume, listSnapshots, parseCinderTime, type CinderSnapshot, type CinderVolume, type Query } from '../../lib/openstack/cinder.js';
import { OpenStackError } from '../../lib/openstack/http.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ec2IdsFor, uuidsOf } from '../../lib/store/ids.js';
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
 * Volume UUIDs this container found gone (404): a deleted volume does not come back (UUIDs are not
 * reused), so the encryption of its snapshots, which nothing records, is not asked of Cinder again
 * on every describe. Bounded: the oldest go first.
 */
const MAX_GONE_VOLUMES = 10_000;
const goneVolumes = new LruSet<string>(MAX_GONE_VOLUMES);
function rememberGoneVolume(uuid: string): void {
  goneVolumes.add(uuid);
}

/** The volume, or undefined when Cinder cannot say (gone, or failing: then it is asked again next time). */
async function volumeIfAny(ctx: ActionContext, uuid: string): Promise<CinderVolume | undefined> {
  if (goneVolumes.has(uuid)) return undefined;
  try {
    return await getVolume(ctx.openstack.cinder, uuid);
  } catch (error) {
    if (error instanceof OpenStackError && error.status === 404) rememberGoneVolume(uuid);
    return undefined;
  }
}

/**
 * Complete snapshot records (encryption and volume id known) this container has read or written,
 * per project. They never change: a snapshot's volume and that volume's encryption are fixed, and
 * ids are not reused. So a listing reads from the table only the records it has not seen, and most
 * listings need no read of records at all. Bounded: the oldest go first.
 */
const MAX_KNOWN_RECORDS = 10_000;
const knownRecords = new LruMap<string, SnapshotRecord>(MAX_KNOWN_RECORDS);
const knownKey = (projectId: string, ec2Id: string) => `${projectId} ${ec2Id}`;
function rememberRecord(projectId: string, ec2Id: string, record: SnapshotRecord): void {
  knownRecords.set(knownKey(projectId, ec2Id), record);
}

/** What formatSnapshots reads from the table, read by the describe engine beside Cinder's answer. */
export interface SnapshotTableFacts {
  records: Map<string, SnapshotRecord>;
  /** Whether `records` holds every record the table has for the snapshots to format (false for listings). */
  complete: boolean;
}

/**
 * For named snapshots, the records this container does not know yet (one batch read beside
 * Cinder's answer). A listing does not know its snapshots before Cinder answers: formatSnapshots
 * then reads the records it does not know, after it.
 */
export async function snapshotTableFacts(ctx: ActionContext, ec2Ids: string[] | undefined): Promise<SnapshotTableFacts> {
  if (!ec2Ids) return { records: new Map(), complete: false };
  const projectId = ctx.store.projectId;
  const unknown = ec2Ids.filter((id) => !knownRecords.has(knownKey(projectId, id)));
  return { records: await readRecords<SnapshotRecord>(ctx.store, unknown.map(snapshotKey)), complete: true };
}

/**
 * EC2 snapshots. What Cinder's snapshot does not carry comes from the snapshot's record: whether
 * its volume is encrypted (recorded when we made it) and its volume's EC2 id (a snapshot's volume
 * never changes). Snapshots made in Cinder directly, or recorded before the volume id was, are
 * looked up once (the volume's id mapping, the volume itself) and recorded, so a listing needs no
 * read of the project's volume mappings. A volume that is gone cannot tell its encryption: that is
 * left unrecorded rather than guessed.
 */
export async function formatSnapshots(ctx: ActionContext, entries: Array<Entry<CinderSnapshot>>, facts?: SnapshotTableFacts): Promise<Snapshot[]> {
  if (entries.length === 0) return [];
  const projectId = ctx.store.projectId;
  const records = new Map(facts?.records ?? []);
  for (const { ec2Id } of entries) {
    const known = knownRecords.get(knownKey(projectId, ec2Id));
    if (known) records.set(snapshotKey(ec2Id), known);
  }
  if (!facts?.complete) {
    const unread = entries.map((e) => snapshotKey(e.ec2Id)).filter((key) => !records.has(key));
    for (const [key, record] of await readRecords<SnapshotRecord>(ctx.store, unread)) records.set(key, record);
  }
  const recordOf = (e: Entry<CinderSnapshot>) => records.get(snapshotKey(e.ec2Id));
  const copy = (e: Entry<CinderSnapshot>) => Boolean(backingVolumeOf(e.raw));
  const noVolumeId = entries.filter((e) => !copy(e) && recordOf(e)?.volumeId === undefined);
  const noEncryption = entries.filter((e) => recordOf(e)?.encrypted === undefined);
  const [volumeIds, volumes] = await Promise.all([
    ec2IdsFor(ctx.store, 'volume', [...new Set(noVolumeId.map((e) => e.raw.volume_id))]),
    Promise.all([...new Set(noEncryption.map((e) => e.raw.volume_id))].map(async (uuid) => [uuid, await volumeIfAny(ctx, uuid)] as const)),
  ]);
  const volumeOf = new Map(volumes);
  const learned = new Map<string, SnapshotRecord>();
  for (const e of new Set([...noVolumeId, ...noEncryption])) {
    const known = recordOf(e);
    const volume = volumeOf.get(e.raw.volume_id);
    const volumeId = known?.volumeId ?? (copy(e) ? undefined : volumeIds.get(e.raw.volume_id));
    const encrypted = known?.encrypted ?? (volume ? Boolean(volume.encrypted) : undefined);
    if (volumeId === known?.volumeId && encrypted === known?.encrypted) continue;
    learned.set(e.ec2Id, { ...known, ...(volumeId ? { volumeId } : {}), ...(encrypted === undefined ? {} : { encrypted }) });
  }
  await Promise.all([...learned].map(([ec2Id, record]) => ctx.store.putJson(snapshotKey(ec2Id), record)));
  const owner = ctx.caller.projectId;
  return entries.map((e) => {
    const { raw, ec2Id, tags } = e;
    const record = learned.get(ec2Id) ?? recordOf(e);
    if (record?.encrypted !== undefined && (copy(e) || record.volumeId !== undefined)) rememberRecord(projectId, ec2Id, record);
    return {
      SnapshotId: ec2Id,
      VolumeId: copy(e) ? COPY_VOLUME_ID : record?.volumeId,
      State: snapshotState(raw.status),
      StartTime: parseCinderTime(raw.created_at),
      Progress: snapshotProgress(raw.status, raw['os-extended-snapshot-attributes:progress']),
      OwnerId: raw['os-extended-snapshot-attributes:project_id'] ?? owner,
      Description: raw.description ?? '',
      VolumeSize: raw.size,
      Encrypted: record?.encrypted ?? false,
      StorageTier: 'standard',
      Tags: tags,
    };
  });
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
