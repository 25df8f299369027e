/**
 * EC2 ids (AWS long format: prefix + 17 hex digits) and their mapping to OpenStack UUIDs.
 *
 * A resource seen for the first time gets exactly one EC2 id even under concurrent describes: the
 * UUID -> id item is written first with a condition (the first writer wins, the others read the
 * winner's id), then the id -> UUID item, which every writer may repeat since it is the same.
 */
import { randomBytes } from 'node:crypto';
import { LruMap } from '../bounded.js';
import { malformedId, notFound } from '../protocol/errors.js';
import type { PutEntry, StateStore } from './project-store.js';
import type { StateRecord } from './table.js';
import { forgetTags, putTags, tagsOf } from './tags.js';

/** AWS resource types (as DescribeTags names them) and their id prefixes. */
export const ID_PREFIXES = {
  instance: ['i'],
  volume: ['vol'],
  snapshot: ['snap'],
  image: ['ami', 'aki', 'ari'],
  vpc: ['vpc'],
  subnet: ['subnet'],
  'route-table': ['rtb'],
  'internet-gateway': ['igw'],
  'network-interface': ['eni'],
  'elastic-ip': ['eipalloc'],
  'security-group': ['sg'],
  'security-group-rule': ['sgr'],
  'dhcp-options': ['dopt'],
  'vpn-gateway': ['vgw'],
  'customer-gateway': ['cgw'],
  'vpn-connection': ['vpn'],
  'key-pair': ['key'],
  reservation: ['r'],
} as const;

export type ResourceType = keyof typeof ID_PREFIXES;
export type IdPrefix = (typeof ID_PREFIXES)[ResourceType][number];

const ID_PATTERN = /^([a-z]+)-([0-9a-f]{8}|[0-9a-f]{17})$/;

export function newEc2Id(prefix: IdPrefix): string {
  return `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
}

export function prefixOf(ec2Id: string): string | undefined {
  return ID_PATTERN.exec(ec2Id)?.[1];
}

/** The resource type an EC2 id belongs to, from its prefix. */
export function resourceTypeOf(ec2Id: string): ResourceType | undefined {
  const prefix = prefixOf(ec2Id);
  if (!prefix) return undefined;
  for (const [type, prefixes] of Object.entries(ID_PREFIXES)) {
    if ((prefixes as readonly string[]).includes(prefix)) return type as ResourceType;
  }
  return undefined;
}

export interface IdErrors {
  /** e.g. InvalidInstanceID.Malformed */
  malformed: string;
  /** e.g. InvalidInstanceID.NotFound */
  notFound: string;
  /** How AWS names the resource in messages, e.g. "instance". */
  noun: string;
}

/** Checks an id's form (long or short) and prefix, with AWS's Malformed code. */
export function assertEc2Id(ec2Id: string, prefixes: readonly string[], errors: IdErrors): void {
  const prefix = prefixOf(ec2Id);
  if (!prefix || !prefixes.includes(prefix)) {
    throw malformedId(errors.malformed, ec2Id, `${prefixes[0]}-...`);
  }
}

const idKey = (ec2Id: string) => `id#${ec2Id}`;
const osKey = (type: ResourceType, uuid: string) => `os#${type}#${uuid}`;

/** The EC2 id of an OpenStack resource, created on first sight. */
export async function ec2IdFor(store: StateStore, type: ResourceType, uuid: string, prefix?: IdPrefix): Promise<string> {
  const existing = await store.get(osKey(type, uuid));
  if (existing?.ec2Id) return existing.ec2Id;
  return createMapping(store, type, uuid, prefix ?? ID_PREFIXES[type][0]);
}

/** The region-wide id of a public or shared image, if it has one (see shareImageIds). */
async function regionalId(store: StateStore, type: ResourceType, uuid: string): Promise<string | undefined> {
  if (type !== 'image' || !store.region) return undefined;
  return (await store.region.get(osKey(type, uuid)))?.ec2Id;
}

async function createMapping(store: StateStore, type: ResourceType, uuid: string, prefix: IdPrefix): Promise<string> {
  const candidate = (await regionalId(store, type, uuid)) ?? newEc2Id(prefix);
  const won = await store.put(osKey(type, uuid), { ec2Id: candidate, uuid }, { ifAbsent: true });
  const ec2Id = won ? candidate : (await store.get(osKey(type, uuid)))?.ec2Id;
  if (!ec2Id) throw new Error(`id mapping for ${type} ${uuid} vanished while it was being created`);
  await store.put(idKey(ec2Id), { uuid, ec2Id });
  return ec2Id;
}

/** EC2 ids for many resources of one type: a batch read of the existing mappings, then the new ones. */
export async function ec2IdsFor(
  store: StateStore,
  type: ResourceType,
  uuids: string[],
  prefixFor: (uuid: string) => IdPrefix = () => ID_PREFIXES[type][0],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (uuids.length === 0) return out;
  const records = await store.getMany(uuids.map((u) => osKey(type, u)));
  for (const r of records.values()) if (r.uuid && r.ec2Id) out.set(r.uuid, r.ec2Id);
  const missing = uuids.filter((u) => !out.has(u));
  for (const [uuid, ec2Id] of await createMissingMappings(store, type, missing, prefixFor)) out.set(uuid, ec2Id);
  return out;
}

/** Creates mappings for resources known to have none yet (concurrent creators still agree). */
export async function createMissingMappings(
  store: StateStore,
  type: ResourceType,
  uuids: string[],
  prefixFor: (uuid: string) => IdPrefix = () => ID_PREFIXES[type][0],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const unique = [...new Set(uuids)];
  const CONCURRENCY = 16;
  for (let i = 0; i < unique.length; i += CONCURRENCY) {
    await Promise.all(
      unique.slice(i, i + CONCURRENCY).map(async (uuid) => {
        out.set(uuid, await createMapping(store, type, uuid, prefixFor(uuid)));
      }),
    );
  }
  return out;
}

/** The OpenStack UUID behind an EC2 id, or undefined when this project has no such id. */
export async function uuidOf(store: StateStore, ec2Id: string): Promise<string | undefined> {
  if (!isEc2IdForm(ec2Id)) return undefined;
  return (await store.get(idKey(ec2Id)))?.uuid ?? (isImageId(ec2Id) ? (await store.region?.get(idKey(ec2Id)))?.uuid : undefined);
}

/**
 * Image ids may be the region's (public and shared images): a project that never listed the image
 * still launches "ami-…" as published. Whether it may see the image is Glance's to say.
 */
const isImageId = (ec2Id: string) => /^(ami|aki|ari)-/.test(ec2Id);

/** Whether a string has an EC2 id's form at all; anything else names nothing and is never looked up. */
export const isEc2IdForm = (value: string) => value.length <= 32 && ID_PATTERN.test(value);

/**
 * UUIDs for EC2 ids; ids this project does not know are absent from the answer. Values that are no
 * ids (an `instance-id` filter of 2,000 characters) are not looked up: they match nothing.
 */
export async function uuidsOf(store: StateStore, ec2Ids: string[]): Promise<Map<string, string>> {
  const wanted = ec2Ids.filter(isEc2IdForm);
  // Image ids are looked up in the region's partition at the same time (one round trip, not two);
  // the project's own mapping wins where both have one.
  const regional = store.region ? wanted.filter(isImageId) : [];
  const [records, regionRecords] = await Promise.all([
    store.getMany(wanted.map(idKey)),
    regional.length ? store.region!.getMany(regional.map(idKey)) : undefined,
  ]);
  const out = new Map<string, string>();
  for (const r of regionRecords?.values() ?? []) if (r.ec2Id && r.uuid) out.set(r.ec2Id, r.uuid);
  for (const r of records.values()) if (r.ec2Id && r.uuid) out.set(r.ec2Id, r.uuid);
  return out;
}

/**
 * EC2 id -> UUID pairs this container has read, per project, newest last. A mapping never changes
 * while it exists (an id is never given to another resource), so a describe by id may start its
 * OpenStack call with the remembered UUID while the table confirms that the id still exists.
 * Bounded: the least recently used pairs go first.
 */
const MAX_REMEMBERED_IDS = 10_000;
const remembered = new LruMap<string, string>(MAX_REMEMBERED_IDS);
const rememberedKey = (projectId: string, ec2Id: string) => `${projectId} ${ec2Id}`;

/** The remembered UUIDs of all these ids (EC2 id -> UUID), or undefined unless every one is remembered. */
export function rememberedUuids(projectId: string, ec2Ids: string[]): Map<string, string> | undefined {
  const out = new Map<string, string>();
  for (const id of ec2Ids) {
    const uuid = remembered.get(rememberedKey(projectId, id));
    if (uuid === undefined) return undefined;
    out.set(id, uuid);
  }
  return out;
}

/** Remembers pairs the table just answered. */
export function rememberUuids(projectId: string, byId: Map<string, string>): void {
  for (const [ec2Id, uuid] of byId) remembered.set(rememberedKey(projectId, ec2Id), uuid);
}

/** Forgets remembered pairs of ids found gone. */
export function forgetRememberedUuids(projectId: string, ec2Ids: string[]): void {
  for (const id of ec2Ids) remembered.delete(rememberedKey(projectId, id));
}

/** Resolves ids that must exist, with AWS's Malformed and NotFound codes. */
export async function requireUuids(
  store: StateStore,
  ec2Ids: string[],
  prefixes: readonly string[],
  errors: IdErrors,
): Promise<Map<string, string>> {
  for (const id of ec2Ids) assertEc2Id(id, prefixes, errors);
  const found = await uuidsOf(store, ec2Ids);
  const missing = ec2Ids.filter((id) => !found.has(id));
  if (missing.length) {
    const err = notFound(errors.notFound, missing.join(', '), errors.noun);
    if (missing.length > 1) err.message = `The ${errors.noun} IDs '${missing.join(', ')}' do not exist`;
    throw err;
  }
  return found;
}

export async function requireUuid(store: StateStore, ec2Id: string, prefixes: readonly string[], errors: IdErrors) {
  return (await requireUuids(store, [ec2Id], prefixes, errors)).get(ec2Id)!;
}

/** Every mapping of one resource type: EC2 id -> UUID, with the time it was made. */
export async function mappingsOf(
  store: StateStore,
  type: ResourceType,
): Promise<Array<{ ec2Id: string; uuid: string; createdAt: number }>> {
  return (await store.query(`os#${type}#`)).flatMap((r) =>
    r.ec2Id && r.uuid ? [{ ec2Id: r.ec2Id, uuid: r.uuid, createdAt: r.createdAt ?? 0 }] : [],
  );
}

/**
 * EC2 ids of many resources of one type from the type's mappings read whole (one query, cheaper
 * than a key per resource on big listings); the missing ones are made.
 */
export async function ec2IdsFromMappings(
  store: StateStore,
  type: ResourceType,
  uuids: string[],
  mappings: Array<{ ec2Id: string; uuid: string }>,
  prefixFor?: (uuid: string) => IdPrefix,
): Promise<Map<string, string>> {
  const wanted = new Set(uuids);
  const out = new Map(mappings.filter((m) => wanted.has(m.uuid)).map((m) => [m.uuid, m.ec2Id]));
  for (const [uuid, id] of await createMissingMappings(store, type, uuids.filter((u) => !out.has(u)), prefixFor)) out.set(uuid, id);
  return out;
}

/** Forgets an EC2 id (its mapping in both directions); tags are removed by the caller's tag store. */
export async function forgetMapping(store: StateStore, type: ResourceType, ec2Id: string, uuid: string): Promise<void> {
  await store.deleteMany([idKey(ec2Id), osKey(type, uuid)]);
}

/** Records a mapping for a resource we just created, with an id we chose. */
export async function recordMapping(store: StateStore, type: ResourceType, uuid: string, prefix?: IdPrefix): Promise<string> {
  return createMapping(store, type, uuid, prefix ?? ID_PREFIXES[type][0]);
}

/** Records the mapping of a resource we just created under an EC2 id chosen beforehand (to name it in OpenStack). */
export async function recordMappingAs(store: StateStore, type: ResourceType, uuid: string, ec2Id: string): Promise<void> {
  const won = await store.put(osKey(type, uuid), { ec2Id, uuid }, { ifAbsent: true });
  if (!won) throw new Error(`${type} ${uuid} already has an EC2 id`);
  await store.put(idKey(ec2Id), { uuid, ec2Id });
}

/**
 * Ends an EC2 id at once (the resource was deleted through EC2): the id no longer resolves, while
 * its UUID -> id item stays so a listing that still shows the resource (Cinder's `deleting`) shows
 * it under the same id instead of minting a new one; the describe engine forgets that item when
 * OpenStack no longer lists the resource.
 */
export async function forgetEc2Id(store: StateStore, ec2Id: string): Promise<void> {
  await store.delete(idKey(ec2Id));
}

/** The EC2 id an OpenStack resource already has, without making one. */
export async function existingEc2Id(store: StateStore, type: ResourceType, uuid: string): Promise<string | undefined> {
  return (await store.get(osKey(type, uuid)))?.ec2Id;
}

/** Forgets the mapping of an OpenStack resource known to be gone, if it has one. */
export async function forgetUuid(store: StateStore, type: ResourceType, uuid: string): Promise<void> {
  const existing = await store.get(osKey(type, uuid));
  await store.deleteMany(existing?.ec2Id ? [idKey(existing.ec2Id), osKey(type, uuid)] : [osKey(type, uuid)]);
}

/** Region ids of shared images (UUID -> id) this container has read or written, per region partition; bounded, oldest out. */
const MAX_REGION_IDS = 10_000;
const regionIdsOf = new WeakMap<StateStore, LruMap<string, string>>();
function regionIdsFor(region: StateStore): LruMap<string, string> {
  let ids = regionIdsOf.get(region);
  if (!ids) regionIdsOf.set(region, (ids = new LruMap(MAX_REGION_IDS)));
  return ids;
}

/**
 * One AMI id in the region for an image every project may see (public, community, or shared with
 * members), as on AWS, where sites publish "launch ami-…" for all their users. The id lives in
 * the region-wide partition: the first project to see the image gives it its id (the owner's, when
 * the owner sees it first), and a project that knew it under an id of its own takes the region's
 * (its tags move along). Private images never reach that partition: their ids stay the project's.
 * Answers whether this project's mappings changed.
 */
export async function shareImageIds(
  store: StateStore,
  images: Array<{ uuid: string; prefix: IdPrefix }>,
  projectMappings?: Promise<Array<{ ec2Id: string; uuid: string }>>,
): Promise<boolean> {
  const region = store.region;
  if (!region || images.length === 0) return false;
  let changed = false;
  const regionIds = regionIdsFor(region);
  // A region id never changes once written: those this container has seen need no read. The
  // project's own ids come from its image mappings when the caller is reading them anyway.
  const unseen = images.filter((i) => !regionIds.has(i.uuid)).map((i) => osKey('image', i.uuid));
  const [regional, local] = await Promise.all([
    unseen.length ? region.getMany(unseen) : new Map<string, StateRecord>(),
    projectMappings
      ? projectMappings.then((ms) => new Map(ms.map((m) => [osKey('image', m.uuid), { ec2Id: m.ec2Id } as Pick<StateRecord, 'ec2Id'>])))
      : store.getMany(images.map((i) => osKey('image', i.uuid))),
  ]);
  for (const record of regional.values()) if (record.ec2Id && record.uuid) regionIds.set(record.uuid, record.ec2Id);
  for (const { uuid, prefix } of images) {
    const key = osKey('image', uuid);
    const mine = local.get(key)?.ec2Id;
    let shared = regionIds.get(uuid) ?? regional.get(key)?.ec2Id;
    if (!shared) {
      const candidate = mine ?? newEc2Id(prefix);
      if (await region.put(key, { ec2Id: candidate, uuid }, { ifAbsent: true })) {
        await region.put(idKey(candidate), { uuid, ec2Id: candidate });
        shared = candidate;
      } else {
        shared = (await region.get(key))?.ec2Id;
      }
      if (shared) regionIds.set(uuid, shared);
    }
    if (!shared || shared === mine) continue;
    if (mine) {
      const tags = (await tagsOf(store, [mine])).get(mine) ?? [];
      if (tags.length) await putTags(store, [shared], tags);
      await forgetTags(store, mine);
      await store.delete(idKey(mine));
    }
    await store.put(key, { ec2Id: shared, uuid });
    await store.put(idKey(shared), { uuid, ec2Id: shared });
    changed = true;
  }
  return changed;
}

export interface ClaimOptions {
  /**
   * The id to claim for a UUID (else a new random one): a caller that prepares work under the ids
   * it expects to win keeps that work when they do.
   */
  candidates?: Map<string, string>;
  /** Claims in flight at once (16 unless said). */
  concurrency?: number;
}

/**
 * EC2 ids for resources this request has just created (RunInstances' servers): each UUID's claim is
 * written with a condition as `createMapping` does (a describe racing us may have named it first,
 * and then its id is kept), but the reverse items are returned to be written in one batch with the
 * caller's own records. `onClaimed` reports each claim as it lands, so a rollback knows what to forget.
 */
export async function claimNewEc2Ids(
  store: StateStore,
  type: ResourceType,
  uuids: string[],
  prefix: IdPrefix,
  onClaimed: (uuid: string, ec2Id: string) => void,
  options: ClaimOptions = {},
): Promise<{ ec2Ids: Map<string, string>; reverseItems: PutEntry[] }> {
  const ec2Ids = new Map<string, string>();
  const concurrency = options.concurrency ?? 16;
  for (let i = 0; i < uuids.length; i += concurrency) {
    await Promise.all(
      uuids.slice(i, i + concurrency).map(async (uuid) => {
        const candidate = options.candidates?.get(uuid) ?? newEc2Id(prefix);
        const won = await store.put(osKey(type, uuid), { ec2Id: candidate, uuid }, { ifAbsent: true });
        const ec2Id = won ? candidate : (await store.get(osKey(type, uuid)))?.ec2Id;
        if (!ec2Id) throw new Error(`id mapping for ${type} ${uuid} vanished while it was being created`);
        ec2Ids.set(uuid, ec2Id);
        onClaimed(uuid, ec2Id);
      }),
    );
  }
  const reverseItems = [...ec2Ids].map(([uuid, ec2Id]): PutEntry => ({ key: idKey(ec2Id), fields: { uuid, ec2Id } }));
  return { ec2Ids, reverseItems };
}
