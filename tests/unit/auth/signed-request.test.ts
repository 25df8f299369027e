import { describe, expect, it } from 'vitest';
import { checkTime, signatureInfo, type IncomingRequest } from '../../../lib/auth/signed-request.js';
import { Ec2Error } from '../../../lib/protocol/errors.js';

const base: IncomingRequest = { method: 'POST', path: '/', query: {}, headers: { host: 'h' }, body: '' };

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof Ec2Error) return `${e.code} ${e.status}`;
    throw e;
  }
  return 'no error';
}

describe('signatureInfo', () => {
  it('reads a SigV4 Authorization header with any region and service in its scope', () => {
    const info = signatureInfo(
      {
        ...base,
        headers: {
          host: 'h',
          'x-amz-date': '20261122T010203Z',
          authorization: 'AWS4-HMAC-SHA256 Credential=AK/20261122/nova/compute/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc',
        },
      },
      {},
    );
    expect(info).toMatchObject({ version: 4, location: 'header', accessKey: 'AK', region: 'nova', service: 'compute', signature: 'abc' });
  });

  it('reads presigned query parameters', () => {
    const query = {
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AK/20261122/RegionOne/ec2/aws4_request',
      'X-Amz-Date': '20261122T010203Z',
      'X-Amz-Expires': '60',
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Signature': 'sig',
    };
    expect(signatureInfo({ ...base, method: 'GET', query }, query)).toMatchObject({ version: 4, location: 'query', expiresSeconds: 60 });
  });

  it('reads SigV2 and refuses other versions and methods', () => {
    const params = { AWSAccessKeyId: 'AK', Signature: 's', SignatureMethod: 'HmacSHA1', SignatureVersion: '2', Timestamp: '2026-11-22T01:02:03Z' };
    expect(signatureInfo(base, params)).toMatchObject({ version: 2, method: 'HmacSHA1' });
    expect(codeOf(() => signatureInfo(base, { ...params, SignatureVersion: '1' }))).toBe('AuthFailure 401');
    expect(codeOf(() => signatureInfo(base, { ...params, SignatureMethod: 'HmacMD5' }))).toBe('AuthFailure 401');
  });

  it('answers MissingAuthenticationToken for unsigned requests', () => {
    expect(codeOf(() => signatureInfo(base, { Action: 'DescribeRegions' }))).toBe('MissingAuthenticationToken 401');
  });
});

describe('checkTime', () => {
  const now = new Date('2026-11-22T12:00:00Z');
  const v4 = (amzDate: string, extra = {}) => ({
    version: 4 as const,
    location: 'header' as const,
    accessKey: 'AK',
    signature: 's',
    amzDate,
    signedAt: new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`),
    scopeDate: amzDate.slice(0, 8),
    region: 'r',
    service: 'ec2',
    signedHeaders: ['host'],
    ...extra,
  });

  it('accepts requests within the skew and rejects older or future ones', () => {
    expect(() => checkTime(v4('20261122T115600Z'), 300, now)).not.toThrow();
    expect(codeOf(() => checkTime(v4('20261122T115400Z'), 300, now))).toBe('RequestExpired 400');
    expect(codeOf(() => checkTime(v4('20261122T120600Z'), 300, now))).toBe('RequestExpired 400');
  });

  it('honours a presigned URL expiry instead of the skew', () => {
    expect(() => checkTime(v4('20261122T110000Z', { location: 'query', expiresSeconds: 7200 }), 300, now)).not.toThrow();
    expect(codeOf(() => checkTime(v4('20261122T110000Z', { location: 'query', expiresSeconds: 60 }), 300, now))).toBe('RequestExpired 400');
  });

  it('rejects expired SigV2 requests', () => {
    const info = { version: 2 as const, accessKey: 'AK', signature: 's', method: 'HmacSHA256' as const, expires: new Date('2026-11-22T11:00:00Z') };
    expect(codeOf(() => checkTime(info, 300, now))).toBe('RequestExpired 400');
  });
});
