/**
 * What DescribeVolumes shows of a volume besides Cinder's answer and its own records: of each
 * attachment its delete-on-termination (Nova knows it, Cinder does not), the device name the
 * client asked for (the table) and the instance's EC2 id (the table); the EC2 id of the snapshot
 * it was made from (the table).
 *
 * Asked once Cinder has answered, these are a second round trip on every describe. So a listing
 * (or a describe by id) starts them beside its Cinder call for what this container saw at its
 * previous answer for the project — the attachments and snapshots of the volumes that would pass
 * the same Cinder query. Once Cinder answers, only what lies outside that guess is asked for.
 * Nova and the table stay the only sources: the guess decides when they are asked, never what is
 * answered. A guessed attachment Cinder no longer shows is ignored; one that Nova's early answer
 * lacks (attached again since, or the call failed) is asked for again.
 *
 * An instance's EC2 id never changes while the instance exists (one id per UUID, written once),
 * and a server that holds an attachment exists: the ids read are kept per container, for a while.
 */
import { LruMap } from '../../lib/bounded.js';
import type { ActionContext } from '../../lib/context.js';
import { deferred } from '../../lib/deferred.js';
import type { CinderVolume, Query } from '../../lib/openstack/cinder.js';
import { attachmentKey, deviceNamesOf } from '../../lib/store/device-names.js';
import { ec2IdsFor } from '../../lib/store/ids.js';
import { deleteOnTermination } from './attachments.js';

export interface AttachedPair {
  serverUuid: string;
  volumeUuid: string;
}

export interface VolumeFacts {
  /** By attachmentKey; absent: Nova did not say (the caller shows false, AWS's default). */
  deleteOnTermination: Map<string, boolean>;
  /** The device names asked for, by attachmentKey. */
  deviceNames: Map<string, string>;
  /** Instance EC2 ids by server UUID. */
  instanceIds: Map<string, string>;
  /** Snapshot EC2 ids by snapshot UUID. */
  snapshotIds: Map<string, string>;
}

/** What a volume looked like at the previous answer: the fields Cinder queries filter on, its servers and snapshot. */
interface SeenVolume {
  status: string;
  availability_zone: string;
  size: number;
  servers: string[];
  snapshot?: string;
}

const MAX_PROJECTS = 1000;
/** Beyond this many volumes in a project, nothing more is remembered for it. */
const MAX_SEEN_PER_PROJECT = 2000;
/** Volumes with attachments or a snapshot, by UUID, per project, as this container last saw them. */
const seenByProject = new LruMap<string, Map<string, SeenVolume>>(MAX_PROJECTS);

const pairKey = (p: AttachedPair) => attachmentKey(p.serverUuid, p.volumeUuid);
const unique = <T>(values: T[]) => [...new Set(values)];

interface EarlyFacts {
  /** The guessed attachments, by attachmentKey. */
  pairs: Set<string>;
  /** The servers Nova was asked about. */
  servers: Set<string>;
  deleteOnTermination: Promise<Map<string, boolean>>;
  deviceNames: Promise<Map<string, string>>;
  snapshots: Set<string>;
  snapshotIds: Promise<Map<string, string>>;
  /** The listing was the project's whole: volumes not in it are forgotten. */
  complete: boolean;
}

/** The facts a request started beside its Cinder call (one request = one context object). */
const startedFor = new WeakMap<ActionContext, EarlyFacts>();

export interface Guess {
  /** The volumes asked for by UUID. */
  uuids?: string[];
  /** Otherwise, the query a listing sends Cinder. */
  cinderQuery?: Query;
}

function matches(volume: SeenVolume, query: Query): boolean {
  return Object.entries(query).every(([key, value]) => value === undefined || String(volume[key as keyof SeenVolume]) === String(value));
}

/**
 * Starts reading the facts of the attachments this request will probably meet (see above); call
 * before asking Cinder. A request the container has nothing to go on for starts nothing.
 */
export function startVolumeFacts(ctx: ActionContext, guess: Guess): void {
  const seen = seenByProject.get(ctx.store.projectId);
  const complete = !guess.uuids && Object.keys(guess.cinderQuery ?? {}).length === 0;
  const volumes = !seen
    ? []
    : guess.uuids
      ? guess.uuids.flatMap((uuid) => {
          const volume = seen.get(uuid);
          return volume ? [[uuid, volume] as const] : [];
        })
      : [...seen].filter(([, volume]) => matches(volume, guess.cinderQuery ?? {}));
  const pairs = volumes.flatMap(([volumeUuid, volume]) => volume.servers.map((serverUuid) => ({ serverUuid, volumeUuid })));
  const servers = unique(pairs.map((p) => p.serverUuid));
  const snapshots = unique(volumes.flatMap(([, volume]) => (volume.snapshot ? [volume.snapshot] : [])));
  startedFor.set(ctx, {
    pairs: new Set(pairs.map(pairKey)),
    servers: new Set(servers),
    deleteOnTermination: deferred(deleteOnTermination(ctx.openstack.nova, servers)),
    deviceNames: deferred(deviceNamesOf(ctx.store, pairs)),
    snapshots: new Set(snapshots),
    snapshotIds: deferred(ec2IdsFor(ctx.store, 'snapshot', snapshots)),
    complete,
  });
}

/** Remembers the attachments and snapshots Cinder showed, for the next request's guess. */
function rememberVolumes(ctx: ActionContext, volumes: CinderVolume[], complete: boolean): void {
  const projectId = ctx.store.projectId;
  const seen = complete ? new Map<string, SeenVolume>() : (seenByProject.get(projectId) ?? new Map<string, SeenVolume>());
  for (const v of volumes) {
    const servers = unique(v.attachments.map((a) => a.server_id));
    if (servers.length === 0 && !v.snapshot_id) seen.delete(v.id);
    else if (seen.size < MAX_SEEN_PER_PROJECT || seen.has(v.id)) {
      seen.set(v.id, { status: v.status, availability_zone: v.availability_zone, size: v.size, servers, ...(v.snapshot_id ? { snapshot: v.snapshot_id } : {}) });
    }
  }
  if (seen.size === 0 && !seenByProject.has(projectId)) return;
  seenByProject.set(projectId, seen);
}

/** Instance ids are kept this long: a bound on what a container holds, not a correctness need. */
const INSTANCE_ID_TTL_MS = 10 * 60_000;
const MAX_INSTANCE_IDS = 20_000;
const instanceIdsKnown = new LruMap<string, { ec2Id: string; until: number }>(MAX_INSTANCE_IDS);
const instanceKey = (projectId: string, serverUuid: string) => `${projectId} ${serverUuid}`;

/** EC2 ids of servers, from this container's memory or the table (new ones get an id there). */
async function instanceIdsOf(ctx: ActionContext, serverUuids: string[]): Promise<Map<string, string>> {
  const projectId = ctx.store.projectId;
  const out = new Map<string, string>();
  const unknown: string[] = [];
  const now = Date.now();
  for (const uuid of unique(serverUuids)) {
    const known = instanceIdsKnown.get(instanceKey(projectId, uuid));
    if (known && known.until > now) out.set(uuid, known.ec2Id);
    else unknown.push(uuid);
  }
  if (unknown.length === 0) return out;
  for (const [uuid, ec2Id] of await ec2IdsFor(ctx.store, 'instance', unknown)) {
    out.set(uuid, ec2Id);
    instanceIdsKnown.set(instanceKey(projectId, uuid), { ec2Id, until: now + INSTANCE_ID_TTL_MS });
  }
  return out;
}

/**
 * The facts of Cinder's `volumes` (what the next guess goes on), using what this request started
 * early and asking for the rest. Nova failing leaves delete-on-termination unknown rather than
 * failing the describe.
 */
export async function volumeFacts(ctx: ActionContext, volumes: CinderVolume[]): Promise<VolumeFacts> {
  const early = startedFor.get(ctx);
  startedFor.delete(ctx);
  rememberVolumes(ctx, volumes, early?.complete ?? false);
  const pairs = volumes.flatMap((v) => v.attachments.map((a) => ({ serverUuid: a.server_id, volumeUuid: v.id })));
  const snapshots = unique(volumes.flatMap((v) => (v.snapshot_id ? [v.snapshot_id] : [])));
  const lateSnapshots = snapshots.filter((s) => !early?.snapshots.has(s));
  const nova = ctx.openstack.nova;
  const guessedPairs = early?.pairs ?? new Set<string>();
  const askedServers = early?.servers ?? new Set<string>();
  const unguessed = pairs.filter((p) => !guessedPairs.has(pairKey(p)));
  const lateServers = unique(pairs.map((p) => p.serverUuid).filter((s) => !askedServers.has(s)));
  // Early answers are awaited only where this answer needs them.
  const needs = <T>(work: Promise<T> | undefined, needed: boolean, none: T) => (work && needed ? work : Promise.resolve(none));
  const [earlyDot, lateDot, earlyNames, lateNames, instanceIds, earlySnapshotIds, lateSnapshotIds] = await Promise.all([
    needs(early?.deleteOnTermination, pairs.some((p) => askedServers.has(p.serverUuid)), new Map<string, boolean>()).catch(() => new Map<string, boolean>()),
    deleteOnTermination(nova, lateServers).catch(() => new Map<string, boolean>()),
    needs(early?.deviceNames, pairs.length > unguessed.length, new Map<string, string>()),
    deviceNamesOf(ctx.store, unguessed),
    instanceIdsOf(ctx, pairs.map((p) => p.serverUuid)),
    needs(early?.snapshotIds, snapshots.length > lateSnapshots.length, new Map<string, string>()),
    ec2IdsFor(ctx.store, 'snapshot', lateSnapshots),
  ]);
  const dot = new Map([...earlyDot, ...lateDot]);
  // Servers asked early whose answer lacks an attachment Cinder shows: asked again, now.
  const again = unique(pairs.filter((p) => askedServers.has(p.serverUuid) && !dot.has(pairKey(p))).map((p) => p.serverUuid));
  if (again.length) for (const [key, value] of await deleteOnTermination(nova, again).catch(() => new Map<string, boolean>())) dot.set(key, value);
  const wanted = new Set(pairs.map(pairKey));
  const deviceNames = new Map([...earlyNames, ...lateNames].filter(([key]) => wanted.has(key)));
  const snapshotIds = new Map([...earlySnapshotIds, ...lateSnapshotIds]);
  return { deleteOnTermination: dot, deviceNames, instanceIds, snapshotIds };
}
