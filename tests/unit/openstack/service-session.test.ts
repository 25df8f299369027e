/**
 * The EC2 service's own Keystone token, asked for as the function loads: a warm-up that works is the
 * first request's token; one that fails is neither an unhandled rejection nor a cached failure.
 */
import { describe, expect, it } from 'vitest';
import type { ServiceCredentials } from '../../../lib/config.js';
import { OpenStackUnavailable } from '../../../lib/openstack/http.js';
import { ServiceSession, type KeystoneToken } from '../../../lib/openstack/keystone.js';
import { failOnUnhandledRejections } from '../support/no-unhandled-rejections.js';

const credentials: ServiceCredentials = {
  authUrl: 'http://keystone.test/v3',
  username: 'ec2api',
  password: 'secret',
  projectName: 'service',
  userDomainName: 'Default',
  projectDomainName: 'Default',
};

const tokenValidFor = (ms: number, id: string): KeystoneToken => ({
  id,
  expiresAt: new Date(Date.now() + ms),
  projectId: 'service-project',
  projectName: 'service',
  userId: 'ec2api-user',
  userName: 'ec2api',
  roles: ['admin'],
  catalog: [],
});

/** Password authentications answered in turn by `answers` (a token, or an error to throw). */
function keystone(...answers: Array<KeystoneToken | Error>) {
  const calls: ServiceCredentials[] = [];
  const authenticate = async (c: ServiceCredentials): Promise<KeystoneToken> => {
    calls.push(c);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const answer = answers.shift();
    if (!answer) throw new Error('no more answers scripted');
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { authenticate, calls };
}

failOnUnhandledRejections();

describe('ServiceSession warm-up', () => {
  it('the token asked for at load is the one the first request gets, with no second password check', async () => {
    const fake = keystone(tokenValidFor(3600_000, 'warm'));
    const session = new ServiceSession(fake.authenticate);
    session.warmUp(credentials);
    session.warmUp(credentials); // a second call while it is under way asks nothing more
    const [a, b] = await Promise.all([session.get(), session.get()]);
    expect([a.id, b.id]).toEqual(['warm', 'warm']);
    expect(fake.calls).toEqual([credentials]);
  });

  it('a warm-up that fails is not the answer: the request asks Keystone again and gets a token', async () => {
    const fake = keystone(new OpenStackUnavailable('keystone', 'keystone is unreachable: ECONNREFUSED'), tokenValidFor(3600_000, 'second'));
    const session = new ServiceSession(fake.authenticate);
    session.warmUp(credentials);
    expect((await session.get()).id).toBe('second');
    expect(fake.calls).toHaveLength(2);
  });

  it('a warm-up that fails with no request waiting leaves nothing behind (no unhandled rejection, nothing cached)', async () => {
    const fake = keystone(new Error('Keystone answered without a project-scoped token'), tokenValidFor(3600_000, 'later'));
    const session = new ServiceSession(fake.authenticate);
    session.warmUp(credentials);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await session.get()).id).toBe('later');
  });

  it('renews a warmed token that is about to expire, as any other', async () => {
    const fake = keystone(tokenValidFor(60_000, 'nearly-expired'), tokenValidFor(3600_000, 'renewed'));
    const session = new ServiceSession(fake.authenticate);
    session.warmUp(credentials);
    expect((await session.get()).id).toBe('renewed');
    expect(fake.calls).toHaveLength(2);
  });

  it('does nothing without a Keystone to ask (OpenWhisk: settings arrive with the first invocation)', async () => {
    const fake = keystone();
    const session = new ServiceSession(fake.authenticate);
    session.warmUp(undefined);
    session.warmUp({ ...credentials, authUrl: '' });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(fake.calls).toEqual([]);
  });

  it('an invalidated token is not handed out again by a warm-up that finished', async () => {
    const fake = keystone(tokenValidFor(3600_000, 'revoked'), tokenValidFor(3600_000, 'fresh'));
    const session = new ServiceSession(fake.authenticate);
    session.warmUp(credentials);
    expect((await session.get()).id).toBe('revoked');
    session.invalidate();
    expect((await session.get()).id).toBe('fresh');
  });
});
