import { describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import { serializeError, serializeOutput } from '../../../lib/protocol/xml.js';

const parser = new XMLParser({ ignoreAttributes: false });

describe('serializeOutput', () => {
  it('omits absent values (empty structures) where AWS omits them, keeping empty lists', () => {
    const absent = serializeOutput('DescribeImageAttribute', { ImageId: 'ami-1', KernelId: {}, ProductCodes: [] }, 'req-1');
    expect(absent).not.toContain('<kernel');
    expect(absent).toContain('<productCodes></productCodes>');
    const present = parser.parse(serializeOutput('DescribeImageAttribute', { ImageId: 'ami-1', KernelId: { Value: 'aki-1' } }, 'req-2'));
    expect(present.DescribeImageAttributeResponse.kernel).toEqual({ value: 'aki-1' });
  });

  it('writes members under their location names with <item> lists and the EC2 namespace', () => {
    const xml = serializeOutput(
      'DescribeRegions',
      { Regions: [{ RegionName: 'RegionOne', Endpoint: 'http://127.0.0.1:3000/', OptInStatus: 'opt-in-not-required' }] },
      'req-1',
    );
    const doc = parser.parse(xml);
    expect(doc.DescribeRegionsResponse['@_xmlns']).toBe('http://ec2.amazonaws.com/doc/2016-11-15/');
    expect(doc.DescribeRegionsResponse.requestId).toBe('req-1');
    expect(doc.DescribeRegionsResponse.regionInfo.item).toEqual({
      regionName: 'RegionOne',
      regionEndpoint: 'http://127.0.0.1:3000/',
      optInStatus: 'opt-in-not-required',
    });
  });

  it('formats timestamps as ISO-8601 with milliseconds, booleans as true/false, and escapes text', () => {
    const xml = serializeOutput(
      'DescribeVolumes',
      {
        Volumes: [
          { VolumeId: 'vol-1', CreateTime: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), Encrypted: false, Size: 1, Tags: [{ Key: 'a<b', Value: '&' }] },
        ],
      },
      'r',
    );
    expect(xml).toContain('<createTime>2024-01-02T03:04:05.000Z</createTime>');
    expect(xml).toContain('<encrypted>false</encrypted>');
    expect(xml).toContain('<key>a&lt;b</key>');
    expect(xml).toContain('<value>&amp;</value>');
  });

  it('writes empty lists as empty elements and answers <return>true</return> without an output shape', () => {
    expect(serializeOutput('DescribeTags', { Tags: [] }, 'r')).toMatch(/<tagSet><\/tagSet>|<tagSet\/>/);
    expect(serializeOutput('CreateTags', {}, 'r')).toContain('<return>true</return>');
  });
});

describe('serializeError', () => {
  it('writes the AWS error document', () => {
    const doc = parser.parse(serializeError({ code: 'AuthFailure', message: 'no', status: 401 }, 'req-9'));
    expect(doc.Response.Errors.Error).toEqual({ Code: 'AuthFailure', Message: 'no' });
    expect(doc.Response.RequestID).toBe('req-9');
  });
});
