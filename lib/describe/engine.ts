/**
 * The generic Describe* mechanism. A resource declares how to list it from OpenStack, how to format
 * it and which filters read which fields; the engine does the rest: id validation and resolution,
 * EC2 ids for resources seen for the first time, tags, filters, paging, and forgetting ids whose
 * resource is gone.
 */
import type { ActionContext } from '../context.js';
import { deferred } from '../deferred.js';
import { operation } from '../protocol/model.js';
import { notFound } from '../protocol/errors.js';
import {
  ID_PREFIXES,
  assertEc2Id,
  createMissingMappings,
  ec2IdsFromMappings,
  ec2IdsFor,
  forgetMapping,
  forgetRememberedUuids,
  mappingsOf,
  rememberUuids,
  rememberedUuids,
  uuidsOf,
  type IdErrors,
  type IdPrefix,
  type ResourceType,
} from '../store/ids.js';
import { forgetTags, tagsByIdPrefix, tagsOfIds, type Tag } from '../store/tags.js';
import { compileFilters, type Filter, type FilterSpec } from './filters.js';
import { DEFAULT_PAGING, checkMaxResults, type PagingRules } from './paging.js';
import { select } from './select.js';

export interface ListQuery {
  /** Set when the caller asked for specific resources: their OpenStack UUIDs. */
  uuids?: string[];
  /** The request's filters, for resources that can push some down to OpenStack. */
  filters: Filter[];
  /** For listings: the type's id mappings in this project, being read beside the listing. */
  mappings?: Promise<Array<{ ec2Id: string; uuid: string; createdAt: number }>>;
}

export interface ListResult<Raw> {
  items: Raw[];
  /**
   * True when `items` is everything the project has (no push-down narrowed it), so ids whose
   * resource is missing from it can be forgotten.
   */
  complete: boolean;
  /** UUIDs the resource hides from EC2 but OpenStack still has: their mappings are kept. */
  retained?: Iterable<string>;
  /** The listing changed the type's mappings (shared image ids): the engine reads them again. */
  mappingsChanged?: boolean;
}

export interface Entry<Raw> {
  raw: Raw;
  ec2Id: string;
  tags: Tag[];
}

/**
 * `Early` is what a descriptor reads from the table for `format` before OpenStack has answered
 * (its own records of the resources), so those reads overlap the OpenStack call.
 */
export interface ResourceDescriptor<Raw, Item, Early = undefined> {
  type: ResourceType;
  idErrors: IdErrors;
  /** Lists (or gets) the project's resources from OpenStack. */
  list(ctx: ActionContext, query: ListQuery): Promise<ListResult<Raw>>;
  uuidOf(raw: Raw): string;
  /** For types with several prefixes (images: ami/aki/ari). */
  prefixOf?(raw: Raw): IdPrefix;
  /**
   * Starts the table reads `format` will need, while OpenStack lists: for the named EC2 ids, or for
   * every resource of the type (a listing) when `ec2Ids` is undefined. Only the project's own
   * partition may be read here: the ids are already known to be the project's.
   */
  prefetch?(ctx: ActionContext, ec2Ids: string[] | undefined): Promise<Early>;
  /**
   * Formats a batch of resources, so related data can be fetched once for all of them. `early` is
   * what `prefetch` read, when the engine called it (other callers format without it).
   */
  format(ctx: ActionContext, entries: Array<Entry<Raw>>, early?: Early): Promise<Item[]>;
  /** The EC2 id of a formatted item. */
  idOf(item: Item): string;
  filters: FilterSpec<Item>;
  paging?: PagingRules;
  /** Removes the family's own records of resources found gone (their ids and tags go anyway). */
  forgetRecords?(ctx: ActionContext, gone: Array<{ ec2Id: string; uuid: string }>): Promise<void>;
  /** Mappings younger than this are kept even when OpenStack does not list their resource yet. */
  pruneGraceSeconds?: number;
}

export interface DescribeRequest {
  ids?: string[];
  filters?: Filter[];
  maxResults?: number;
  nextToken?: string;
}

export interface DescribeResult<Item> {
  items: Item[];
  nextToken?: string;
}

const DEFAULT_PRUNE_GRACE_SECONDS = 300;

export async function describe<Raw, Item, Early = undefined>(
  ctx: ActionContext,
  action: string,
  descriptor: ResourceDescriptor<Raw, Item, Early>,
  request: DescribeRequest,
): Promise<DescribeResult<Item>> {
  const ids = request.ids?.length ? [...new Set(request.ids)] : undefined;
  const prefixes = ID_PREFIXES[descriptor.type];
  // Refuse bad filters and paging before any OpenStack call.
  compileFilters(request.filters, descriptor.filters, operation(action).filters);
  checkMaxResults(request.maxResults, descriptor.paging ?? DEFAULT_PAGING, Boolean(ids));

  const projectId = ctx.store.projectId;
  let uuids: string[] | undefined;
  let known: Map<string, string> | undefined; // uuid -> ec2 id
  let remembered: Map<string, string> | undefined; // ec2 id -> uuid, as this container last read it
  let confirming: Promise<Map<string, string>> = Promise.resolve(new Map());
  if (ids) {
    for (const id of ids) assertEc2Id(id, prefixes, descriptor.idErrors);
    // Ids this container has resolved before go to OpenStack at once, while the table confirms
    // they still exist; nothing is answered before it has. Any other id resolves in the project's
    // own partition first: an id that is not the project's answers NotFound before any OpenStack
    // call or any other read is made for it.
    remembered = rememberedUuids(projectId, ids);
    if (remembered) confirming = deferred(uuidsOf(ctx.store, ids));
    const byId = remembered ?? (await uuidsOf(ctx.store, ids));
    if (!remembered) {
      throwIfMissing(ids.filter((id) => !byId.has(id)), descriptor.idErrors);
      rememberUuids(projectId, byId);
    }
    known = new Map([...byId].map(([ec2Id, uuid]) => [uuid, ec2Id]));
    uuids = [...known.keys()];
  }

  // What the table can tell without OpenStack's answer is read while OpenStack answers: the tags
  // and the descriptor's own records of the named ids, or, for a listing, the type's id mappings,
  // tags and records. Each read's failure waits until its value is used.
  const earlyMappings = deferred(ids ? Promise.resolve([]) : mappingsOf(ctx.store, descriptor.type));
  const earlyTags = deferred(ids ? tagsOfIds(ctx.store, ids, prefixes) : tagsByIdPrefix(ctx.store, prefixes));
  const prefetching = deferred(descriptor.prefetch ? descriptor.prefetch(ctx, ids) : Promise.resolve(undefined));
  const listed = await descriptor.list(ctx, { uuids, filters: request.filters ?? [], ...(ids ? {} : { mappings: earlyMappings }) });
  const raws = listed.items;
  if (ids && known) {
    if (remembered) {
      const confirmed = await confirming;
      const gone = ids.filter((id) => !confirmed.has(id));
      forgetRememberedUuids(projectId, gone);
      throwIfMissing(gone, descriptor.idErrors);
      if (ids.some((id) => confirmed.get(id) !== remembered!.get(id))) {
        // Never expected (ids are not reused), but then the table's answer is the one to follow.
        forgetRememberedUuids(projectId, ids);
        return describe(ctx, action, descriptor, request);
      }
    }
    const present = new Set(raws.map((r) => descriptor.uuidOf(r)));
    const missing = [...known].filter(([uuid]) => !present.has(uuid)).map(([, ec2Id]) => ec2Id);
    forgetRememberedUuids(projectId, missing);
    throwIfMissing(missing, descriptor.idErrors);
  } else {
    const mappings = listed.mappingsChanged ? mappingsOf(ctx.store, descriptor.type) : earlyMappings;
    known = await idsForListing(ctx, descriptor, raws, listed.complete, mappings, listed.retained);
  }

  const entriesById = raws.map((raw) => ({ raw, ec2Id: known.get(descriptor.uuidOf(raw))! }));
  // A listing that changed the mappings (shared image ids) may have moved tags to the new ids.
  const [tags, prefetched] = await Promise.all([
    listed.mappingsChanged ? tagsByIdPrefix(ctx.store, prefixes) : earlyTags,
    prefetching,
  ]);
  const entries = entriesById.map((e) => ({ ...e, tags: tags.get(e.ec2Id) ?? [] }));

  const formatted = await descriptor.format(ctx, entries, prefetched);
  const tagsOfItem = new Map(entries.map((e) => [e.ec2Id, e.tags]));
  return select(action, formatted, {
    filters: descriptor.filters,
    keyOf: descriptor.idOf,
    tagsOf: (item) => tagsOfItem.get(descriptor.idOf(item)) ?? [],
    paging: descriptor.paging,
    hasIds: Boolean(ids),
  }, request);
}

function throwIfMissing(missing: string[], errors: IdErrors): void {
  if (missing.length === 0) return;
  const err = notFound(errors.notFound, missing.join(', '), errors.noun);
  if (missing.length > 1) err.message = `The ${errors.noun} IDs '${missing.join(', ')}' do not exist`;
  throw err;
}

/**
 * EC2 ids for everything a listing returned. A complete listing reads all mappings of the type at
 * once, which also shows the ones whose resource is gone: those are forgotten (with their tags)
 * once older than the grace period, which covers a resource created while we were listing.
 */
async function idsForListing<Raw, Item, Early>(
  ctx: ActionContext,
  descriptor: ResourceDescriptor<Raw, Item, Early>,
  raws: Raw[],
  complete: boolean,
  mappingsRead?: Promise<Array<{ ec2Id: string; uuid: string; createdAt: number }>>,
  retained: Iterable<string> = [],
): Promise<Map<string, string>> {
  const uuids = raws.map((r) => descriptor.uuidOf(r));
  const prefixByUuid = new Map(raws.map((r) => [descriptor.uuidOf(r), descriptor.prefixOf?.(r)]));
  const prefixFor = (uuid: string) => prefixByUuid.get(uuid) ?? ID_PREFIXES[descriptor.type][0];
  if (!complete && !mappingsRead) return ec2IdsFor(ctx.store, descriptor.type, uuids, prefixFor);

  const mappings = await (mappingsRead ?? mappingsOf(ctx.store, descriptor.type));
  if (!complete) return ec2IdsFromMappings(ctx.store, descriptor.type, uuids, mappings, prefixFor);
  const known = new Map(mappings.map((m) => [m.uuid, m.ec2Id]));
  const present = new Set([...uuids, ...retained]);
  const graceMs = (descriptor.pruneGraceSeconds ?? DEFAULT_PRUNE_GRACE_SECONDS) * 1000;
  const gone = mappings.filter((m) => !present.has(m.uuid) && Date.now() - m.createdAt > graceMs);
  await Promise.all(
    gone.map(async (m) => {
      await forgetTags(ctx.store, m.ec2Id);
      await forgetMapping(ctx.store, descriptor.type, m.ec2Id, m.uuid);
    }),
  );
  if (gone.length && descriptor.forgetRecords) await descriptor.forgetRecords(ctx, gone);
  const missing = uuids.filter((u) => !known.has(u));
  if (missing.length) {
    for (const [uuid, ec2Id] of await createMissingMappings(ctx.store, descriptor.type, missing, prefixFor)) {
      known.set(uuid, ec2Id);
    }
  }
  return known;
}
