/**
 * EC2 query protocol, response side: an action's typed output into the XML document AWS sends,
 * driven by the output shape (locationName for element names, `<item>` for list members, ISO-8601
 * timestamps with milliseconds, booleans as true/false, blobs as base64).
 */
import { XMLBuilder } from 'fast-xml-parser';
import type { ModelShape } from './model-types.js';
import { model, operation, shape } from './model.js';
import type { SerializedEc2Error } from './errors.js';

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: false,
  processEntities: true,
});

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

type XmlValue = string | XmlObject | XmlValue[];
interface XmlObject {
  [element: string]: XmlValue;
}

/**
 * Text as XML 1.0 can carry it: characters it forbids even as references (most C0 controls, lone
 * surrogates, U+FFFE/U+FFFF) become U+FFFD. Values a client stored (a tag, a description) may hold
 * them, and one such character makes the whole document unparseable for every SDK.
 */
export function xmlText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** An error message longer than this is cut (messages listing many ids; a backstop for echoed input). */
export const ERROR_MESSAGE_MAX = 2048;

function timestamp(value: unknown): string {
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}

function blob(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  // A Buffer that crossed a JSON boundary (Lambda invoke) arrives as {type:'Buffer', data:[…]}.
  const data = (value as { data?: number[] }).data;
  return Buffer.from(data ?? []).toString('base64');
}

function toXml(s: ModelShape, value: unknown): XmlValue {
  switch (s.type) {
    case 'structure': {
      const out: XmlObject = {};
      const record = value as Record<string, unknown>;
      for (const [memberName, m] of Object.entries(s.members ?? {})) {
        const v = record[memberName];
        if (v === undefined || v === null) continue;
        const element = toXml(shape(m.shape), v);
        // An absent value ({} for AttributeValue and friends) is omitted, as AWS does: SDKs would
        // read an empty element as a value that is there.
        if (shape(m.shape).type === 'structure' && Object.keys(element).length === 0) continue;
        out[m.locationName ?? memberName] = element;
      }
      return out;
    }
    case 'list': {
      const items = (value as unknown[]).map((item) => toXml(shape(s.member!.shape), item));
      if (items.length === 0) return '';
      return { [s.member!.locationName ?? 'item']: items };
    }
    case 'map': {
      const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => ({
        [s.key!.locationName ?? 'key']: xmlText(String(k)),
        [s.value!.locationName ?? 'value']: toXml(shape(s.value!.shape), v),
      }));
      return entries.length ? { item: entries } : '';
    }
    case 'timestamp':
      return timestamp(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'blob':
      return blob(value);
    default:
      return xmlText(String(value));
  }
}

/** The success document for `action`; actions without an output shape answer `<return>true</return>`. */
export function serializeOutput(action: string, output: unknown, requestId: string): string {
  const op = operation(action);
  const body: XmlObject = { '@_xmlns': model.xmlNamespace, requestId };
  if (op.output) {
    Object.assign(body, toXml(shape(op.output), output ?? {}) as XmlObject);
  } else {
    body['return'] = 'true';
  }
  return XML_DECLARATION + builder.build({ [`${action}Response`]: body });
}

export function serializeError(error: SerializedEc2Error, requestId: string): string {
  const message = [...error.message];
  const shown = message.length > ERROR_MESSAGE_MAX ? `${message.slice(0, ERROR_MESSAGE_MAX).join('')}…` : error.message;
  return (
    XML_DECLARATION +
    builder.build({
      Response: {
        Errors: { Error: { Code: xmlText(error.code), Message: xmlText(shown) } },
        RequestID: requestId,
      },
    })
  );
}
