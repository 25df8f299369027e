/**
 * The first Keystone check of an access key: ec2tokens and the credential read (by the SHA-256 of
 * the access key, with the service token) run side by side, and every failure of either ends as it
 * did when they ran one after the other.
 */
import { describe, expect, it } from 'vitest';
import { Authenticator, type KeystoneEc2Api } from '../../../lib/auth/authenticator.js';
import type { IncomingRequest } from '../../../lib/auth/signed-request.js';
import { OpenStackError, OpenStackUnavailable } from '../../../lib/openstack/http.js';
import type { KeystoneToken } from '../../../lib/openstack/keystone.js';
import { failOnUnhandledRejections } from '../support/no-unhandled-rejections.js';
import { signedTestRequest } from '../support/signed-request.js';

const ACCESS = 'access-1';
const SECRET = 'secret-1';
const params = { Action: 'DescribeRegions', Version: '2016-11-15' };

/** A promise the test settles by hand, to hold one call open while another runs. */
function gate<T>() {
  let open!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

const token = (userId = 'user-1'): KeystoneToken => ({
  id: 'token-1',
  expiresAt: new Date(Date.now() + 3600_000),
  projectId: 'project-1',
  projectName: 'demo',
  userId,
  userName: 'demo',
  roles: ['member'],
  catalog: [],
});

const unauthorized = () => new OpenStackError('keystone', 401, 'The request you have made requires authentication.', undefined, 'POST', '/v3/ec2tokens');

type Credential = Awaited<ReturnType<KeystoneEc2Api['readCredentialWithServiceToken']>>;

/**
 * Keystone whose answers the test controls: each call is logged when it starts and answered by the
 * function the test gives (by default a genuine credential of user-1).
 */
function scriptedKeystone() {
  const log: string[] = [];
  const answers = {
    ec2Tokens: async (): Promise<KeystoneToken> => token(),
    credential: async (): Promise<Credential> => ({ secret: SECRET, userId: 'user-1', projectId: 'project-1' }),
    ec2Secret: async (): Promise<string | undefined> => SECRET,
  };
  const api: KeystoneEc2Api = {
    ec2Tokens: async () => {
      log.push('ec2tokens');
      const answer = await answers.ec2Tokens();
      log.push('ec2tokens answered');
      return answer;
    },
    readCredentialWithServiceToken: async () => {
      log.push('credential read');
      return answers.credential();
    },
    ec2Secret: async () => {
      log.push('ec2Secret');
      return answers.ec2Secret();
    },
  };
  const count = (call: string) => log.filter((entry) => entry === call).length;
  return { api, log, answers, count };
}

const signedRequest = (secret = SECRET, body?: string): Promise<IncomingRequest> => signedTestRequest(ACCESS, secret, body);

/** Rejections nobody handled while a test ran (a read left behind must not become one). */
failOnUnhandledRejections();

describe('Authenticator: the first check of an access key', () => {
  it('reads the credential while Keystone checks the signature, and needs no read after the verdict', async () => {
    const keystone = scriptedKeystone();
    const verdict = gate<KeystoneToken>();
    keystone.answers.ec2Tokens = () => verdict.promise;
    const auth = new Authenticator(keystone.api);
    const caller = auth.authenticate(await signedRequest(), params);
    await new Promise((resolve) => setTimeout(resolve, 0));
    // Both calls are under way before Keystone has answered either.
    expect([...keystone.log].sort()).toEqual(['credential read', 'ec2tokens']);
    verdict.open(token());
    await expect(caller).resolves.toMatchObject({ projectId: 'project-1', userId: 'user-1' });
    expect(keystone.count('ec2Secret')).toBe(0);
    // The secret it read verifies the following requests here.
    for (let i = 0; i < 5; i++) await auth.authenticate(await signedRequest(), params);
    expect(keystone.count('ec2tokens')).toBe(1);
    expect(keystone.count('credential read')).toBe(1);
  });

  it('keeps the verdict first: a read that answers before Keystone does not let a request in', async () => {
    const keystone = scriptedKeystone();
    const verdict = gate<KeystoneToken>();
    keystone.answers.ec2Tokens = () => verdict.promise;
    const auth = new Authenticator(keystone.api);
    const answer = auth.authenticate(await signedRequest(), params).then(
      () => 'accepted',
      (e: { code?: string }) => e.code,
    );
    let settled = false;
    void answer.finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 5));
    // The secret is in hand and would verify this request, yet nothing is decided before Keystone.
    expect(keystone.log).toContain('credential read');
    expect(settled).toBe(false);
    verdict.fail(unauthorized());
    expect(await answer).toBe('AuthFailure');
  });

  it('a refused signature is refused again without Keystone, whatever the credential read gave', async () => {
    const keystone = scriptedKeystone();
    keystone.answers.ec2Tokens = async () => Promise.reject(unauthorized());
    const auth = new Authenticator(keystone.api);
    const forged = await signedRequest('not-the-secret');
    for (let i = 0; i < 5; i++) await expect(auth.authenticate(forged, params)).rejects.toMatchObject({ code: 'AuthFailure', status: 401 });
    expect(keystone.count('ec2tokens')).toBe(1);
    expect(keystone.count('credential read')).toBe(1);
  });

  it('reads the credential of an unknown access key once, not once per forged signature', async () => {
    const keystone = scriptedKeystone();
    keystone.answers.ec2Tokens = async () => Promise.reject(unauthorized());
    keystone.answers.credential = async () => undefined;
    const auth = new Authenticator(keystone.api);
    const codes: string[] = [];
    for (let i = 0; i < 8; i++) {
      codes.push(await auth.authenticate(await signedRequest(`wrong-${i}`), params).then(() => 'ok', (e: { code: string }) => e.code));
    }
    expect(codes.slice(0, 5)).toEqual(Array(5).fill('AuthFailure'));
    expect(codes.slice(5)).toEqual(Array(3).fill('RequestLimitExceeded'));
    expect(keystone.count('ec2tokens')).toBe(5);
    expect(keystone.count('credential read')).toBe(1);
  });

  it('both failing: Keystone unreachable is Unavailable 503, as before, and the failed read is not left unhandled', async () => {
    const keystone = scriptedKeystone();
    keystone.answers.ec2Tokens = async () => Promise.reject(new OpenStackUnavailable('keystone', 'connect ECONNREFUSED'));
    keystone.answers.credential = async () => Promise.reject(new OpenStackUnavailable('keystone', 'connect ECONNREFUSED'));
    const auth = new Authenticator(keystone.api);
    await expect(auth.authenticate(await signedRequest(), params)).rejects.toMatchObject({ code: 'Unavailable', status: 503 });
    // Not remembered as a refusal: once Keystone is back, the same credential gets in.
    keystone.answers.ec2Tokens = async () => token();
    await expect(auth.authenticate(await signedRequest(), params)).resolves.toMatchObject({ projectId: 'project-1' });
  });

  it.each([
    ['fails', async (): Promise<Credential> => Promise.reject(new OpenStackError('keystone', 500, 'boom', undefined, 'GET', '/v3/credentials/x'))],
    ['finds nothing (no admin role, or no such credential)', async (): Promise<Credential> => undefined],
    ['finds a credential of another user', async (): Promise<Credential> => ({ secret: 'someone-elses', userId: 'user-2', projectId: 'project-1' })],
    ['finds a credential of another project', async (): Promise<Credential> => ({ secret: 'someone-elses', userId: 'user-1', projectId: 'project-2' })],
  ])('when the read beside the check %s, reads the secret by user id after the verdict, as before', async (_what, credential) => {
    const keystone = scriptedKeystone();
    keystone.answers.credential = credential;
    const auth = new Authenticator(keystone.api);
    await expect(auth.authenticate(await signedRequest(), params)).resolves.toMatchObject({ projectId: 'project-1' });
    expect(keystone.count('ec2Secret')).toBe(1);
    expect(keystone.log.indexOf('ec2Secret')).toBeGreaterThan(keystone.log.indexOf('ec2tokens answered'));
    // The secret from the fallback is the one held: the owner's next requests stay local, a forgery is refused.
    await auth.authenticate(await signedRequest(), params);
    await expect(auth.authenticate(await signedRequest('someone-elses'), params)).rejects.toMatchObject({ code: 'AuthFailure' });
    expect(keystone.count('ec2tokens')).toBe(1);
  });

  it('with no secret from either read, still refuses what Keystone cannot check (a query on a signed POST)', async () => {
    const keystone = scriptedKeystone();
    keystone.answers.credential = async () => undefined;
    keystone.answers.ec2Secret = async () => undefined;
    const auth = new Authenticator(keystone.api);
    const injected = await signedRequest();
    injected.query = { 'InstanceId.1': 'i-0123456789abcdef0' };
    await expect(auth.authenticate(injected, { ...params, ...injected.query })).rejects.toMatchObject({ code: 'AuthFailure' });
  });

  it('a burst of first requests makes one check and one credential read', async () => {
    const keystone = scriptedKeystone();
    const auth = new Authenticator(keystone.api);
    const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => signedRequest(SECRET, `Action=DescribeRegions&Version=2016-11-15&RegionName.1=r${i}`)));
    const callers = await Promise.all(burst.map((request) => auth.authenticate(request, params)));
    expect(callers.map((c) => c.projectId)).toEqual(Array(10).fill('project-1'));
    expect([keystone.count('ec2tokens'), keystone.count('credential read'), keystone.count('ec2Secret')]).toEqual([1, 1, 0]);
  });

  it('revalidating a credential it holds (past the TTL) reads the secret after the verdict, without the read beside it', async () => {
    const keystone = scriptedKeystone();
    let now = Date.now();
    const auth = new Authenticator(keystone.api, () => now);
    await auth.authenticate(await signedRequest(), params);
    now += 61_000;
    await auth.authenticate(await signedRequest(), params);
    expect([keystone.count('ec2tokens'), keystone.count('credential read'), keystone.count('ec2Secret')]).toEqual([2, 1, 1]);
  });
});
