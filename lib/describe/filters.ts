/**
 * EC2 filters: `Filter.N.Name` / `Filter.N.Value.M`. Values of one filter are OR'ed, filters are
 * AND'ed; values may use `*` and `?` wildcards (`\` escapes them). `tag:<key>`, `tag-key` and
 * `tag-value` work on every resource that has tags.
 */
import { echo, invalidParameterValue } from '../protocol/errors.js';
import { checkFilterLimits } from '../protocol/limits.js';
import type { Tag } from '../store/tags.js';
import { wildcardMatcher } from './wildcard.js';

export interface Filter {
  Name?: string;
  Values?: string[];
}

export type FilterValue = string | number | boolean | Date | null | undefined;
export type FilterExtractor<T> = (item: T) => FilterValue | FilterValue[];
/** Filter name -> the value(s) of an item it compares against. */
export type FilterSpec<T> = Record<string, FilterExtractor<T>>;

const TAG_FILTERS = ['tag-key', 'tag-value'];

export const isTagFilter = (name: string) => name.startsWith('tag:') || TAG_FILTERS.includes(name);

function asText(value: FilterValue): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

export interface CompiledFilter<T> {
  name: string;
  matches(item: T, tags: Tag[]): boolean;
}

/**
 * Checks names against what the resource supports (AWS's documented names that we cannot serve
 * are refused, not ignored) and compiles each filter.
 */
export function compileFilters<T>(filters: Filter[] | undefined, spec: FilterSpec<T>, documented: string[] = []): Array<CompiledFilter<T>> {
  checkFilterLimits(filters);
  return (filters ?? []).map((filter) => {
    const name = filter.Name ?? '';
    const values = filter.Values ?? [];
    if (!name) throw invalidParameterValue('Filter names must not be empty');
    if (values.length === 0) throw invalidParameterValue(`The filter '${echo(name)}' requires at least one value`);
    const matchers = values.map(wildcardMatcher);
    const any = (candidates: Array<string | undefined>) =>
      candidates.some((c) => c !== undefined && matchers.some((m) => m.matches(c)));
    if (name.startsWith('tag:')) {
      const key = name.slice(4);
      return { name, matches: (_item, tags) => any(tags.filter((t) => t.Key === key).map((t) => t.Value)) };
    }
    if (name === 'tag-key') return { name, matches: (_item, tags) => any(tags.map((t) => t.Key)) };
    if (name === 'tag-value') return { name, matches: (_item, tags) => any(tags.map((t) => t.Value)) };
    const extract = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (!extract) {
      throw invalidParameterValue(
        documented.includes(name)
          ? `The filter '${echo(name)}' is not supported by this cloud`
          : `The filter '${echo(name)}' is invalid`,
      );
    }
    return {
      name,
      matches: (item) => {
        const raw = extract(item);
        return any((Array.isArray(raw) ? raw : [raw]).map(asText));
      },
    };
  });
}

export function matchesAll<T>(compiled: Array<CompiledFilter<T>>, item: T, tags: Tag[]): boolean {
  return compiled.every((f) => f.matches(item, tags));
}

/** The values given for a filter name, for pushing a filter down to an OpenStack query. */
export function filterValues(filters: Filter[] | undefined, name: string): string[] | undefined {
  const found = (filters ?? []).filter((f) => f.Name === name);
  return found.length ? found.flatMap((f) => f.Values ?? []) : undefined;
}

/** True when a value has no wildcard, so it can be handed to OpenStack as an exact match. */
export const isExact = (value: string) => !/[*?\\]/.test(value);
