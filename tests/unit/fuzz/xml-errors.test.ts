/**
 * Issue 16, item 9 under fuzzing: whatever text an error or a stored value holds, the document we
 * send is well-formed XML 1.0 that keeps its RequestID, and an echoed value is capped.
 */
import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { ECHO_MAX, invalidValueFor, unknownParameter } from '../../../lib/protocol/errors.js';
import { serializeError, serializeOutput } from '../../../lib/protocol/xml.js';
import { wellFormedXml } from '../support/well-formed-xml.js';

/** Any UTF-16 code units, lone surrogates and C0 controls included. */
const anyText = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0x20 }).map((c) => String.fromCharCode(c)), maxLength: 50 }),
);
const parser = new XMLParser();

describe('XML documents under fuzzing', () => {
  it('an error document always parses and keeps code and RequestID', () => {
    fc.assert(
      fc.property(anyText, anyText, (code, message) => {
        const xml = serializeError({ code, message, status: 400 }, 'req-fuzz');
        expect(wellFormedXml(xml)).toBe(true);
        expect(parser.parse(xml).Response.RequestID).toBe('req-fuzz');
      }),
      { numRuns: 3000 },
    );
  });

  it('a message repeating client input is capped', () => {
    fc.assert(
      fc.property(anyText, fc.integer({ min: 0, max: 20_000 }), (value, pad) => {
        const long = value + 'x'.repeat(pad);
        for (const error of [invalidValueFor('KeyName', long), unknownParameter(long)]) {
          const xml = serializeError(error.toJSON(), 'r');
          expect(wellFormedXml(xml)).toBe(true);
          // The value is shown at most ECHO_MAX characters long, each escaped to at most 6.
          expect(error.message.length).toBeLessThan(ECHO_MAX * 6 + 100);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('an output document with stored client text always parses', () => {
    fc.assert(
      fc.property(anyText, anyText, (key, value) => {
        const xml = serializeOutput('DescribeTags', { Tags: [{ Key: key, Value: value, ResourceId: 'i-12345678', ResourceType: 'instance' }] }, 'r');
        expect(wellFormedXml(xml)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
