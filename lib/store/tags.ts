/** Tags of EC2 resources, stored per project as `tag#<ec2-id>#<key>` items. */
import { Ec2Error, invalidParameterValue } from '../protocol/errors.js';
import type { PutEntry, StateStore } from './project-store.js';

export interface Tag {
  Key: string;
  Value: string;
}

export interface TagFilter {
  Key?: string;
  Value?: string;
}

const MAX_TAGS_PER_RESOURCE = 50;
const tagKey = (ec2Id: string, key: string) => `tag#${ec2Id}#${key}`;

/** `tag#<ec2-id>#<key>`: ids never contain '#', so everything after the second '#' is the key. */
export function parseTagKey(itemKey: string): { resourceId: string; key: string } {
  const rest = itemKey.slice('tag#'.length);
  const at = rest.indexOf('#');
  return { resourceId: rest.slice(0, at), key: rest.slice(at + 1) };
}

/** AWS's limits on tags: key 1–127 characters, value up to 255, no `aws:` prefix. */
export function validateTags(tags: Array<{ Key?: string; Value?: string }>): Tag[] {
  return tags.map((tag) => {
    const key = tag.Key;
    if (key === undefined || key === '') throw new Ec2Error('InvalidParameterValue', 'Tag keys must not be empty');
    if ([...key].length > 127) throw invalidParameterValue(`Tag key exceeds the maximum length of 127 characters: ${key}`);
    if (key.toLowerCase().startsWith('aws:')) {
      throw invalidParameterValue(`Tag keys starting with 'aws:' are reserved for internal use: ${key}`);
    }
    const value = tag.Value ?? '';
    if ([...value].length > 255) throw invalidParameterValue(`Tag value exceeds the maximum length of 255 characters: ${key}`);
    return { Key: key, Value: value };
  });
}

function group(records: Array<{ key: string; value?: string }>): Map<string, Tag[]> {
  const out = new Map<string, Tag[]>();
  for (const r of records) {
    const { resourceId, key } = parseTagKey(r.key);
    const list = out.get(resourceId) ?? [];
    list.push({ Key: key, Value: r.value ?? '' });
    out.set(resourceId, list);
  }
  return out;
}

/** Up to this many resources, a query each; past it, one bounded query of their type's tags. */
const TAG_QUERIES_PER_ID_MAX = 3;
/** Tag items read per resource asked for before a type's tags are too many to read whole. */
const TYPE_TAGS_PER_ID = 25;

/**
 * Tags of the given resources of one type (the describe engine's ids). Each table call costs this
 * process about a millisecond of CPU, so for more than a few ids one query of the type's tags,
 * kept to these ids, beats a query each; unless the type has many more tags than that (a page of
 * 25 items per id is read first), then it is a query each after all.
 */
export async function tagsOfIds(store: StateStore, ec2Ids: string[], idPrefixes: readonly string[]): Promise<Map<string, Tag[]>> {
  const unique = [...new Set(ec2Ids)];
  const shared = idPrefixes.length === 1 ? `${idPrefixes[0]}-` : commonStart(idPrefixes.map((p) => `${p}-`));
  if (unique.length <= TAG_QUERIES_PER_ID_MAX || !shared) return tagsOf(store, unique);
  const page = await store.queryPage(`tag#${shared}`, TYPE_TAGS_PER_ID * unique.length);
  if (page.lastKey) return tagsOf(store, unique);
  const wanted = new Set(unique);
  return group(page.items.filter((r) => wanted.has(parseTagKey(r.key).resourceId)));
}

/** Tags of the given resources: one query per resource. */
export async function tagsOf(store: StateStore, ec2Ids: string[]): Promise<Map<string, Tag[]>> {
  const records = await Promise.all([...new Set(ec2Ids)].map((id) => store.query(`tag#${id}#`)));
  return group(records.flat());
}

/**
 * Tags of every resource whose id has one of `idPrefixes` (e.g. `i` for `i-…`). Several prefixes
 * (ami, aki, ari) are read with one query on what they share (`tag#a`), keeping only theirs.
 */
export async function tagsByIdPrefix(store: StateStore, idPrefixes: readonly string[]): Promise<Map<string, Tag[]>> {
  const shared = idPrefixes.length > 1 ? commonStart(idPrefixes.map((p) => `${p}-`)) : '';
  if (!shared) return group((await Promise.all(idPrefixes.map((p) => store.query(`tag#${p}-`)))).flat());
  const wanted = new Set(idPrefixes);
  const records = await store.query(`tag#${shared}`);
  return group(records.filter((r) => wanted.has(parseTagKey(r.key).resourceId.split('-')[0]!)));
}

function commonStart(values: string[]): string {
  if (values.length === 0) return '';
  let end = 0;
  while (values.every((v) => end < v.length && v[end] === values[0]![end])) end++;
  return values[0]!.slice(0, end);
}

/** Every tag of the project. */
export async function allTags(store: StateStore): Promise<Map<string, Tag[]>> {
  return group(await store.query('tag#'));
}

/** Adds or overwrites tags on each resource, keeping AWS's limit of 50 tags per resource. */
export async function putTags(store: StateStore, ec2Ids: string[], tags: Tag[]): Promise<void> {
  const existing = await tagsOf(store, ec2Ids);
  for (const id of ec2Ids) {
    const keys = new Set((existing.get(id) ?? []).map((t) => t.Key));
    for (const t of tags) keys.add(t.Key);
    if (keys.size > MAX_TAGS_PER_RESOURCE) {
      throw new Ec2Error('TagLimitExceeded', `The maximum number of tags for resource ${id} has been reached (${MAX_TAGS_PER_RESOURCE}).`);
    }
  }
  await Promise.all(ec2Ids.flatMap((id) => tags.map((t) => store.put(tagKey(id, t.Key), { value: t.Value, ec2Id: id }))));
}

/**
 * Deletes tags as DeleteTags does: no filter deletes every tag of the resources; a key alone deletes
 * that key whatever its value; a key with a value (even "") deletes it only when the value matches.
 */
export async function deleteTags(store: StateStore, ec2Ids: string[], filters?: TagFilter[]): Promise<void> {
  const existing = await tagsOf(store, ec2Ids);
  const doomed: string[] = [];
  for (const id of ec2Ids) {
    for (const tag of existing.get(id) ?? []) {
      const matches =
        !filters?.length ||
        filters.some((f) => (f.Key === undefined || f.Key === tag.Key) && (f.Value === undefined || f.Value === tag.Value));
      if (matches) doomed.push(tagKey(id, tag.Key));
    }
  }
  await store.deleteMany(doomed);
}

/** Removes every tag of a resource that no longer exists. */
export async function forgetTags(store: StateStore, ec2Id: string): Promise<void> {
  await deleteTags(store, [ec2Id]);
}

/**
 * The tag items of resources created by this very request (nobody can have tagged them yet), to be
 * written in one batch with the request's other records instead of read-then-put per tag.
 */
export function newResourceTagItems(ec2Ids: string[], tags: Tag[]): PutEntry[] {
  if (new Set(tags.map((t) => t.Key)).size > MAX_TAGS_PER_RESOURCE) {
    throw new Ec2Error('TagLimitExceeded', `The maximum number of tags for a resource has been reached (${MAX_TAGS_PER_RESOURCE}).`);
  }
  return ec2Ids.flatMap((id) => tags.map((t): PutEntry => ({ key: tagKey(id, t.Key), fields: { value: t.Value, ec2Id: id } })));
}
