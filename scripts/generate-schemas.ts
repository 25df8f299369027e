/**
 * Generates schemas/model.json and schemas/types.ts from the official AWS EC2 model.
 *
 * Source: the botocore service model shipped by Debian (`python3-botocore`), which keeps shape names,
 * enums, required members and documentation (the npm aws-sdk@2 copy drops all of those). Only the
 * operations listed in schemas/actions.tsv and the shapes they reach are kept, without documentation,
 * except the filter names each Describe* call documents, which we extract so that lib/ can reject
 * unknown filters the way AWS does.
 *
 * Debian's botocore (1.29, late 2022) predates some paging AWS added since (DescribeImages pages since
 * 2023). Paging alone — the MaxResults/NextToken members and the paginator — is taken from a newer
 * copy of the same model when one is given (the npm aws-sdk@2 `apis/ec2-2016-11-15.min.json`, which
 * keeps structure but not names or documentation). Nothing else is taken from it, so no newer
 * parameter is accepted without an action that serves it.
 *
 *   npm run generate:schemas
 *   tsx scripts/generate-schemas.ts [botocore dir] [newer min.json dir]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Model, ModelOperation, ModelShape, ModelMember } from '../lib/protocol/model-types.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = process.argv[2] ?? '/usr/lib/python3/dist-packages/botocore/data/ec2/2016-11-15';
const newerDir = process.argv[3];

interface BotocoreMember {
  shape: string;
  locationName?: string;
  queryName?: string;
  documentation?: string;
}
interface BotocoreShape {
  type: string;
  members?: Record<string, BotocoreMember>;
  required?: string[];
  member?: BotocoreMember;
  key?: BotocoreMember;
  value?: BotocoreMember;
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  flattened?: boolean;
  locationName?: string;
}
interface BotocoreModel {
  metadata: { apiVersion: string; xmlNamespace: string };
  operations: Record<string, { input?: { shape: string }; output?: { shape: string } }>;
  shapes: Record<string, BotocoreShape>;
}
interface Paginator {
  input_token: string;
  output_token: string;
  limit_key?: string;
  result_key: string | string[];
}

/**
 * Enums we do not enforce: operator-defined in OpenStack (flavor names, Cinder volume types), or
 * narrower in the model than what AWS accepts (account attribute names beyond the first two).
 */
const OPEN_ENUMS = new Set(['InstanceType', 'VolumeType', 'AccountAttributeName']);

const source = JSON.parse(readFileSync(join(sourceDir, 'service-2.json'), 'utf8')) as BotocoreModel;
const paginators = (
  JSON.parse(readFileSync(join(sourceDir, 'paginators-1.json'), 'utf8')) as {
    pagination: Record<string, Paginator>;
  }
).pagination;

interface MinMember {
  shape?: string;
  type?: string;
  locationName?: string;
}
interface MinModel {
  operations: Record<string, { input?: { members?: Record<string, MinMember>; shape?: string }; output?: { members?: Record<string, MinMember>; shape?: string } }>;
  shapes: Record<string, { members?: Record<string, MinMember> }>;
}
const newer = newerDir
  ? {
      model: JSON.parse(readFileSync(join(newerDir, 'ec2-2016-11-15.min.json'), 'utf8')) as MinModel,
      paginators: (JSON.parse(readFileSync(join(newerDir, 'ec2-2016-11-15.paginators.json'), 'utf8')) as { pagination: Record<string, Paginator> })
        .pagination,
    }
  : undefined;

/** Adds the paging members a newer model has and botocore lacks (see the header comment). */
function addNewerPaging(action: string, inputShape: string | undefined, outputShape: string | undefined): string[] {
  const pager = newer?.paginators[action];
  if (!pager?.input_token || !inputShape || !outputShape) return [];
  const added: string[] = [];
  const membersOf = (io: { members?: Record<string, MinMember>; shape?: string } | undefined) =>
    io?.members ?? (io?.shape ? newer!.model.shapes[io.shape]?.members : undefined) ?? {};
  const op = newer!.model.operations[action];
  const want: Array<[BotocoreShape, Record<string, MinMember>, string[]]> = [
    [source.shapes[inputShape]!, membersOf(op?.input), [pager.input_token, pager.limit_key ?? '']],
    [source.shapes[outputShape]!, membersOf(op?.output), [pager.output_token]],
  ];
  for (const [shape, newerMembers, names] of want) {
    for (const name of names) {
      const m = newerMembers[name];
      if (!name || !m || shape.members?.[name]) continue;
      const primitive = m.type === 'integer' ? 'Integer' : 'String';
      shape.members = { ...shape.members, [name]: { shape: primitive, ...(m.locationName ? { locationName: m.locationName } : {}) } };
      added.push(name);
    }
  }
  if (added.length) paginators[action] = pager;
  return added;
}

const actionRows = readFileSync(join(repo, 'schemas/actions.tsv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => line.split('\t'))
  .map(([family, resource, action]) => ({ family: family!, resource: resource!, action: action! }));

/** Filter names are only documented, as `<li> <p> <code>name</code> - …` items of the Filters member. */
function documentedFilters(doc: string | undefined): string[] {
  if (!doc) return [];
  const names = new Set<string>();
  for (const match of doc.matchAll(/<li>\s*<p>\s*<code>([^<]+)<\/code>\s*(?:-|&#x2013;|–)/g)) {
    const name = match[1]!.trim();
    if (name.startsWith('tag:') || name === 'tag-key' || name === 'tag-value') continue;
    names.add(name);
  }
  return [...names].sort();
}

const keptShapes = new Map<string, ModelShape>();

function member(m: BotocoreMember): ModelMember {
  const out: ModelMember = { shape: m.shape };
  if (m.locationName) out.locationName = m.locationName;
  if (m.queryName) out.queryName = m.queryName;
  return out;
}

function keep(name: string): void {
  if (keptShapes.has(name)) return;
  const s = source.shapes[name];
  if (!s) throw new Error(`shape ${name} missing from the model`);
  const shape: ModelShape = { type: s.type as ModelShape['type'] };
  keptShapes.set(name, shape);
  if (s.members) {
    shape.members = Object.fromEntries(Object.entries(s.members).map(([k, m]) => [k, member(m)]));
    if (s.required?.length) shape.required = s.required;
    for (const m of Object.values(s.members)) keep(m.shape);
  }
  if (s.member) {
    shape.member = member(s.member);
    keep(s.member.shape);
  }
  if (s.key && s.value) {
    shape.key = member(s.key);
    shape.value = member(s.value);
    keep(s.key.shape);
    keep(s.value.shape);
  }
  if (s.enum && !OPEN_ENUMS.has(name)) shape.enum = s.enum;
  if (s.min !== undefined) shape.min = s.min;
  if (s.max !== undefined) shape.max = s.max;
  if (s.flattened) shape.flattened = true;
  if (s.locationName) shape.locationName = s.locationName;
}

const operations: Record<string, ModelOperation> = {};
for (const { family, resource, action } of actionRows) {
  const op = source.operations[action];
  if (!op) throw new Error(`operation ${action} is not in the EC2 model`);
  const addedPaging = addNewerPaging(action, op.input?.shape, op.output?.shape);
  if (addedPaging.length) console.log(`${action}: paging from the newer model (${addedPaging.join(', ')})`);
  const operation: ModelOperation = { family, resource };
  if (op.input) {
    operation.input = op.input.shape;
    keep(op.input.shape);
    const filters = source.shapes[op.input.shape]?.members?.['Filters'];
    const names = documentedFilters(filters?.documentation);
    if (filters) operation.filters = names;
  }
  if (op.output) {
    operation.output = op.output.shape;
    keep(op.output.shape);
  }
  const pager = paginators[action];
  if (pager) {
    operation.paginated = {
      inputToken: pager.input_token,
      outputToken: pager.output_token,
      limitKey: pager.limit_key,
      resultKey: Array.isArray(pager.result_key) ? pager.result_key[0]! : pager.result_key,
    };
  }
  operations[action] = operation;
}

const sortedShapes = Object.fromEntries([...keptShapes.entries()].sort(([a], [b]) => a.localeCompare(b)));
const model: Model = {
  apiVersion: source.metadata.apiVersion,
  xmlNamespace: `${source.metadata.xmlNamespace.replace(/\/$/, '')}/`,
  operations,
  shapes: sortedShapes,
};
writeFileSync(join(repo, 'schemas/model.json'), `${JSON.stringify(model, null, 1)}\n`);

// ---- TypeScript types ------------------------------------------------------------------------

const RESERVED = new Set(['String', 'Boolean', 'Number', 'Date', 'Error', 'Object', 'Function', 'Array', 'Record']);
const typeName = (name: string) => (RESERVED.has(name) ? `Ec2${name}` : name);

function tsType(name: string): string {
  const s = keptShapes.get(name)!;
  switch (s.type) {
    case 'string':
      return s.enum ? typeName(name) : 'string';
    case 'integer':
    case 'long':
    case 'double':
    case 'float':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'timestamp':
      return 'Date | string';
    case 'blob':
      return 'Uint8Array';
    case 'list':
      return `Array<${tsType(s.member!.shape)}>`;
    case 'map':
      return `Record<string, ${tsType(s.value!.shape)}>`;
    case 'structure':
      return typeName(name);
  }
}

const lines: string[] = [
  '// Generated by scripts/generate-schemas.ts from the official AWS EC2 model. Do not edit.',
  '',
];
for (const [name, s] of Object.entries(sortedShapes)) {
  if (s.type === 'string' && s.enum) {
    lines.push(`export type ${typeName(name)} = ${s.enum.map((v) => JSON.stringify(v)).join(' | ')};`);
  } else if (s.type === 'structure') {
    const required = new Set(s.required ?? []);
    lines.push(`export interface ${typeName(name)} {`);
    for (const [memberName, m] of Object.entries(s.members ?? {})) {
      lines.push(`  ${memberName}${required.has(memberName) ? '' : '?'}: ${tsType(m.shape)};`);
    }
    lines.push('}');
  }
}
lines.push('', '/** Every action we serve with its input and output shapes. */', 'export interface Ec2ActionShapes {');
for (const [action, op] of Object.entries(operations)) {
  const input = op.input ? typeName(op.input) : 'Record<string, never>';
  const output = op.output ? typeName(op.output) : 'Record<string, never>';
  lines.push(`  ${action}: { input: ${input}; output: ${output} };`);
}
lines.push('}', '', 'export type Ec2ActionName = keyof Ec2ActionShapes;', '');
writeFileSync(join(repo, 'schemas/types.ts'), lines.join('\n'));

console.log(
  `schemas: ${Object.keys(operations).length} operations, ${keptShapes.size} shapes (from ${sourceDir})`,
);
