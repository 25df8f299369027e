import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { Authenticator, type KeystoneEc2Api } from '../../../lib/auth/authenticator.js';
import type { IncomingRequest } from '../../../lib/auth/signed-request.js';
import type { KeystoneToken } from '../../../lib/openstack/keystone.js';
import { OpenStackError } from '../../../lib/openstack/http.js';
import { Ec2Error } from '../../../lib/protocol/errors.js';

const ACCESS = 'access-1';
const SECRET = 'secret-1';

/** Keystone as far as authentication is concerned: one credential, and a count of calls. */
function fakeKeystone(state = { secret: SECRET, deleted: false }) {
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
      if (state.deleted || credentials.access !== ACCESS || credentials.signature === 'bad') {
        throw new OpenStackError('keystone', 401, 'The request you have made requires authentication.', undefined, 'POST', '/v3/ec2tokens');
      }
      return token();
    },
    ec2Secret: async () => {
      calls.ec2Secret++;
      return state.secret;
    },
    readCredentialWithServiceToken: async () => (state.deleted ? undefined : { secret: state.secret, userId: 'user-1', projectId: 'project-1' }),
  };
  return { api, calls, state };
}

async function signedRequest(secret = SECRET, body = 'Action=DescribeRegions&Version=2016-11-15'): Promise<IncomingRequest> {
  const signer = new SignatureV4({ credentials: { accessKeyId: ACCESS, secretAccessKey: secret }, region: 'RegionOne', service: 'ec2', sha256: Sha256 });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      hostname: '127.0.0.1',
      port: 3000,
      path: '/',
      headers: { host: '127.0.0.1:3000', 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body,
    }),
  );
  return {
    method: 'POST',
    path: '/',
    query: {},
    headers: Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v])),
    body,
  };
}

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
