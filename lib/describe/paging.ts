/**
 * MaxResults / NextToken. The token is opaque to clients: it names the last id of the previous
 * page, so pages stay stable while resources come and go, and it is bound to the action.
 */
import { invalidPaginationToken, invalidParameterCombination, invalidParameterValue } from '../protocol/errors.js';

export interface PagingRules {
  min: number;
  max: number;
  /** AWS refuses MaxResults together with explicit ids for some actions (DescribeInstances). */
  exclusiveWithIds?: string;
}

export const DEFAULT_PAGING: PagingRules = { min: 5, max: 1000 };

/** AWS treats a MaxResults above an action's page size as that size (DescribeVolumes: 500). */
export const clampMaxResults = (maxResults: number | undefined, pageSize: number) =>
  maxResults === undefined ? undefined : Math.min(maxResults, pageSize);

interface TokenBody {
  a: string;
  after: string;
}

export function encodeToken(action: string, after: string): string {
  return Buffer.from(JSON.stringify({ a: action, after } satisfies TokenBody)).toString('base64url');
}

export function decodeToken(action: string, token: string): string {
  try {
    const body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenBody>;
    if (body.a === action && typeof body.after === 'string') return body.after;
  } catch {
    // fall through
  }
  throw invalidPaginationToken(token);
}

export function checkMaxResults(maxResults: number | undefined, rules: PagingRules, hasIds: boolean): void {
  if (maxResults === undefined) return;
  if (hasIds && rules.exclusiveWithIds) {
    throw invalidParameterCombination(`The parameter ${rules.exclusiveWithIds} cannot be used with the parameter maxResults`);
  }
  if (maxResults < rules.min || maxResults > rules.max) {
    throw invalidParameterValue(`Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between ${rules.min} and ${rules.max}.`);
  }
}

/** One page of `items` (already in a stable order by `keyOf`), after the token's position. */
export function page<T>(
  action: string,
  items: T[],
  keyOf: (item: T) => string,
  maxResults: number | undefined,
  nextToken: string | undefined,
): { items: T[]; nextToken?: string } {
  let start = 0;
  if (nextToken) {
    const after = decodeToken(action, nextToken);
    start = items.findIndex((item) => keyOf(item) > after);
    if (start < 0) start = items.length;
  }
  if (maxResults === undefined) return { items: items.slice(start) };
  const slice = items.slice(start, start + maxResults);
  const more = start + maxResults < items.length;
  return more ? { items: slice, nextToken: encodeToken(action, keyOf(slice[slice.length - 1]!)) } : { items: slice };
}
