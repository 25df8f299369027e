/**
 * Signed requests tampered with after signing, sent raw to the running endpoint (real Keystone):
 * each must be refused with AWS's code, and forged signatures must not cost a Keystone round trip
 * each time.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex, sigV4Signature } from '../../lib/auth/local-signature.js';
import type { IncomingRequest, SigV4Info } from '../../lib/auth/signed-request.js';
import { ec2Client } from './support/clients.js';
import { endpointInfo, fixtures, profileOf } from './support/env.js';
import { openstackAs } from './support/openstack.js';
import { form, frontDoorLog, send, signRequest } from './support/tamper.js';

const NOT_AN_INSTANCE = 'i-0123456789abcdef0';
const describeRegions = form({ Action: 'DescribeRegions' });

beforeAll(async () => {
  // The demo credential is known to the endpoint (its secret held), as it is in steady state.
  await ec2Client('demo').send(new DescribeRegionsCommand({}));
});

describe('what is executed is what was signed', () => {
  it('control: an untampered raw request is served', async () => {
    const response = await send(await signRequest({ body: describeRegions }));
    expect(response.status, response.body).toBe(200);
  });

  it('a body swapped under a signed x-amz-content-sha256 is AuthFailure 401', async () => {
    const signed = await signRequest({ body: describeRegions, headers: { 'x-amz-content-sha256': sha256Hex(describeRegions) } });
    const swapped = await send({ ...signed, body: form({ Action: 'DescribeInstances', 'InstanceId.1': NOT_AN_INSTANCE }) });
    expect([swapped.status, swapped.code]).toEqual([401, 'AuthFailure']);
  });

  it('UNSIGNED-PAYLOAD is AuthFailure 401 (the EC2 API carries the action in the payload)', async () => {
    const response = await send(await signRequest({ body: describeRegions, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }));
    expect([response.status, response.code]).toEqual([401, 'AuthFailure']);
  });

  it('a query added to a header-signed POST is AuthFailure 401, never merged into the action', async () => {
    const signed = await signRequest({ body: form({ Action: 'DescribeInstances' }) });
    const url = new URL(signed.url);
    url.searchParams.set('InstanceId.1', NOT_AN_INSTANCE);
    const injected = await send({ ...signed, url });
    expect([injected.status, injected.code], injected.body).toEqual([401, 'AuthFailure']);
  });

  it("the same injection is refused on a credential's first use, where Keystone (which ignores the query of a POST) is asked", async () => {
    const demo = await openstackAs('demo');
    const userId = fixtures().projects['demo']!.userId;
    const { credential } = await demo.keystone.post<{ credential: { access: string; secret: string } }>(
      `users/${userId}/credentials/OS-EC2`,
      { tenant_id: demo.projectId },
    );
    try {
      const signed = await signRequest({ body: form({ Action: 'DescribeInstances' }), accessKey: credential.access, secret: credential.secret });
      const url = new URL(signed.url);
      url.searchParams.set('InstanceId.1', NOT_AN_INSTANCE);
      const injected = await send({ ...signed, url });
      expect([injected.status, injected.code], injected.body).toEqual([401, 'AuthFailure']);
      const honest = await send(await signRequest({ body: describeRegions, accessKey: credential.access, secret: credential.secret }));
      expect(honest.status, honest.body).toBe(200);
    } finally {
      await demo.keystone.delete(`users/${userId}/credentials/OS-EC2/${credential.access}`);
    }
  });
});

describe('signing rules', () => {
  it('a signature without host among its signed headers is IncompleteSignature 400', async () => {
    const signed = await signRequest({ body: describeRegions, omitHost: true });
    expect(signed.headers['authorization']).not.toMatch(/SignedHeaders=[^,]*host/);
    const response = await send(signed);
    expect([response.status, response.code]).toEqual([400, 'IncompleteSignature']);
  });

  it('a credential scope dated another day than X-Amz-Date is AuthFailure 401, though correctly signed', async () => {
    const demo = profileOf('demo');
    const url = new URL(endpointInfo().endpoint);
    const now = new Date();
    const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const yesterday = new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
    const headers = { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'x-amz-date': amzDate };
    const request: IncomingRequest = { method: 'POST', path: url.pathname, query: {}, headers, body: describeRegions };
    const info: SigV4Info = {
      version: 4,
      location: 'header',
      accessKey: demo.ec2.access,
      signature: '',
      amzDate,
      signedAt: now,
      scopeDate: yesterday,
      region: endpointInfo().region,
      service: 'ec2',
      signedHeaders: ['content-type', 'host', 'x-amz-date'],
    };
    const signature = await sigV4Signature(request, info, demo.ec2.secret, sha256Hex(describeRegions));
    const authorization = `AWS4-HMAC-SHA256 Credential=${demo.ec2.access}/${yesterday}/${info.region}/ec2/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=${signature}`;
    const response = await send({ url, headers: { ...headers, authorization }, body: describeRegions });
    expect([response.status, response.code], response.body).toEqual([401, 'AuthFailure']);
  });

  function sigV2(params: Record<string, string>): string {
    const demo = profileOf('demo');
    const url = new URL(endpointInfo().endpoint);
    const all: Record<string, string> = { AWSAccessKeyId: demo.ec2.access, SignatureMethod: 'HmacSHA256', SignatureVersion: '2', Version: '2016-11-15', ...params };
    const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const canonical = Object.keys(all).sort().map((k) => `${enc(k)}=${enc(all[k]!)}`).join('&');
    const signature = createHmac('sha256', demo.ec2.secret).update(`POST\n${url.host}\n${url.pathname}\n${canonical}`).digest('base64');
    return new URLSearchParams({ ...all, Signature: signature }).toString();
  }

  const postForm = (body: string) =>
    send({ url: new URL(endpointInfo().endpoint), headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body });

  it('SigV2 with Expires decades ahead is AuthFailure 401; within 7 days it is served', async () => {
    const far = await postForm(sigV2({ Action: 'DescribeRegions', Expires: '2066-01-01T00:00:00Z' }));
    expect([far.status, far.code], far.body).toEqual([401, 'AuthFailure']);
    const near = await postForm(sigV2({ Action: 'DescribeRegions', Expires: new Date(Date.now() + 3600_000).toISOString() }));
    expect(near.status, near.body).toBe(200);
  });

  it('a request replayed outside the clock-skew window is RequestExpired 400', async () => {
    const response = await send(await signRequest({ body: describeRegions, signingDate: new Date(Date.now() - 10 * 60_000) }));
    expect([response.status, response.code]).toEqual([400, 'RequestExpired']);
  });

  it('a correctly signed body that is not UTF-8 is InvalidQueryParameter 400, not AuthFailure', async () => {
    const body = Buffer.concat([Buffer.from('Action=DescribeRegions&Version=2016-11-15&RegionName.1='), Buffer.from([0xff, 0xfe, 0x41])]);
    const response = await send(await signRequest({ body: new Uint8Array(body) }));
    expect([response.status, response.code], response.body).toEqual([400, 'InvalidQueryParameter']);
  });
});

describe('the cost of forged signatures', () => {
  const madeUpKey = () => `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;

  it('one forged signature, replayed, reaches Keystone once', async () => {
    const forged = await signRequest({ body: describeRegions, accessKey: madeUpKey(), secret: 'forged' });
    const first = await send(forged);
    expect([first.status, first.code]).toEqual([401, 'AuthFailure']);
    const before = await frontDoorLog(first.requestId);
    const replays = [];
    for (let i = 0; i < 20; i++) replays.push(await send(forged));
    expect(replays.map((r) => r.code)).toEqual(Array(20).fill('AuthFailure'));
    const lines = (await Promise.all(replays.map((r) => frontDoorLog(r.requestId)))).filter((l) => l.container === before.container);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.keystoneCalls).toBe(before.keystoneCalls);
  });

  it('forgeries of a known access key cost no Keystone call at all', async () => {
    const warm = await send(await signRequest({ body: describeRegions }));
    expect(warm.status).toBe(200);
    const before = await frontDoorLog(warm.requestId);
    const forged = [];
    for (let i = 0; i < 20; i++) forged.push(await send(await signRequest({ body: describeRegions, secret: `wrong-${i}` })));
    expect(forged.map((r) => r.code)).toEqual(Array(20).fill('AuthFailure'));
    const lines = (await Promise.all(forged.map((r) => frontDoorLog(r.requestId)))).filter((l) => l.container === before.container);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.keystoneCalls).toBe(before.keystoneCalls);
    // The owner is not locked out by them.
    const owner = await send(await signRequest({ body: describeRegions }));
    expect(owner.status, owner.body).toBe(200);
  });

  it('distinct forged signatures for one unknown access key: a few Keystone checks, then RequestLimitExceeded 503', async () => {
    const accessKey = madeUpKey();
    const responses = [];
    for (let i = 0; i < 12; i++) responses.push(await send(await signRequest({ body: describeRegions, accessKey, secret: `forged-${i}` })));
    const lines = await Promise.all(responses.map((r) => frontDoorLog(r.requestId)));
    expect(responses.slice(0, 5).map((r) => r.code)).toEqual(Array(5).fill('AuthFailure'));
    expect(responses.slice(6).map((r) => [r.status, r.code])).toEqual(Array(6).fill([503, 'RequestLimitExceeded']));
    const last = lines[lines.length - 1]!;
    const sameProcess = lines.filter((l) => l.container === last.container);
    expect(sameProcess[sameProcess.length - 1]!.keystoneCalls - sameProcess[0]!.keystoneCalls).toBeLessThanOrEqual(5);
  });
});
