/**
 * The direct XML writer (lib/protocol/xml.ts) against the object tree + fast-xml-parser builder it
 * replaced: byte-identical documents for every operation's output shape, filled with hostile
 * values, for the outputs other tests use, and for error documents.
 */
import { describe, expect, it } from 'vitest';
import { model, shape } from '../../../lib/protocol/model.js';
import { ERROR_MESSAGE_MAX, serializeError, serializeOutput } from '../../../lib/protocol/xml.js';
import { wellFormedXml } from '../support/well-formed-xml.js';
import { NASTY_STRINGS, describeInstancesOutput, generateValue, seededRandom } from './xml-fixtures.js';
import { treeSerializeError, treeSerializeOutput } from './xml-tree-serializer.js';

const VARIANTS_PER_OPERATION = 40;
const actions = Object.keys(model.operations).sort();

/** Both serializers on the same output; equal strings, and the document an SDK can parse. */
function expectSame(action: string, output: unknown, requestId = 'req-1'): string {
  const direct = serializeOutput(action, output, requestId);
  expect(direct).toBe(treeSerializeOutput(action, output, requestId));
  return direct;
}

describe('direct XML writer against the tree + builder', () => {
  it('covers every operation of the model, with and without an output shape', () => {
    expect(actions.length).toBeGreaterThan(100);
    expect(actions.filter((a) => model.operations[a]!.output).length).toBeGreaterThan(60);
    expect(actions.filter((a) => !model.operations[a]!.output).length).toBeGreaterThan(0);
  });

  it.each(actions)('%s: the same bytes for generated outputs', (action) => {
    const op = model.operations[action]!;
    let nonEmpty = 0;
    for (let seed = 0; seed < VARIANTS_PER_OPERATION; seed++) {
      const random = seededRandom(seed * 7919 + action.length);
      const output = op.output ? generateValue(shape(op.output), random) : {};
      const requestId = seed % 5 === 0 ? NASTY_STRINGS[seed % NASTY_STRINGS.length]! : `req-${seed}`;
      const xml = expectSame(action, output, requestId);
      if (seed % 10 === 0) expect(wellFormedXml(xml)).toBe(true);
      if (xml !== serializeOutput(action, {}, requestId)) nonEmpty++;
    }
    expectSame(action, undefined);
    expectSame(action, null);
    expectSame(action, {});
    // The generator reached into the shape (not only empty structures), where the shape has members.
    if (op.output && Object.keys(shape(op.output).members ?? {}).length > 0) expect(nonEmpty).toBeGreaterThan(0);
  });

  it('the same bytes for a DescribeInstances answer of many instances', () => {
    const xml = expectSame('DescribeInstances', describeInstancesOutput(50), 'bench-request');
    expect(xml).toContain('<key>owner &amp; &lt;team&gt;</key>');
    expect(xml).toContain('<value>htcondor &quot;pool&quot; &apos;a&apos;</value>');
    expect(xml).toContain('<productCodes></productCodes>');
  });

  it('the same bytes for the outputs the other serializer tests use', () => {
    expectSame('DescribeImageAttribute', { ImageId: 'ami-1', KernelId: {}, ProductCodes: [] });
    expectSame('DescribeImageAttribute', { ImageId: 'ami-1', KernelId: { Value: 'aki-1' } });
    expectSame('DescribeRegions', { Regions: [{ RegionName: 'RegionOne', Endpoint: 'http://127.0.0.1:3000/', OptInStatus: 'opt-in-not-required' }] });
    expectSame('DescribeVolumes', {
      Volumes: [{ VolumeId: 'vol-1', CreateTime: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), Encrypted: false, Size: 1, Tags: [{ Key: 'a<b', Value: '&' }] }],
    });
    expectSame('DescribeTags', { Tags: [] });
    expectSame('CreateTags', {});
    expectSame('DescribeTags', { Tags: [{ Key: 'k\u0000', Value: 'v\u0007\ud800', ResourceId: 'i-12345678', ResourceType: 'instance' }] });
    // Absent structures inside list items stay as empty items, as before.
    expectSame('DescribeInstances', { Reservations: [{}, { Instances: [{}, { State: {} }] }] });
  });

  it('the same error documents, long messages cut at the same place', () => {
    const random = seededRandom(42);
    const texts = [...NASTY_STRINGS, 'x'.repeat(ERROR_MESSAGE_MAX), 'é'.repeat(ERROR_MESSAGE_MAX + 1), '\ud83d\ude00'.repeat(ERROR_MESSAGE_MAX + 5)];
    for (let i = 0; i < 300; i++) {
      const code = texts[Math.floor(random() * texts.length)]!;
      const message = texts[Math.floor(random() * texts.length)]! + texts[Math.floor(random() * texts.length)]!;
      const requestId = i % 3 === 0 ? texts[i % texts.length]! : `req-${i}`;
      const error = { code, message, status: 400 };
      expect(serializeError(error, requestId)).toBe(treeSerializeError(error, requestId));
    }
  });
});
