/**
 * The rules a signed request must follow before any key is involved: the payload hash is the body's,
 * the host is signed, the scope date is the signing day, expiries are bounded, the form is UTF-8.
 */
import { describe, expect, it } from 'vitest';
import { checkDeclaredPayloadHash, sha256Hex } from '../../../lib/auth/local-signature.js';
import {
  checkSigV4Rules,
  checkTime,
  signatureInfo,
  type IncomingRequest,
  type SigV4Info,
} from '../../../lib/auth/signed-request.js';
import { requestParams } from '../../../lib/http/gateway.js';
import { Ec2Error } from '../../../lib/protocol/errors.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof Ec2Error) return `${e.code} ${e.status}`;
    throw e;
  }
  return 'no error';
}

const body = 'Action=DescribeRegions&Version=2016-11-15';

function headerSigned(overrides: { signedHeaders?: string; scopeDate?: string; amzDate?: string; headers?: Record<string, string>; body?: string } = {}) {
  const amzDate = overrides.amzDate ?? '20261122T235959Z';
  const request: IncomingRequest = {
    method: 'POST',
    path: '/',
    query: {},
    headers: {
      host: 'h',
      'x-amz-date': amzDate,
      authorization: `AWS4-HMAC-SHA256 Credential=AK/${overrides.scopeDate ?? '20261122'}/RegionOne/ec2/aws4_request, SignedHeaders=${overrides.signedHeaders ?? 'host;x-amz-date'}, Signature=abc`,
      ...overrides.headers,
    },
    body: overrides.body ?? body,
  };
  return { request, info: signatureInfo(request, {}) as SigV4Info };
}

describe('SigV4 rules', () => {
  it('refuses a signature that does not cover the host header', () => {
    const { info } = headerSigned({ signedHeaders: 'content-type;x-amz-date' });
    expect(codeOf(() => checkSigV4Rules(info))).toBe('IncompleteSignature 400');
    expect(codeOf(() => checkSigV4Rules(headerSigned().info))).toBe('no error');
  });

  it('refuses a credential scope dated another day than X-Amz-Date, even by one second', () => {
    const { info } = headerSigned({ scopeDate: '20261123', amzDate: '20261122T235959Z' });
    expect(codeOf(() => checkSigV4Rules(info))).toBe('AuthFailure 401');
  });

  it('checks the scope date of a presigned URL too', () => {
    const request: IncomingRequest = {
      method: 'GET',
      path: '/',
      query: {
        'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
        'X-Amz-Credential': 'AK/20261121/RegionOne/ec2/aws4_request',
        'X-Amz-Date': '20261122T010203Z',
        'X-Amz-Expires': '60',
        'X-Amz-SignedHeaders': 'host',
        'X-Amz-Signature': 'sig',
      },
      headers: { host: 'h' },
      body: '',
    };
    expect(codeOf(() => checkSigV4Rules(signatureInfo(request, request.query) as SigV4Info))).toBe('AuthFailure 401');
  });

  it('refuses a declared payload hash that is not the hash of the body received', () => {
    const { request, info } = headerSigned({ headers: { 'x-amz-content-sha256': sha256Hex('Action=DescribeInstances') } });
    expect(codeOf(() => checkDeclaredPayloadHash(request, info))).toBe('AuthFailure 401');
    const honest = headerSigned({ headers: { 'x-amz-content-sha256': sha256Hex(body) } });
    expect(codeOf(() => checkDeclaredPayloadHash(honest.request, honest.info))).toBe('no error');
  });

  it('refuses UNSIGNED-PAYLOAD wherever there is a payload', () => {
    const { request, info } = headerSigned({ headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    expect(codeOf(() => checkDeclaredPayloadHash(request, info))).toBe('AuthFailure 401');
    const empty = headerSigned({ headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, body: '' });
    expect(codeOf(() => checkDeclaredPayloadHash(empty.request, empty.info))).toBe('AuthFailure 401');
  });
});

describe('expiry bounds', () => {
  const now = new Date('2026-11-22T12:00:00Z');
  const presigned = (expires: string) =>
    ({
      method: 'GET',
      path: '/',
      query: {
        'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
        'X-Amz-Credential': 'AK/20261122/RegionOne/ec2/aws4_request',
        'X-Amz-Date': '20261122T115900Z',
        'X-Amz-Expires': expires,
        'X-Amz-SignedHeaders': 'host',
        'X-Amz-Signature': 'sig',
      },
      headers: { host: 'h' },
      body: '',
    }) satisfies IncomingRequest;

  it('refuses X-Amz-Expires beyond 604800 seconds or not a whole number', () => {
    const info = (e: string) => signatureInfo(presigned(e), presigned(e).query);
    expect(codeOf(() => checkTime(info('604800'), 300, now))).toBe('no error');
    expect(codeOf(() => checkTime(info('604801'), 300, now))).toBe('AuthFailure 401');
    expect(codeOf(() => info('1e3'))).toBe('AuthFailure 401');
    expect(codeOf(() => info('-5'))).toBe('AuthFailure 401');
  });

  it('refuses a SigV2 Expires more than 7 days ahead, accepts one within', () => {
    const sigV2 = (expires: Date) =>
      signatureInfo(
        { method: 'POST', path: '/', query: {}, headers: { host: 'h' }, body: '' },
        { SignatureVersion: '2', SignatureMethod: 'HmacSHA256', AWSAccessKeyId: 'AK', Signature: 's', Expires: expires.toISOString() },
      );
    expect(codeOf(() => checkTime(sigV2(new Date('2066-01-01T00:00:00Z')), 300, now))).toBe('AuthFailure 401');
    expect(codeOf(() => checkTime(sigV2(new Date(now.getTime() + 604_801_000)), 300, now))).toBe('AuthFailure 401');
    expect(codeOf(() => checkTime(sigV2(new Date(now.getTime() + 3600_000)), 300, now))).toBe('no error');
    expect(codeOf(() => checkTime(sigV2(new Date(now.getTime() - 1000)), 300, now))).toBe('RequestExpired 400');
  });
});

describe('form bodies', () => {
  const form = (text: string): IncomingRequest => ({
    method: 'POST',
    path: '/',
    query: {},
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: text,
  });

  it('refuses a body that was not UTF-8 (decoded with replacement characters) with InvalidQueryParameter 400', () => {
    const decodedByGateway = Buffer.from([...Buffer.from('Action=DescribeRegions&Name='), 0xff, 0xfe]).toString('utf8');
    expect(codeOf(() => requestParams(form(decodedByGateway)))).toBe('InvalidQueryParameter 400');
  });

  it('refuses percent-encoded bytes that are not UTF-8', () => {
    expect(codeOf(() => requestParams(form('Action=DescribeRegions&RegionName.1=%FF%FE')))).toBe('InvalidQueryParameter 400');
  });

  it('accepts percent-encoded UTF-8 and plus-encoded spaces', () => {
    expect(requestParams(form('Action=DescribeTags&Filter.1.Value.1=caf%C3%A9+cr%C3%A8me'))).toEqual({
      Action: 'DescribeTags',
      'Filter.1.Value.1': 'café crème',
    });
  });
});
