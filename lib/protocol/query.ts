/**
 * EC2 query protocol, request side: flat form/query parameters (`InstanceId.1`, `Filter.1.Value.2`,
 * `TagSpecification.1.Tag.1.Key`) into the typed input of an action, validated against its shape.
 *
 * Names follow the EC2 protocol: a member is sent under its queryName, else its locationName with the
 * first letter upper-cased, else its member name; lists are always flattened (`Name.N`). Indexes may
 * start at 0 or 1 (HTCondor's GAHP sends `InstanceId.0`).
 */
import type { ModelShape } from './model-types.js';
import { operation, shape } from './model.js';
import { invalidValueFor, missingParameter, unknownParameter } from './errors.js';
import { checkFilterLimits, checkLength, maxLengthOf, type FilterLike } from './limits.js';

/** Parameters that belong to the protocol or to request signing, not to any action's input. */
const PROTOCOL_PARAMS = new Set(
  [
    'Action',
    'Version',
    'AWSAccessKeyId',
    'SignatureMethod',
    'SignatureVersion',
    'Signature',
    'Timestamp',
    'Expires',
    'SecurityToken',
    'X-Amz-Algorithm',
    'X-Amz-Credential',
    'X-Amz-Date',
    'X-Amz-Expires',
    'X-Amz-SignedHeaders',
    'X-Amz-Signature',
    'X-Amz-Security-Token',
  ].map((p) => p.toLowerCase()),
);

export const isProtocolParam = (name: string) => PROTOCOL_PARAMS.has(name.toLowerCase());

interface ParamNode {
  value?: string;
  children: Map<string, ParamNode>;
}

function buildTree(params: Record<string, string>): ParamNode {
  const root: ParamNode = { children: new Map() };
  for (const [name, value] of Object.entries(params)) {
    if (isProtocolParam(name)) continue;
    let node = root;
    for (const part of name.split('.')) {
      let child = node.children.get(part);
      if (!child) {
        child = { children: new Map() };
        node.children.set(part, child);
      }
      node = child;
    }
    node.value = value;
  }
  return root;
}

function queryName(memberName: string, m: { queryName?: string; locationName?: string }): string {
  if (m.queryName) return m.queryName;
  if (m.locationName) return m.locationName.charAt(0).toUpperCase() + m.locationName.slice(1);
  return memberName;
}

const join = (path: string, part: string) => (path ? `${path}.${part}` : part);

/**
 * Where a scalar sits: the structure shape and member it belongs to (a list's strings take their
 * list member's place), which is what its length limit is keyed by.
 */
interface Place {
  structure?: string;
  member?: string;
}

// Numbers as AWS reads them: no surrounding whitespace of any kind (JavaScript's Number() and
// trim() accept a non-breaking space, tabs and newlines), no hex, no Infinity.
const INTEGER = /^[-+]?\d+$/;
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function parseScalar(s: ModelShape, raw: string, path: string, place: Place): unknown {
  switch (s.type) {
    case 'string':
      if (s.enum && !s.enum.includes(raw)) {
        throw invalidValueFor(path, raw, `Valid values: ${s.enum.join(', ')}`);
      }
      checkLength(path, raw, Math.min(s.max ?? Infinity, maxLengthOf(place.structure, place.member)));
      return raw;
    case 'integer':
    case 'long': {
      if (!INTEGER.test(raw)) throw invalidValueFor(path, raw, "Expected: 'numeric'.");
      const n = Number(raw);
      if (!Number.isSafeInteger(n)) throw invalidValueFor(path, raw, "Expected: 'numeric'.");
      return n;
    }
    case 'double':
    case 'float': {
      const n = Number(raw);
      if (!DECIMAL.test(raw) || !Number.isFinite(n)) throw invalidValueFor(path, raw, "Expected: 'numeric'.");
      return n;
    }
    case 'boolean': {
      const v = raw.toLowerCase();
      if (v === 'true') return true;
      if (v === 'false') return false;
      throw invalidValueFor(path, raw, "Expected: 'boolean'.");
    }
    case 'timestamp': {
      const asNumber = Number(raw);
      const date = raw.trim() !== '' && Number.isFinite(asNumber) ? new Date(asNumber * 1000) : new Date(raw);
      if (raw.length > 64 || Number.isNaN(date.getTime())) throw invalidValueFor(path, raw, "Expected: 'timestamp'.");
      return date;
    }
    case 'blob': {
      checkLength(path, raw, maxLengthOf(place.structure, place.member));
      const compact = raw.replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact)) throw invalidValueFor(path, raw, "Expected: 'base64'.");
      return Buffer.from(compact, 'base64');
    }
    default:
      throw invalidValueFor(path, raw);
  }
}

function parseList(s: ModelShape, node: ParamNode, path: string, place: Place): unknown[] {
  const memberShape = s.member!.shape;
  // A lone `Name=value` for a list of scalars is read as a one-element list, as older clients send it.
  if (node.children.size === 0) {
    return node.value === undefined ? [] : [parseNode(memberShape, node, path, place)];
  }
  const items: Array<[number, unknown]> = [];
  for (const [index, child] of node.children) {
    if (!/^\d+$/.test(index)) throw unknownParameter(join(path, index));
    items.push([Number(index), parseNode(memberShape, child, join(path, index), place)]);
  }
  return items.sort(([a], [b]) => a - b).map(([, v]) => v);
}

function parseStructure(shapeName: string, node: ParamNode, path: string): Record<string, unknown> {
  const s = shape(shapeName);
  if (node.value !== undefined && node.children.size === 0 && path) {
    throw invalidValueFor(path, node.value, 'Expected a structure.');
  }
  const byQueryName = new Map<string, string>();
  for (const [memberName, m] of Object.entries(s.members ?? {})) {
    byQueryName.set(queryName(memberName, m).toLowerCase(), memberName);
  }
  const out: Record<string, unknown> = {};
  for (const [part, child] of node.children) {
    const memberName = byQueryName.get(part.toLowerCase());
    if (!memberName) throw unknownParameter(join(path, part));
    const m = s.members![memberName]!;
    out[memberName] = parseNode(m.shape, child, join(path, queryName(memberName, m)), { structure: shapeName, member: memberName });
  }
  for (const [memberName, m] of Object.entries(s.members ?? {})) {
    const list = shape(m.shape);
    if (list.type === 'list' && list.member?.shape === 'Filter') checkFilterLimits(out[memberName] as FilterLike[] | undefined);
  }
  for (const required of s.required ?? []) {
    if (out[required] === undefined) {
      throw missingParameter(join(path, queryName(required, s.members![required]!)));
    }
  }
  return out;
}

function parseNode(shapeName: string, node: ParamNode, path: string, place: Place): unknown {
  const s = shape(shapeName);
  if (s.type === 'structure') return parseStructure(shapeName, node, path);
  if (s.type === 'list') return parseList(s, node, path, place);
  if (s.type === 'map') return parseMap(s, node, path);
  if (node.children.size > 0) throw unknownParameter(join(path, [...node.children.keys()][0]!));
  return parseScalar(s, node.value ?? '', path, place);
}

/** Maps are sent as `Name.N.Key` / `Name.N.Value` (the key and value location names). */
function parseMap(s: ModelShape, node: ParamNode, path: string): Record<string, unknown> {
  const keyName = s.key!.locationName ?? 'Key';
  const valueName = s.value!.locationName ?? 'Value';
  // Keys are the client's: `__proto__` must stay a key, not replace the object's prototype.
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [index, entry] of node.children) {
    const key = entry.children.get(keyName)?.value;
    const value = entry.children.get(valueName);
    if (key === undefined || !value) throw missingParameter(join(path, `${index}.${keyName}`));
    checkLength(join(path, `${index}.${keyName}`), key, maxLengthOf(undefined, undefined));
    out[key] = parseNode(s.value!.shape, value, join(path, `${index}.${valueName}`), {});
  }
  return out;
}

/** Parses and validates the input of `action` from its flat parameters. */
export function parseInput(action: string, params: Record<string, string>): Record<string, unknown> {
  const op = operation(action);
  const tree = buildTree(params);
  if (!op.input) {
    const extra = [...tree.children.keys()][0];
    if (extra) throw unknownParameter(extra);
    return {};
  }
  return parseStructure(op.input, tree, '');
}
