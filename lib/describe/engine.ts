/**
 * The generic Describe* mechanism. A resource declares how to list it from OpenStack, how to format
 * it and which filters read which fields; the engine does the rest: id validation and resolution,
 * EC2 ids for resources seen for the first time, tags, filters, paging, and forgetting ids whose
 * resource is gone.
 */
import type { ActionContext } from '../context.js';
import { operation } from '../protocol/model.js';
import { notFound } from '../protocol/errors.js';
import {
  ID_PREFIXES,
  assertEc2Id,
  createMissingMappings,
  ec2IdsFromMappings,
  ec2IdsFor,
  forgetMapping,
  mappingsOf,
  uuidsOf,
  type IdErrors,
  type IdPrefix,
  type ResourceType,
} from '../store/ids.js';
import { forgetTags, tagsByIdPrefix, tagsOf, type Tag } from '../store/tags.js';
import { compileFilters, type Filter, type FilterSpec } from './filters.js';
import { DEFAULT_PAGING, checkMaxResults, type PagingRules } from './paging.js';
import { select } from './select.js';

export interface ListQuery {
  /** Set when the caller asked for specific resources: their OpenStack UUIDs. */
  uuids?: string[];
  /** The request's filters, for resources that can push some down to OpenStack. */
  filters: Filter[];
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

export interface ResourceDescriptor<Raw, Item> {
  type: ResourceType;
  idErrors: IdErrors;
  /** Lists (or gets) the project's resources from OpenStack. */
  list(ctx: ActionContext, query: ListQuery): Promise<ListResult<Raw>>;
  uuidOf(raw: Raw): string;
  /** For types with several prefixes (images: ami/aki/ari). */
  prefixOf?(raw: Raw): IdPrefix;
  /** Formats a batch of resources, so related data can be fetched once for all of them. */
  format(ctx: ActionContext, entries: Array<Entry<Raw>>): Promise<Item[]>;
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

export async function describe<Raw, Item>(
  ctx: ActionContext,
  action: string,
  descriptor: ResourceDescriptor<Raw, Item>,
  request: DescribeRequest,
): Promise<DescribeResult<Item>> {
  const ids = request.ids?.length ? [...new Set(request.ids)] : undefined;
  const prefixes = ID_PREFIXES[descriptor.type];
  // Refuse bad filters and paging before any OpenStack call.
  compileFilters(request.filters, descriptor.filters, operation(action).filters);
  checkMaxResults(request.maxResults, descriptor.paging ?? DEFAULT_PAGING, Boolean(ids));

  let uuids: string[] | undefined;
  let known: Map<string, string> | undefined; // uuid -> ec2 id
  if (ids) {
    for (const id of ids) assertEc2Id(id, prefixes, descriptor.idErrors);
    const byId = await uuidsOf(ctx.store, ids);
    throwIfMissing(ids.filter((id) => !byId.has(id)), descriptor.idErrors);
    known = new Map([...byId].map(([ec2Id, uuid]) => [uuid, ec2Id]));
    uuids = [...known.keys()];
  }

  // A listing needs the type's id mappings (and, when long, its tags) whatever OpenStack answers:
  // read them from the table while OpenStack lists.
  const early = ids ? undefined : { mappings: mappingsOf(ctx.store, descriptor.type), tags: tagsByIdPrefix(ctx.store, prefixes) };
  early?.mappings.catch(() => undefined);
  early?.tags.catch(() => undefined);
  const listed = await descriptor.list(ctx, { uuids, filters: request.filters ?? [] });
  const raws = listed.items;
  if (ids && known) {
    const present = new Set(raws.map((r) => descriptor.uuidOf(r)));
    throwIfMissing([...known].filter(([uuid]) => !present.has(uuid)).map(([, ec2Id]) => ec2Id), descriptor.idErrors);
  } else {
    const mappings = listed.mappingsChanged ? mappingsOf(ctx.store, descriptor.type) : early?.mappings;
    known = await idsForListing(ctx, descriptor, raws, listed.complete, mappings, listed.retained);
  }

  const entriesById = raws.map((raw) => ({ raw, ec2Id: known.get(descriptor.uuidOf(raw))! }));
  const tags =
    entriesById.length <= 20
      ? await tagsOf(ctx.store, entriesById.map((e) => e.ec2Id))
      : await (early?.tags ?? tagsByIdPrefix(ctx.store, prefixes));
  const entries = entriesById.map((e) => ({ ...e, tags: tags.get(e.ec2Id) ?? [] }));

  const formatted = await descriptor.format(ctx, entries);
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
async function idsForListing<Raw, Item>(
  ctx: ActionContext,
  descriptor: ResourceDescriptor<Raw, Item>,
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
