/**
 * EC2 query protocol, response side: an action's typed output into the XML document AWS sends,
 * driven by the output shape (locationName for element names, `<item>` for list members, ISO-8601
 * timestamps with milliseconds, booleans as true/false, blobs as base64).
 *
 * Written straight into one string from the output and its shape: building an object tree for an
 * XML builder first cost about 200 ms of CPU for a 2.4 MB DescribeInstances answer (1,000
 * instances); see docs/benchmarks.md. The bytes are those fast-xml-parser's XMLBuilder wrote
 * before (tests/unit/protocol/xml-equivalence.test.ts compares both over every output shape).
 */
import type { ModelShape } from './model-types.js';
import { model, operation, shape } from './model.js';
import type { SerializedEc2Error } from './errors.js';

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/**
 * Text as XML 1.0 can carry it: characters it forbids even as references (most C0 controls, lone
 * surrogates, U+FFFE/U+FFFF) become U+FFFD. Values a client stored (a tag, a description) may hold
 * them, and one such character makes the whole document unparseable for every SDK.
 */
export function xmlText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', "'": '&apos;', '"': '&quot;' };
const HAS_ENTITY = /[&<>'"]/;
const ENTITY = /[&<>'"]/g;

/** The five characters XML's predefined entities name, escaped in element text (quotes too, as the builder did). */
function escapeEntities(text: string): string {
  return HAS_ENTITY.test(text) ? text.replace(ENTITY, (c) => ENTITIES[c]!) : text;
}

/** An error message longer than this is cut (messages listing many ids; a backstop for echoed input). */
export const ERROR_MESSAGE_MAX = 2048;

/** A timestamp member's text: ISO 8601 (a value that is no date is written as it came). */
export function timestampText(value: unknown): string {
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}

/** A blob member's text: base64. */
export function blobText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  // A Buffer that crossed a JSON boundary (Lambda invoke) arrives as {type:'Buffer', data:[…]}.
  const data = (value as { data?: number[] }).data;
  return Buffer.from(data ?? []).toString('base64');
}

/** One member of a structure, resolved once per shape: its shape and its element's tags. */
interface MemberPlan {
  name: string;
  shape: ModelShape;
  open: string;
  close: string;
}

const structurePlans = new Map<ModelShape, MemberPlan[]>();

function membersOf(s: ModelShape): MemberPlan[] {
  let plan = structurePlans.get(s);
  if (!plan) {
    plan = Object.entries(s.members ?? {}).map(([name, m]) => {
      const element = m.locationName ?? name;
      return { name, shape: shape(m.shape), open: `<${element}>`, close: `</${element}>` };
    });
    structurePlans.set(s, plan);
  }
  return plan;
}

/** A child element's tags and shape (list member, map key or value), resolved once per shape. */
const childPlans = new Map<ModelShape, { member?: MemberPlan; key?: MemberPlan; value?: MemberPlan }>();

function childrenOf(s: ModelShape) {
  let plan = childPlans.get(s);
  if (!plan) {
    const child = (m: { shape: string; locationName?: string } | undefined, fallback: string): MemberPlan | undefined => {
      if (!m) return undefined;
      const element = m.locationName ?? fallback;
      return { name: element, shape: shape(m.shape), open: `<${element}>`, close: `</${element}>` };
    };
    plan = { member: child(s.member, 'item'), key: child(s.key, 'key'), value: child(s.value, 'value') };
    childPlans.set(s, plan);
  }
  return plan;
}

/**
 * What goes between a value's tags. For a structure that is its members' elements, '' when none
 * is there; an absent value ({} for AttributeValue and friends) is then omitted, as AWS does:
 * SDKs would read an empty element as a value that is there. Empty lists stay, as empty elements.
 */
function content(s: ModelShape, value: unknown): string {
  switch (s.type) {
    case 'structure': {
      const record = value as Record<string, unknown>;
      let out = '';
      for (const m of membersOf(s)) {
        const v = record[m.name];
        if (v === undefined || v === null) continue;
        const inner = content(m.shape, v);
        if (inner === '' && m.shape.type === 'structure') continue;
        out += m.open + inner + m.close;
      }
      return out;
    }
    case 'list': {
      const member = childrenOf(s).member!;
      let out = '';
      for (const item of value as unknown[]) out += member.open + content(member.shape, item) + member.close;
      return out;
    }
    case 'map': {
      const { key, value: entryValue } = childrenOf(s);
      let out = '';
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        out += `<item>${key!.open}${escapeEntities(xmlText(String(k)))}${key!.close}${entryValue!.open}${content(entryValue!.shape, v)}${entryValue!.close}</item>`;
      }
      return out;
    }
    case 'timestamp':
      return escapeEntities(timestampText(value));
    case 'boolean':
      return value ? 'true' : 'false';
    case 'blob':
      return escapeEntities(blobText(value));
    default:
      return escapeEntities(xmlText(String(value)));
  }
}

const NAMESPACE = ` xmlns="${escapeEntities(model.xmlNamespace)}"`;

/** The success document for `action`; actions without an output shape answer `<return>true</return>`. */
export function serializeOutput(action: string, output: unknown, requestId: string): string {
  const op = operation(action);
  const body = op.output ? content(shape(op.output), output ?? {}) : '<return>true</return>';
  const root = `${action}Response`;
  return `${XML_DECLARATION}<${root}${NAMESPACE}><requestId>${escapeEntities(requestId)}</requestId>${body}</${root}>`;
}

export function serializeError(error: SerializedEc2Error, requestId: string): string {
  const message = [...error.message];
  const shown = message.length > ERROR_MESSAGE_MAX ? `${message.slice(0, ERROR_MESSAGE_MAX).join('')}…` : error.message;
  return (
    `${XML_DECLARATION}<Response><Errors><Error><Code>${escapeEntities(xmlText(error.code))}</Code>` +
    `<Message>${escapeEntities(xmlText(shown))}</Message></Error></Errors><RequestID>${escapeEntities(requestId)}</RequestID></Response>`
  );
}
