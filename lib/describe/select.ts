/**
 * Filters and pages a list of already formatted items. The describe engine ends with this, and
 * actions whose items do not come from an OpenStack resource (regions, zones, tags, key pairs) use
 * it directly.
 */
import { operation } from '../protocol/model.js';
import type { Tag } from '../store/tags.js';
import { compileFilters, matchesAll, type Filter, type FilterSpec } from './filters.js';
import { DEFAULT_PAGING, checkMaxResults, page, type PagingRules } from './paging.js';

export interface SelectOptions<T> {
  filters: FilterSpec<T>;
  /** Stable sort key, used for paging. */
  keyOf: (item: T) => string;
  tagsOf?: (item: T) => Tag[];
  paging?: PagingRules;
  /** Whether the request named ids (some actions refuse MaxResults with ids). */
  hasIds?: boolean;
}

export interface SelectRequest {
  filters?: Filter[];
  maxResults?: number;
  nextToken?: string;
}

export function select<T>(
  action: string,
  items: T[],
  options: SelectOptions<T>,
  request: SelectRequest,
): { items: T[]; nextToken?: string } {
  const compiled = compileFilters(request.filters, options.filters, operation(action).filters);
  checkMaxResults(request.maxResults, options.paging ?? DEFAULT_PAGING, Boolean(options.hasIds));
  const tagsOf = options.tagsOf ?? (() => []);
  const sorted = [...items].sort((a, b) => {
    const x = options.keyOf(a);
    const y = options.keyOf(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const matching = sorted.filter((item) => matchesAll(compiled, item, tagsOf(item)));
  return page(action, matching, options.keyOf, request.maxResults, request.nextToken);
}
