import { describe, expect, it } from 'vitest';
import { Authenticator, type KeystoneEc2Api } from '../../../lib/auth/authenticator.js';
import type { IncomingRequest } from '../../../lib/auth/signed-request.js';
import type { KeystoneToken } from '../../../lib/openstack/keystone.js';
import { OpenStackError } from '../../../lib/openstack/http.js';
import { Ec2Error } from '../../../lib/protocol/errors.js';
import { sha256Hex } from '../../../lib/auth/local-signature.js';
import { signedTestRequest } from '../support/signed-request.js';

const ACCESS = 'access-1';
const SECRET = 'secret-1';

/** Signatures made with the real secret: what Keystone would accept. */
const genuine = new Set<string>();

/**
 * Keystone as far as authentication is concerned: one credential, and a count of calls. Like the
 * real one, it accepts a genuine signature whatever query string a POST carries.
 */
function fakeKeystone(state = { secret: SECRET as string | undefined, deleted: false }) {
  const calls = { ec2Tokens: 0, ec2Secret: 0 };
  const token = (): KeystoneToken => ({
    id: `token-${calls.ec2Tokens}`,
    expiresAt: new Date(Date.now() + 3600_000),
    projectId: 'project-1',
    projectName: 'demo',
    userId: 'user-1',
    userName: 'demo',
    roles: ['member'],
    catalog: [{ type: 'compute', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: 'http://nova/v2.1' }] }],
  });
  const api: KeystoneEc2Api = {
    ec2Tokens: async (credentials) => {
      calls.ec2Tokens++;
      if (state.deleted || credentials.access !== ACCESS || !genuine.has(credentials.signature)) {
        throw new OpenStackError('keystone', 401, 'The request you have made requires authentication.', undefined, 'POST', '/v3/ec2tokens');
      }
      return token();
    },
    ec2Secret: async () => {
      calls.ec2Secret++;
      return state.secret;
    },
    readCredentialWithServiceToken: async () =>
      state.deleted || !state.secret ? undefined : { secret: state.secret, userId: 'user-1', projectId: 'project-1' },
  };
  return { api, calls, state };
}

async function signedRequest(
  secret = SECRET,
  body = 'Action=DescribeRegions&Version=2016-11-15',
  accessKey = ACCESS,
): Promise<IncomingRequest> {
  const request = await signedTestRequest(accessKey, secret, body);
  if (secret === SECRET) genuine.add(signatureOf(request.headers));
  return request;
}

const signatureOf = (headers: Record<string, string>) => /Signature=(\w+)/.exec(headers['authorization'] ?? '')![1]!;

const params = { Action: 'DescribeRegions', Version: '2016-11-15' };

describe('Authenticator', () => {
  it('asks Keystone once, then verifies locally until the TTL runs out', async () => {
    const keystone = fakeKeystone();
    let now = Date.now();
    const auth = new Authenticator(keystone.api, () => now);
    const first = await auth.authenticate(await signedRequest(), params);
    expect(first).toMatchObject({ projectId: 'project-1', userId: 'user-1', endpoints: { compute: 'http://nova/v2.1' } });
    for (let i = 0; i < 20; i++) await auth.authenticate(await signedRequest(), params);
    expect(keystone.calls.ec2Tokens).toBe(1);

    now += 61_000;
    await auth.authenticate(await signedRequest(), params);
    expect(keystone.calls.ec2Tokens).toBe(2);
  });

  it('stops accepting a deleted credential once the TTL has passed', async () => {
    const keystone = fakeKeystone();
    let now = Date.now();
    const auth = new Authenticator(keystone.api, () => now);
    await auth.authenticate(await signedRequest(), params);
    keystone.state.deleted = true;
    now += 61_000;
    await expect(auth.authenticate(await signedRequest(), params)).rejects.toMatchObject({ code: 'AuthFailure', status: 401 });
  });

  it('rations Keystone checks for a deleted credential still signed with its old secret', async () => {
    const keystone = fakeKeystone();
    let now = Date.now();
    const auth = new Authenticator(keystone.api, () => now);
    await auth.authenticate(await signedRequest(), params);
    keystone.state.deleted = true;
    now += 61_000;
    const codes: string[] = [];
    for (let i = 0; i < 10; i++) {
      const request = await signedRequest(SECRET, `Action=DescribeRegions&Version=2016-11-15&RegionName.1=r${i}`);
      codes.push(await auth.authenticate(request, params).then(() => 'ok', (e: Ec2Error) => e.code));
    }
    expect(codes.slice(0, 6)).toEqual(Array(6).fill('AuthFailure'));
    expect(codes.slice(6)).toEqual(Array(4).fill('RequestLimitExceeded'));
    // One revalidation, then the per-key budget of 5.
    expect(keystone.calls.ec2Tokens).toBe(1 + 1 + 5);
  });

  it('answers AuthFailure for a wrong secret, even with a cached credential', async () => {
    const keystone = fakeKeystone();
    const auth = new Authenticator(keystone.api);
    await auth.authenticate(await signedRequest(), params);
    const forged = await signedRequest('not-the-secret');
    forged.headers['authorization'] = forged.headers['authorization']!.replace(/Signature=\w+/, 'Signature=bad');
    const error = await auth.authenticate(forged, params).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Ec2Error);
    expect(error).toMatchObject({ code: 'AuthFailure', status: 401 });
  });

  it('never reuses one credential for another access key', async () => {
    const keystone = fakeKeystone();
    const auth = new Authenticator(keystone.api);
    await auth.authenticate(await signedRequest(), params);
    const other = await signedRequest();
    other.headers['authorization'] = other.headers['authorization']!.replace(`Credential=${ACCESS}/`, 'Credential=someone-else/');
    await expect(auth.authenticate(other, params)).rejects.toMatchObject({ code: 'AuthFailure' });
  });
});

describe('Authenticator: what we execute is what was signed', () => {
  it('refuses an unsigned query added to a header-signed POST, though Keystone ignores it', async () => {
    const keystone = fakeKeystone();
    const auth = new Authenticator(keystone.api);
    const injected = await signedRequest();
    injected.query = { 'InstanceId.1': 'i-0123456789abcdef0' };
    await expect(auth.authenticate(injected, { ...params, ...injected.query })).rejects.toMatchObject({ code: 'AuthFailure', status: 401 });
    expect(keystone.calls.ec2Tokens).toBe(1);
    // Once the secret is held, the same trick is refused without Keystone.
    const again = await signedRequest();
    again.query = { 'InstanceId.1': 'i-0123456789abcdef0' };
    await expect(auth.authenticate(again, { ...params, ...again.query })).rejects.toMatchObject({ code: 'AuthFailure' });
    expect(keystone.calls.ec2Tokens).toBe(1);
  });

  it('without a readable secret, refuses a POST that carries a query rather than act on it', async () => {
    const keystone = fakeKeystone({ secret: undefined, deleted: false });
    const auth = new Authenticator(keystone.api);
    const injected = await signedRequest();
    injected.query = { 'InstanceId.1': 'i-0123456789abcdef0' };
    await expect(auth.authenticate(injected, { ...params, ...injected.query })).rejects.toMatchObject({ code: 'AuthFailure' });
    await expect(auth.authenticate(await signedRequest(), params)).resolves.toMatchObject({ projectId: 'project-1' });
  });

  it('refuses a body swapped under a declared payload hash, and UNSIGNED-PAYLOAD, before asking Keystone', async () => {
    const keystone = fakeKeystone();
    const auth = new Authenticator(keystone.api);
    const swapped = await signedRequest();
    swapped.headers['x-amz-content-sha256'] = sha256Hex(swapped.body);
    swapped.body = 'Action=DescribeInstances&Version=2016-11-15';
    await expect(auth.authenticate(swapped, { Action: 'DescribeInstances', Version: '2016-11-15' })).rejects.toMatchObject({ code: 'AuthFailure' });
    const unsigned = await signedRequest();
    unsigned.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
    await expect(auth.authenticate(unsigned, params)).rejects.toMatchObject({ code: 'AuthFailure' });
    expect(keystone.calls.ec2Tokens).toBe(0);
  });
});

describe('Authenticator: the cost of a forged signature', () => {
  const limits = {
    perAccessKey: { capacity: 3, refillPerSecond: 0.1 },
    overall: { capacity: 100, refillPerSecond: 100 },
    refusedSignatureTtlSeconds: 900,
    maxEntries: 100,
  };

  it('asks Keystone about one forged signature once', async () => {
    const keystone = fakeKeystone();
    const auth = new Authenticator(keystone.api, Date.now, limits);
    const forged = await signedRequest('not-the-secret');
    for (let i = 0; i < 10; i++) await expect(auth.authenticate(forged, params)).rejects.toMatchObject({ code: 'AuthFailure' });
    expect(keystone.calls.ec2Tokens).toBe(1);
  });

  it('rations Keystone checks of an access key we hold no secret for: RequestLimitExceeded 503 once spent', async () => {
    const keystone = fakeKeystone();
    let now = Date.now();
    const auth = new Authenticator(keystone.api, () => now, limits);
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) {
      const forged = await signedRequest(`wrong-${i}`);
      answers.push(await auth.authenticate(forged, params).then(() => 'ok', (e: Ec2Error) => `${e.code} ${e.status}`));
    }
    expect(answers).toEqual([...Array(3).fill('AuthFailure 401'), ...Array(3).fill('RequestLimitExceeded 503')]);
    expect(keystone.calls.ec2Tokens).toBe(3);
    // The bucket refills: the owner's first request gets through after a wait, and is not charged.
    now += 10_000;
    await expect(auth.authenticate(await signedRequest(), params)).resolves.toMatchObject({ projectId: 'project-1' });
    expect(keystone.calls.ec2Tokens).toBe(4);
  });

  it('never locks the owner out once the secret is held, however many forgeries came first', async () => {
    const keystone = fakeKeystone();
    let now = Date.now();
    const auth = new Authenticator(keystone.api, () => now, limits);
    await auth.authenticate(await signedRequest(), params);
    now += 61_000; // past the TTL: forgeries may ask Keystone again, within their budget
    for (let i = 0; i < 10; i++) {
      await expect(auth.authenticate(await signedRequest(`wrong-${i}`), params)).rejects.toMatchObject({ code: 'AuthFailure' });
    }
    expect(keystone.calls.ec2Tokens).toBe(1 + limits.perAccessKey.capacity);
    await expect(auth.authenticate(await signedRequest(), params)).resolves.toMatchObject({ projectId: 'project-1' });
    for (let i = 0; i < 5; i++) await auth.authenticate(await signedRequest(), params);
    expect(keystone.calls.ec2Tokens).toBe(2 + limits.perAccessKey.capacity);
  });

  it('refuses a forgery of a key whose secret was confirmed within the TTL without asking Keystone', async () => {
    const keystone = fakeKeystone();
    const auth = new Authenticator(keystone.api, Date.now, limits);
    await auth.authenticate(await signedRequest(), params);
    for (let i = 0; i < 20; i++) {
      await expect(auth.authenticate(await signedRequest(`wrong-${i}`), params)).rejects.toMatchObject({ code: 'AuthFailure' });
    }
    expect(keystone.calls.ec2Tokens).toBe(1);
  });

  it('a burst of first requests from the owner asks Keystone once, and none is throttled', async () => {
    const keystone = fakeKeystone();
    const auth = new Authenticator(keystone.api, Date.now, limits);
    const burst = await Promise.all(
      Array.from({ length: 15 }, (_, i) => signedRequest(SECRET, `Action=DescribeRegions&Version=2016-11-15&RegionName.1=r${i}`)),
    );
    const callers = await Promise.all(burst.map((request) => auth.authenticate(request, params)));
    expect(callers.map((c) => c.projectId)).toEqual(Array(15).fill('project-1'));
    expect(keystone.calls.ec2Tokens).toBe(1);
  });

  it('bounds checks across made-up access keys too', async () => {
    const keystone = fakeKeystone();
    const frozen = Date.now();
    const auth = new Authenticator(keystone.api, () => frozen, { ...limits, overall: { capacity: 4, refillPerSecond: 1 } });
    const codes: string[] = [];
    for (let i = 0; i < 8; i++) {
      const forged = await signedRequest('x', 'Action=DescribeRegions&Version=2016-11-15', `made-up-${i}`);
      codes.push(await auth.authenticate(forged, params).then(() => 'ok', (e: Ec2Error) => e.code));
    }
    expect(keystone.calls.ec2Tokens).toBe(4);
    expect(codes.slice(4)).toEqual(Array(4).fill('RequestLimitExceeded'));
  });
});
