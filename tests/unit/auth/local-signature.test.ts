import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sigV2Signature, sigV4Signature, verifyLocally, sha256Hex } from '../../../lib/auth/local-signature.js';
import { signatureInfo, type IncomingRequest, type SigV2Info, type SigV4Info } from '../../../lib/auth/signed-request.js';

// Vectors from AWS's published SigV4 test suite ("get-vanilla", "get-vanilla-query-order-key-case").
const SUITE_SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const suiteRequest = (query: Record<string, string>, signature: string): IncomingRequest => ({
  method: 'GET',
  path: '/',
  query,
  headers: {
    host: 'example.amazonaws.com',
    'x-amz-date': '20150830T123600Z',
    authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`,
  },
  body: '',
});

describe('SigV4, recomputed locally', () => {
  it('matches the AWS test suite (get-vanilla)', async () => {
    const expected = '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31';
    const request = suiteRequest({}, expected);
    const info = signatureInfo(request, {}) as SigV4Info;
    expect(await sigV4Signature(request, info, SUITE_SECRET, sha256Hex(''))).toBe(expected);
    expect(await verifyLocally(request, {}, info, SUITE_SECRET)).toBe(true);
  });

  it('matches the AWS test suite with sorted query keys (get-vanilla-query-order-key-case)', async () => {
    const expected = 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500';
    const request = suiteRequest({ Param2: 'value2', Param1: 'value1' }, expected);
    const info = signatureInfo(request, request.query) as SigV4Info;
    expect(await verifyLocally(request, request.query, info, SUITE_SECRET)).toBe(true);
  });

  it('rejects a tampered body or a wrong secret', async () => {
    const expected = '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31';
    const request = suiteRequest({}, expected);
    const info = signatureInfo(request, {}) as SigV4Info;
    expect(await verifyLocally({ ...request, body: 'x' }, {}, info, SUITE_SECRET)).toBe(false);
    expect(await verifyLocally(request, {}, info, `${SUITE_SECRET}x`)).toBe(false);
  });
});

describe('SigV2, recomputed locally', () => {
  // The example of AWS's Signature Version 2 documentation.
  const params = {
    AWSAccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    Action: 'DescribeJobFlows',
    SignatureMethod: 'HmacSHA256',
    SignatureVersion: '2',
    Timestamp: '2011-10-03T15:19:30',
    Version: '2009-03-31',
  };
  const request: IncomingRequest = {
    method: 'GET',
    path: '/',
    query: params,
    headers: { host: 'elasticmapreduce.amazonaws.com' },
    body: '',
  };

  it('matches the documented HmacSHA256 example', () => {
    const info = { version: 2, accessKey: params.AWSAccessKeyId, signature: '', method: 'HmacSHA256' } as SigV2Info;
    expect(sigV2Signature(request, params, info, 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')).toBe(
      'i91nKc4PWAt0JJIdXwz9HxZCJDdiy6cf/Mj6vPxyYIs=',
    );
  });

  it('signs HmacSHA1 over the same string', () => {
    const info = { version: 2, accessKey: params.AWSAccessKeyId, signature: '', method: 'HmacSHA1' } as SigV2Info;
    const stringToSign = `GET\nelasticmapreduce.amazonaws.com\n/\nAWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Action=DescribeJobFlows&SignatureMethod=HmacSHA256&SignatureVersion=2&Timestamp=2011-10-03T15%3A19%3A30&Version=2009-03-31`;
    expect(sigV2Signature(request, params, info, 'secret')).toBe(
      createHmac('sha1', 'secret').update(stringToSign).digest('base64'),
    );
  });
});
