/**
 * Issue 16, items 6–10: hostile values are refused by the parser with AWS's codes (never a 500),
 * and nothing a client sends can make an error document invalid XML.
 */
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { compileFilters } from '../../../lib/describe/filters.js';
import { requestParams } from '../../../lib/http/gateway.js';
import { invalidValueFor, notFound } from '../../../lib/protocol/errors.js';
import { parseInput } from '../../../lib/protocol/query.js';
import { serializeError, serializeOutput } from '../../../lib/protocol/xml.js';
import { uuidsOf } from '../../../lib/store/ids.js';
import { errorOf } from '../support/ec2-error.js';
import { MemoryStore } from '../support/memory-store.js';
import { wellFormedXml } from '../support/well-formed-xml.js';

/** The parameters of a form POST with this body, as the front door reads them. */
const formParams = (body: string) =>
  requestParams({ method: 'POST', path: '/', query: {}, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

describe('prototype keys (item 10)', () => {
  it.each(['__proto__', 'constructor', 'prototype'])('answers UnknownParameter for %s in a form body', (name) => {
    const params = formParams(`Action=DescribeRegions&${name}=v`);
    expect(Object.keys(params)).toContain(name);
    const error = errorOf(() => parseInput('DescribeRegions', params));
    expect(error.code).toBe('UnknownParameter');
    expect(error.message).toContain(name);
  });

  it('answers UnknownParameter for __proto__ in the query string of a GET', () => {
    const params = requestParams({ method: 'GET', path: '/', query: Object.fromEntries([['__proto__', 'v']]), headers: {}, body: '' });
    expect(errorOf(() => parseInput('DescribeRegions', params)).code).toBe('UnknownParameter');
  });
});

describe('strict numbers (item 10)', () => {
  it.each(['\u00a05', '5\u00a0', ' 5', '5 ', '5\n', '\t5', '0x10', '5.0', '', '1e3'])('refuses MaxResults=%j', (raw) => {
    const error = errorOf(() => parseInput('DescribeInstances', { MaxResults: raw }));
    expect(error.code).toBe('InvalidParameterValue');
    expect(error.status).toBe(400);
  });

  it('accepts plain integers', () => {
    expect(parseInput('DescribeInstances', { MaxResults: '50' })).toEqual({ MaxResults: 50 });
    expect(parseInput('DescribeInstances', { MaxResults: '+50' })).toEqual({ MaxResults: 50 });
  });

  it('refuses booleans with surrounding whitespace', () => {
    expect(errorOf(() => parseInput('DescribeInstances', { DryRun: '\u00a0true' })).code).toBe('InvalidParameterValue');
  });
});

describe('lengths AWS bounds (items 7 and 8)', () => {
  const long = (n: number) => 'x'.repeat(n);

  it('refuses a ClientToken over 64 characters and accepts 64', () => {
    const base = { ImageId: 'ami-12345678', MinCount: '1', MaxCount: '1' };
    const error = errorOf(() => parseInput('RunInstances', { ...base, ClientToken: long(65) }));
    expect(error.code).toBe('InvalidParameterValue');
    expect(error.message).toContain('ClientToken');
    expect(parseInput('RunInstances', { ...base, ClientToken: long(64) })).toMatchObject({ ClientToken: long(64) });
    expect(errorOf(() => parseInput('CreateVolume', { Size: '1', AvailabilityZone: 'nova', ClientToken: long(2000) })).code).toBe(
      'InvalidParameterValue',
    );
  });

  it('bounds tag keys at 128 and values at 256 characters', () => {
    const tags = (key: string, value: string) => ({ 'ResourceId.1': 'i-12345678', 'Tag.1.Key': key, 'Tag.1.Value': value });
    expect(parseInput('CreateTags', tags(long(128), long(256)))).toBeTruthy();
    expect(errorOf(() => parseInput('CreateTags', tags(long(129), 'v'))).code).toBe('InvalidParameterValue');
    expect(errorOf(() => parseInput('CreateTags', tags('k', long(257)))).code).toBe('InvalidParameterValue');
    expect(
      errorOf(() =>
        parseInput('RunInstances', {
          ImageId: 'ami-12345678',
          MinCount: '1',
          MaxCount: '1',
          'TagSpecification.1.ResourceType': 'instance',
          'TagSpecification.1.Tag.1.Key': long(129),
          'TagSpecification.1.Tag.1.Value': 'v',
        }),
      ).code,
    ).toBe('InvalidParameterValue');
  });

  it('bounds values that would reach an OpenStack URL', () => {
    const hundredKb = long(100_000);
    const cases: Array<[string, Record<string, string>]> = [
      ['RunInstances', { ImageId: 'ami-12345678', MinCount: '1', MaxCount: '1', KeyName: long(256) }],
      ['RunInstances', { ImageId: 'ami-12345678', MinCount: '1', MaxCount: '1', 'Placement.AvailabilityZone': hundredKb }],
      ['CreateVolume', { Size: '1', AvailabilityZone: hundredKb }],
      ['DescribeImages', { 'Owner.1': hundredKb }],
      ['DescribeImages', { 'ExecutableBy.1': hundredKb }],
      ['DescribeKeyPairs', { 'KeyName.1': hundredKb }],
      ['CreateKeyPair', { KeyName: hundredKb }],
      ['CreateSnapshot', { VolumeId: 'vol-12345678', Description: long(256) }],
      ['CreateImage', { InstanceId: 'i-12345678', Name: long(129) }],
      ['DescribeInstances', { 'InstanceId.1': hundredKb }],
      ['DescribeAvailabilityZones', { 'ZoneName.1': hundredKb }],
    ];
    for (const [action, params] of cases) {
      const error = errorOf(() => parseInput(action, params));
      expect([action, error.code]).toEqual([action, 'InvalidParameterValue']);
      expect(error.message.length).toBeLessThan(400);
    }
  });

  it('keeps 16 KB of base64 user data', () => {
    const userData = Buffer.alloc(16 * 1024, 7).toString('base64');
    expect(parseInput('RunInstances', { ImageId: 'ami-12345678', MinCount: '1', MaxCount: '1', UserData: userData })).toMatchObject({
      UserData: userData,
    });
  });
});

describe('filter limits (item 6)', () => {
  it('refuses a 100 KB filter value as InvalidParameterValue, from the parser and from compileFilters', () => {
    const value = '*'.repeat(50_000) + 'a'.repeat(50_000);
    const error = errorOf(() => parseInput('DescribeInstances', { 'Filter.1.Name': 'tag:Name', 'Filter.1.Value.1': value }));
    expect(error.code).toBe('InvalidParameterValue');
    expect(errorOf(() => compileFilters([{ Name: 'tag:Name', Values: [value] }], {})).code).toBe('InvalidParameterValue');
  });

  it('refuses more than 200 filter values with FilterLimitExceeded', () => {
    const params: Record<string, string> = { 'Filter.1.Name': 'instance-id' };
    for (let i = 1; i <= 201; i++) params[`Filter.1.Value.${i}`] = `i-${String(i).padStart(8, '0')}`;
    expect(errorOf(() => parseInput('DescribeInstances', params)).code).toBe('FilterLimitExceeded');
    delete params['Filter.1.Value.201'];
    expect(parseInput('DescribeInstances', params)).toBeTruthy();
  });
});

describe('ids that cannot be ids (item 7)', () => {
  it('are never looked up in the table', async () => {
    const store = new MemoryStore();
    const asked: string[][] = [];
    const getMany = store.getMany.bind(store);
    store.getMany = async (keys: string[]) => {
      asked.push(keys);
      return getMany(keys);
    };
    const found = await uuidsOf(store, ['i-' + 'a'.repeat(2000), 'vol-12345678', "'; DROP"]);
    expect(found.size).toBe(0);
    expect(asked.flat()).toEqual(['id#vol-12345678']);
  });
});

describe('error documents (item 9)', () => {
  const validator = wellFormedXml;
  const parser = new XMLParser();

  it('escape control characters a client sent and cap what they repeat', () => {
    const hostile = 'a\u0000b\u0001c\u001b' + '\ud800' + 'x'.repeat(60_000);
    const error = invalidValueFor('KeyName', hostile);
    const xml = serializeError(error.toJSON(), 'req-1');
    expect(validator(xml)).toBe(true);
    const doc = parser.parse(xml);
    expect(doc.Response.RequestID).toBe('req-1');
    expect(doc.Response.Errors.Error.Message).toContain('a\\u0000b\\u0001c\\u001b\\ud800');
    expect(xml.length).toBeLessThan(1000);
  });

  it('stays valid XML whatever a message holds', () => {
    const message = `bad \u0000\u0008\u000b\ufffe\udfff value ${'y'.repeat(10_000)}`;
    const xml = serializeError({ code: 'InvalidParameterValue', message, status: 400 }, 'req-2');
    expect(validator(xml)).toBe(true);
    expect(xml.length).toBeLessThan(3000);
    expect(validator(serializeError(notFound('InvalidInstanceID.NotFound', '\u0000', 'instance').toJSON(), 'r'))).toBe(true);
  });

  it('keep output documents valid when a stored value holds a control character', () => {
    const xml = serializeOutput(
      'DescribeTags',
      { Tags: [{ Key: 'k\u0000', Value: 'v\u0007\ud800', ResourceId: 'i-12345678', ResourceType: 'instance' }] },
      'req-3',
    );
    expect(validator(xml)).toBe(true);
  });
});
