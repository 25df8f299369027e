/**
 * Whether a document is one an SDK can parse: fast-xml-parser's validator checks the structure but
 * lets through characters XML 1.0 forbids (NUL and most C0 controls, lone surrogates, U+FFFE/FFFF),
 * which every strict parser (expat, Java's, .NET's) refuses.
 */
import { XMLValidator } from 'fast-xml-parser';

// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function wellFormedXml(xml: string): boolean {
  return XMLValidator.validate(xml) === true && !FORBIDDEN.test(xml);
}
