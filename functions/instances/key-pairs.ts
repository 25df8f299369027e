/**
 * EC2 key pairs over Nova key pairs. Nova keeps the key (per user, by name); the table keeps what
 * EC2 adds: the `key-…` id (an id mapping of type 'key-pair' whose "uuid" is `<user id>:<name>`,
 * since a Nova key pair has no UUID), the fingerprint EC2 shows (which depends on whether EC2
 * created or imported the key), the key type, the creation time and tags.
 *
 * A name can be re-created: a key pair deleted through EC2 forgets its id, and a name that holds
 * another public key than the one recorded (deleted and re-created directly in Nova) is a new key
 * pair with a new id.
 *
 * Table items: the id mapping (`os#key-pair#<user>:<name>`, `id#key-…`) as for every type, and the
 * record `keypair#<key-id>`, which also carries its mapping (`uuid`, `ec2Id`), so that a listing
 * reads ids and records with one query instead of two. Records written before they carried it
 * (an earlier release) are read with the mappings and rewritten with them on first sight.
 */
import { createHash } from 'node:crypto';
import type { ActionContext } from '../../lib/context.js';
import { compileFilters } from '../../lib/describe/filters.js';
import { select } from '../../lib/describe/select.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { novaKeypairs, type NovaKeypair, type NovaKeypairs } from '../../lib/openstack/nova-keypairs.js';
import { Ec2Error, invalidParameterValue, notFound } from '../../lib/protocol/errors.js';
import { operation } from '../../lib/protocol/model.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import {
  ID_PREFIXES,
  assertEc2Id,
  createMissingMappings,
  existingEc2Id,
  forgetMapping,
  mappingsOf,
  recordMapping,
  uuidsOf,
} from '../../lib/store/ids.js';
import type { PutOptions, StateStore } from '../../lib/store/project-store.js';
import type { StateRecord } from '../../lib/store/table.js';
import { forgetTags, putTags, tagsByIdPrefix, validateTags, type Tag } from '../../lib/store/tags.js';
import type { DescribeKeyPairsRequest, KeyPairInfo, KeyType, TagSpecification } from '../../schemas/types.js';
import { importedFingerprint } from './key-fingerprints.js';
import { fromBlob, openSshLine, type SshPublicKey } from './public-keys.js';

export interface KeyPairRecord {
  keyType?: KeyType;
  fingerprint: string;
  createTime: string;
  /** SHA-256 of the public key Nova holds under the name when this record was made. */
  publicKeyDigest: string;
}

interface KnownKeyPair {
  ec2Id: string;
  record: KeyPairRecord;
  nova: NovaKeypair;
}

const TYPE = 'key-pair';
const PREFIXES = ID_PREFIXES[TYPE];
const ERRORS = ID_ERRORS[TYPE];
/** Mappings younger than this survive a listing that lacks their key (a create in flight). */
const PRUNE_GRACE_MS = 120_000;
const MAX_NAME_LENGTH = 255;
/** What Nova accepts in a key pair name (microversion 2.92; '.' and '@' need it). */
const NOVA_NAME = /^[A-Za-z0-9_.@ -]+$/;

const RECORD_PREFIX = 'keypair#';
const recordKey = (ec2Id: string) => `${RECORD_PREFIX}${ec2Id}`;
const uuidFor = (ctx: ActionContext, name: string) => `${ctx.caller.userId}:${name}`;

export const keypairsOf = (ctx: ActionContext): NovaKeypairs => novaKeypairs(ctx.openstack.nova);

export const keyPairNotFound = (name: string) =>
  new Ec2Error('InvalidKeyPair.NotFound', `The key pair '${name}' does not exist`);

export const keyPairDuplicate = (name: string) =>
  new Ec2Error('InvalidKeyPair.Duplicate', `The keypair '${name}' already exists.`);

export const keyPairLimitExceeded = () =>
  new Ec2Error('ResourceLimitExceeded', 'You have reached the maximum number of key pairs of this cloud.');

/** EC2 allows up to 255 ASCII characters; Nova stores letters, digits, space and `_ - . @`. */
export function validateKeyName(name: string): void {
  if (!name) throw invalidParameterValue('The key pair name must not be empty');
  if (name.length > MAX_NAME_LENGTH || !/^[\x20-\x7e]+$/.test(name)) {
    throw invalidParameterValue(`Value (${name}) for parameter keyName is invalid. Expecting up to ${MAX_NAME_LENGTH} ASCII characters.`);
  }
  if (!NOVA_NAME.test(name) || name.trim() !== name) {
    throw invalidParameterValue(
      `Value (${name}) for parameter keyName is invalid. Key pair names on this cloud use letters, digits, spaces (not at either end) and the characters _ - . @`,
    );
  }
}

/** The tags of TagSpecification.N for a key pair; any other resource type is refused as AWS does. */
export function keyPairTags(specifications: TagSpecification[] | undefined): Tag[] {
  const tags: Tag[] = [];
  for (const spec of specifications ?? []) {
    if (spec.ResourceType !== TYPE) {
      throw invalidParameterValue(`'${spec.ResourceType ?? ''}' is not a valid taggable resource type for this operation.`);
    }
    tags.push(...validateTags(spec.Tags ?? []));
  }
  return tags;
}

/** Throws InvalidKeyPair.Duplicate when the caller already has a key pair of this name. */
export async function assertNameFree(keypairs: NovaKeypairs, name: string): Promise<void> {
  if (await mapErrors(() => keypairs.get(name))) throw keyPairDuplicate(name);
}

/** Stores a public key in Nova under the name, answering EC2's codes for a taken name or the quota. */
export function createInNova(keypairs: NovaKeypairs, name: string, publicKey: string): Promise<NovaKeypair> {
  return mapErrors(() => keypairs.create(name, publicKey), {
    conflict: () => keyPairDuplicate(name),
    quota: () => keyPairLimitExceeded(),
  });
}

/** The base64 key of an OpenSSH public key line ("type base64 [comment]"). */
const blobOfLine = (line: string) => /^\s*\S+\s+([A-Za-z0-9+/]+={0,2})/.exec(line)?.[1];

/** Identifies a public key however Nova formats the line around it. */
export function publicKeyDigest(publicKey: string): string {
  const blob = blobOfLine(publicKey);
  return createHash('sha256').update(blob ? Buffer.from(blob, 'base64') : Buffer.from(publicKey.trim())).digest('hex');
}

/** What EC2 shows for a key pair it did not create itself (imported, or made directly in Nova). */
export function recordFromNova(keypair: NovaKeypair, createdAt: string | undefined): KeyPairRecord {
  const base = { createTime: isoTime(createdAt), publicKeyDigest: publicKeyDigest(keypair.public_key) };
  const blob = blobOfLine(keypair.public_key);
  try {
    const key = fromBlob(Buffer.from(blob ?? '', 'base64'));
    return { ...base, keyType: key.type, fingerprint: importedFingerprint(key) };
  } catch {
    // A key type EC2 does not have (ECDSA, x509): Nova's own MD5 fingerprint is the best there is.
    return { ...base, fingerprint: keypair.fingerprint };
  }
}

function isoTime(value: string | undefined): string {
  if (!value) return new Date().toISOString();
  // Nova answers naive UTC times ("2026-11-22T04:57:01.000000").
  const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(date.getTime()) ? new Date().toISOString() : date.toISOString();
}

async function mappingOf(store: StateStore, uuid: string): Promise<{ ec2Id: string; uuid: string } | undefined> {
  const ec2Id = await existingEc2Id(store, TYPE, uuid);
  return ec2Id ? { ec2Id, uuid } : undefined;
}

/** Writes a key pair's record with its mapping on the same item (see the key layout above). */
function putRecord(store: StateStore, ec2Id: string, uuid: string, record: KeyPairRecord, options?: PutOptions): Promise<boolean> {
  return store.put(recordKey(ec2Id), { data: JSON.stringify(record), uuid, ec2Id }, options);
}

/** Forgets a key pair's id, its record and its tags. */
async function forget(store: StateStore, ec2Id: string, uuid: string): Promise<void> {
  await forgetTags(store, ec2Id);
  await store.delete(recordKey(ec2Id));
  await forgetMapping(store, TYPE, ec2Id, uuid);
}

/**
 * Gives a key pair just stored in Nova its id, record and tags. A mapping left by an earlier key
 * of the same name is forgotten; one a concurrent describe just made for this very key is kept.
 */
export async function registerKeyPair(ctx: ActionContext, name: string, record: KeyPairRecord, tags: Tag[]): Promise<string> {
  const uuid = uuidFor(ctx, name);
  const existing = await mappingOf(ctx.store, uuid);
  if (existing) {
    const previous = await ctx.store.getJson<KeyPairRecord>(recordKey(existing.ec2Id));
    if (previous && previous.publicKeyDigest === record.publicKeyDigest) {
      await putRecord(ctx.store, existing.ec2Id, uuid, record);
      if (tags.length) await putTags(ctx.store, [existing.ec2Id], tags);
      return existing.ec2Id;
    }
    await forget(ctx.store, existing.ec2Id, uuid);
  }
  const ec2Id = await recordMapping(ctx.store, TYPE, uuid);
  await putRecord(ctx.store, ec2Id, uuid, record);
  if (tags.length) await putTags(ctx.store, [ec2Id], tags);
  return ec2Id;
}

/** Undoes registerKeyPair (when the action fails after Nova stored the key). */
export async function unregisterKeyPair(ctx: ActionContext, name: string): Promise<void> {
  const uuid = uuidFor(ctx, name);
  const existing = await mappingOf(ctx.store, uuid);
  if (existing) await forget(ctx.store, existing.ec2Id, uuid);
}

/** Everything the table knows about the project's key pairs, read beside Nova's listing. */
interface TableSnapshot {
  /** The id mappings (from the records that carry them, or the mapping items themselves). */
  mappings: Array<{ ec2Id: string; uuid: string; createdAt: number }>;
  /** Records by item key. */
  records: Map<string, KeyPairRecord>;
  tags: Map<string, Tag[]>;
  /** Records of ids that have no mapping (a record written while its key pair was being deleted). */
  strays: Array<{ key: string; createdAt: number }>;
}

/**
 * Two queries, beside Nova's listing: the records with their mappings, and the key pairs' tags.
 * When a record lacks its mapping (written by an earlier release) or two records claim one key
 * pair (a race of describe and delete), the mapping items decide: they are read too, and records
 * are rewritten with their mapping, so the next listing needs the two queries again.
 */
async function readTable(store: StateStore): Promise<TableSnapshot> {
  const [items, tags] = await Promise.all([store.query(RECORD_PREFIX), tagsByIdPrefix(store, PREFIXES)]);
  const withData = items.filter((r): r is StateRecord & { data: string } => r.data !== undefined);
  const records = new Map(withData.map((r) => [r.key, JSON.parse(r.data) as KeyPairRecord]));
  const carrying = withData.filter((r) => r.uuid !== undefined && r.ec2Id !== undefined && r.key === recordKey(r.ec2Id));
  if (carrying.length === withData.length && new Set(carrying.map((r) => r.uuid)).size === carrying.length) {
    const mappings = carrying.map((r) => ({ ec2Id: r.ec2Id!, uuid: r.uuid!, createdAt: r.createdAt ?? 0 }));
    return { mappings, records, tags, strays: [] };
  }
  const mappings = await mappingsOf(store, TYPE);
  const byId = new Map(mappings.map((m) => [m.ec2Id, m]));
  const strays: TableSnapshot['strays'] = [];
  await Promise.all(
    withData.map(async (r) => {
      const ec2Id = r.key.slice(RECORD_PREFIX.length);
      const mapping = byId.get(ec2Id);
      if (!mapping) {
        records.delete(r.key);
        strays.push({ key: r.key, createdAt: r.createdAt ?? 0 });
      } else if (r.uuid !== mapping.uuid || r.ec2Id !== ec2Id) {
        await store.put(r.key, { data: r.data, uuid: mapping.uuid, ec2Id, createdAt: r.createdAt });
      }
    }),
  );
  return { mappings, records, tags, strays };
}

/**
 * Ids and records for key pairs Nova listed: made on first sight (with the creation time Nova
 * keeps), renewed when the name now holds another key. With the complete listing, ids of this
 * user's key pairs that Nova no longer has are forgotten.
 */
async function knownKeyPairs(
  ctx: ActionContext,
  keypairs: NovaKeypairs,
  listed: NovaKeypair[],
  table: TableSnapshot,
  complete: boolean,
): Promise<KnownKeyPair[]> {
  const uuids = listed.map((k) => uuidFor(ctx, k.name));
  const wanted = new Set(uuids);
  const ids = new Map(table.mappings.filter((m) => wanted.has(m.uuid)).map((m) => [m.uuid, m.ec2Id]));
  // A key pair without a record may still have a mapping (its registration was cut short): the
  // conditional write of a new mapping then answers the existing id.
  const missing = uuids.filter((u) => !ids.has(u));
  for (const [uuid, ec2Id] of await createMissingMappings(ctx.store, TYPE, missing)) ids.set(uuid, ec2Id);
  const records = table.records;
  const known = await Promise.all(
    listed.map(async (nova): Promise<KnownKeyPair> => {
      const uuid = uuidFor(ctx, nova.name);
      let ec2Id = ids.get(uuid)!;
      let record = records.get(recordKey(ec2Id));
      if (record && record.publicKeyDigest !== publicKeyDigest(nova.public_key)) {
        await forget(ctx.store, ec2Id, uuid);
        ec2Id = await recordMapping(ctx.store, TYPE, uuid);
        record = undefined;
      }
      if (!record) {
        const detail = await mapErrors(() => keypairs.get(nova.name));
        const fresh = recordFromNova(nova, detail?.created_at);
        // A CreateKeyPair finishing meanwhile writes the authoritative record: never overwrite it.
        const written = await putRecord(ctx.store, ec2Id, uuid, fresh, { ifAbsent: true });
        record = written ? fresh : ((await ctx.store.getJson<KeyPairRecord>(recordKey(ec2Id))) ?? fresh);
      }
      return { ec2Id, record, nova };
    }),
  );
  if (complete) await pruneGone(ctx, table, uuids);
  return known;
}

async function pruneGone(ctx: ActionContext, table: TableSnapshot, present: string[]): Promise<void> {
  const mine = `${ctx.caller.userId}:`;
  const listed = new Set(present);
  const old = (createdAt: number) => Date.now() - createdAt > PRUNE_GRACE_MS;
  const gone = table.mappings.filter((m) => m.uuid.startsWith(mine) && !listed.has(m.uuid) && old(m.createdAt));
  const strays = table.strays.filter((s) => old(s.createdAt)).map((s) => s.key);
  await Promise.all([...gone.map((m) => forget(ctx.store, m.ec2Id, m.uuid)), strays.length ? ctx.store.deleteMany(strays) : undefined]);
}

const FILTERS = {
  'key-name': (k: KeyPairInfo) => k.KeyName,
  'key-pair-id': (k: KeyPairInfo) => k.KeyPairId,
  fingerprint: (k: KeyPairInfo) => k.KeyFingerprint,
  'key-type': (k: KeyPairInfo) => k.KeyType,
};

export async function describeKeyPairs(
  ctx: ActionContext,
  keypairs: NovaKeypairs,
  input: DescribeKeyPairsRequest,
): Promise<KeyPairInfo[]> {
  compileFilters(input.Filters, FILTERS, operation('DescribeKeyPairs').filters);
  const names = [...new Set(input.KeyNames ?? [])];
  const ids = [...new Set(input.KeyPairIds ?? [])];
  for (const id of ids) assertEc2Id(id, PREFIXES, ERRORS);
  const named = names.length > 0 || ids.length > 0;
  // The table's key pair items are read beside Nova's answer, in one round.
  const [listing, uuidById, table] = await Promise.all([
    mapErrors(() => keypairs.list()),
    ids.length ? uuidsOf(ctx.store, ids) : Promise.resolve(new Map<string, string>()),
    readTable(ctx.store),
  ]);
  const byName = new Map(listing.map((k) => [k.name, k]));
  const missingName = names.find((n) => !byName.has(n));
  if (missingName !== undefined) throw keyPairNotFound(missingName);
  const mine = `${ctx.caller.userId}:`;
  const idNames = ids.map((id) => {
    const uuid = uuidById.get(id);
    const name = uuid?.startsWith(mine) ? uuid.slice(mine.length) : undefined;
    if (name === undefined || !byName.has(name)) throw notFound(ERRORS.notFound, id, ERRORS.noun);
    return name;
  });

  const wanted = new Set([...names, ...idNames]);
  const listed = named ? listing.filter((k) => wanted.has(k.name)) : listing;
  const known = await knownKeyPairs(ctx, keypairs, listed, table, !named);
  const missingId = ids.find((id) => !known.some((k) => k.ec2Id === id));
  if (missingId) throw notFound(ERRORS.notFound, missingId, ERRORS.noun);

  const tags = table.tags;
  const items: KeyPairInfo[] = known.map((k) => ({
    KeyPairId: k.ec2Id,
    KeyFingerprint: k.record.fingerprint,
    KeyName: k.nova.name,
    KeyType: k.record.keyType,
    Tags: tags.get(k.ec2Id) ?? [],
    CreateTime: k.record.createTime,
    ...(input.IncludePublicKey ? { PublicKey: k.nova.public_key.trim() } : {}),
  }));
  return select(
    'DescribeKeyPairs',
    items,
    { filters: FILTERS, keyOf: (k) => k.KeyName ?? '', tagsOf: (k) => tags.get(k.KeyPairId!) ?? [], hasIds: named },
    { filters: input.Filters },
  ).items;
}

/**
 * DeleteKeyPair: by name, or by id (which names the key pair it was given to: if that name now
 * holds another key, the id's key pair is already gone and the other key is left alone). A key
 * pair that does not exist is no error, as in EC2.
 */
export async function deleteKeyPair(
  ctx: ActionContext,
  keypairs: NovaKeypairs,
  target: { name?: string; id?: string },
): Promise<void> {
  let name = target.name;
  let mapping: { ec2Id: string; uuid: string } | undefined;
  if (target.id) {
    assertEc2Id(target.id, PREFIXES, ERRORS);
    const uuid = (await uuidsOf(ctx.store, [target.id])).get(target.id);
    const mine = `${ctx.caller.userId}:`;
    if (!uuid?.startsWith(mine)) return;
    mapping = { ec2Id: target.id, uuid };
    name = uuid.slice(mine.length);
    const [current, record] = await Promise.all([
      mapErrors(() => keypairs.get(name!)),
      ctx.store.getJson<KeyPairRecord>(recordKey(target.id)),
    ]);
    if (current && record && record.publicKeyDigest !== publicKeyDigest(current.public_key)) {
      await forget(ctx.store, mapping.ec2Id, mapping.uuid);
      return;
    }
  }
  if (name === undefined) return;
  mapping ??= await mappingOf(ctx.store, uuidFor(ctx, name));
  await mapErrors(() => keypairs.delete(name!));
  if (mapping) await forget(ctx.store, mapping.ec2Id, mapping.uuid);
}

/** What CreateKeyPair and ImportKeyPair check before anything is made (DryRun stops after these). */
export async function checkNewKeyPair(
  ctx: ActionContext,
  input: { KeyName: string; TagSpecifications?: TagSpecification[]; DryRun?: boolean },
  checks: { afterName?: () => void; key?: () => void } = {},
): Promise<void> {
  validateKeyName(input.KeyName);
  checks.afterName?.();
  keyPairTags(input.TagSpecifications);
  checks.key?.();
  // Without DryRun, Nova's own refusal of a taken name answers the same, one call sooner.
  if (input.DryRun) await assertNameFree(keypairsOf(ctx), input.KeyName);
}

/**
 * Stores a new key pair (created or imported): the public key in Nova under the name, its EC2 id,
 * record and tags in the table. Nothing half made stays behind: when the table refuses, Nova's
 * copy and the mapping go again.
 */
export async function storeKeyPair(
  ctx: ActionContext,
  input: { KeyName: string; TagSpecifications?: TagSpecification[] },
  key: SshPublicKey,
  fingerprint: string,
): Promise<{ KeyPairId: string; KeyName: string; KeyFingerprint: string; Tags: Tag[] }> {
  const keypairs = keypairsOf(ctx);
  const tags = keyPairTags(input.TagSpecifications);
  const stored = await createInNova(keypairs, input.KeyName, openSshLine(key, input.KeyName));
  try {
    const record = { keyType: key.type, fingerprint, createTime: new Date().toISOString(), publicKeyDigest: publicKeyDigest(stored.public_key) };
    const keyPairId = await registerKeyPair(ctx, input.KeyName, record, tags);
    return { KeyPairId: keyPairId, KeyName: input.KeyName, KeyFingerprint: fingerprint, Tags: tags };
  } catch (error) {
    await keypairs.delete(input.KeyName).catch(() => undefined);
    await unregisterKeyPair(ctx, input.KeyName).catch(() => undefined);
    throw error;
  }
}
