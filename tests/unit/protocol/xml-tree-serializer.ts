/**
 * The serializer lib/protocol/xml.ts had before it wrote strings directly (until 2026-11-29): an
 * object tree handed to fast-xml-parser's XMLBuilder. Kept for tests and bench/xml.ts only, as the
 * reference the direct writer must match byte for byte.
 */
import { XMLBuilder } from 'fast-xml-parser';
import type { ModelShape } from '../../../lib/protocol/model-types.js';
import { model, operation, shape } from '../../../lib/protocol/model.js';
import type { SerializedEc2Error } from '../../../lib/protocol/errors.js';
import { ERROR_MESSAGE_MAX, blobText, timestampText, xmlText } from '../../../lib/protocol/xml.js';

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
      return timestampText(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'blob':
      return blobText(value);
    default:
      return xmlText(String(value));
  }
}

/** The success document for `action`; actions without an output shape answer `<return>true</return>`. */
export function treeSerializeOutput(action: string, output: unknown, requestId: string): string {
  const op = operation(action);
  const body: XmlObject = { '@_xmlns': model.xmlNamespace, requestId };
  if (op.output) {
    Object.assign(body, toXml(shape(op.output), output ?? {}) as XmlObject);
  } else {
    body['return'] = 'true';
  }
  return XML_DECLARATION + builder.build({ [`${action}Response`]: body });
}

export function treeSerializeError(error: SerializedEc2Error, requestId: string): string {
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
