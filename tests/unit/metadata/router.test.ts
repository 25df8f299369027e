import { describe, expect, it, vi } from 'vitest';
import type { MetadataSettings } from '../../../lib/domain/metadata/access.js';
import type { InstanceFacts } from '../../../functions/metadata/facts.js';
import { handleMetadataRequest, type InstanceSource } from '../../../functions/metadata/router.js';
import { VERSIONS } from '../../../lib/domain/metadata/versions.js';
import { SECRET, SERVER_ID, TENANT, agentHeaders, request, sampleFacts } from './fixtures.js';

const settings = (over: Partial<MetadataSettings> = {}): MetadataSettings => ({ sharedSecret: SECRET, requireToken: false, cacheSeconds: 5, ...over });

/** A source that knows one instance of one tenant. */
function sourceOf(facts: InstanceFacts | undefined = sampleFacts()) {
  const source = vi.fn<InstanceSource>(async ({ instanceId, tenantId }) => ({
    facts: facts && instanceId === facts.serverId && tenantId === facts.ownerId ? facts : undefined,
    cache: 'miss' as const,
  }));
  return source;
}

async function get(path: string, options: { headers?: Record<string, string>; facts?: InstanceFacts; settings?: MetadataSettings } = {}) {
  const source = sourceOf(options.facts);
  const response = await handleMetadataRequest(request('GET', path, options.headers ?? agentHeaders()), { settings: options.settings ?? settings(), source });
  return { ...response, source };
}

const body = async (path: string, facts?: InstanceFacts) => {
  const r = await get(path, { facts });
  expect(r.statusCode, `${path}: ${r.body}`).toBe(200);
  return r.body;
};

describe('paths and versions', () => {
  it('/ lists the versions, oldest first, latest last, as text', async () => {
    const r = await get('/');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain');
    const versions = r.body.split('\n');
    expect(versions[0]).toBe('1.0');
    expect(versions).toContain('2009-04-04');
    expect(versions).toContain('2016-09-02');
    expect(versions.at(-1)).toBe('latest');
    expect(versions).toEqual([...VERSIONS]);
    expect(r.source).not.toHaveBeenCalled();
  });

  it('/<version>/ lists dynamic, meta-data and user-data (only when there is user data)', async () => {
    expect(await body('/latest/')).toBe('dynamic\nmeta-data\nuser-data');
    expect(await body('/latest', sampleFacts({ userData: undefined }))).toBe('dynamic\nmeta-data');
    expect(await body('/1.0/')).toBe('meta-data\nuser-data');
  });

  it('meta-data/ lists categories sorted, directories with a trailing slash', async () => {
    expect((await body('/latest/meta-data/')).split('\n')).toEqual([
      'ami-id',
      'ami-launch-index',
      'ami-manifest-path',
      'block-device-mapping/',
      'hostname',
      'instance-action',
      'instance-id',
      'instance-life-cycle',
      'instance-type',
      'local-hostname',
      'local-ipv4',
      'mac',
      'network/',
      'placement/',
      'public-ipv4',
      'public-keys/',
      'reservation-id',
      'security-groups',
      'services/',
    ]);
    // With and without the trailing slash alike.
    expect(await body('/latest/meta-data')).toBe(await body('/latest/meta-data/'));
  });

  it('older versions show only what AWS showed then', async () => {
    const v2009 = (await body('/2009-04-04/meta-data/')).split('\n');
    expect(v2009).toContain('placement/');
    expect(v2009).toContain('block-device-mapping/');
    expect(v2009).not.toContain('mac');
    expect(v2009).not.toContain('network/');
    expect(v2009).not.toContain('services/');
    const v1 = (await body('/1.0/meta-data/')).split('\n');
    expect(v1).toEqual(['ami-id', 'ami-launch-index', 'ami-manifest-path', 'hostname', 'instance-id', 'local-ipv4', 'public-keys/', 'reservation-id', 'security-groups']);
    expect(await body('/2009-04-04/meta-data/placement/')).toBe('availability-zone');
    expect(await body('/latest/meta-data/placement/')).toBe('availability-zone\nregion');
  });

  it('serves each value from the facts', async () => {
    const f = sampleFacts();
    expect(await body('/latest/meta-data/instance-id')).toBe(f.instanceId);
    expect(await body('/latest/meta-data/reservation-id')).toBe(f.reservationId);
    expect(await body('/latest/meta-data/ami-id')).toBe(f.imageId);
    expect(await body('/latest/meta-data/ami-launch-index')).toBe('0');
    expect(await body('/latest/meta-data/ami-manifest-path')).toBe('(unknown)');
    expect(await body('/latest/meta-data/instance-type')).toBe('m1.tiny');
    expect(await body('/latest/meta-data/instance-action')).toBe('none');
    expect(await body('/latest/meta-data/local-ipv4')).toBe('10.77.0.28');
    expect(await body('/latest/meta-data/public-ipv4')).toBe('172.24.4.10');
    expect(await body('/latest/meta-data/hostname')).toBe(f.privateDnsName);
    expect(await body('/latest/meta-data/local-hostname')).toBe(f.privateDnsName);
    expect(await body('/latest/meta-data/security-groups')).toBe('default\nweb');
    expect(await body('/latest/meta-data/placement/availability-zone')).toBe('nova');
    expect(await body('/latest/meta-data/placement/region')).toBe('RegionOne');
    expect(await body('/latest/meta-data/mac')).toBe('fa:16:3e:96:99:dd');
    expect(await body('/latest/meta-data/services/domain')).toBe('amazonaws.com');
    // A leaf asked for as a directory still answers its value.
    expect(await body('/latest/meta-data/instance-id/')).toBe(f.instanceId);
  });

  it('public-keys/ lists 0=<key name>, and 0/openssh-key is the public key', async () => {
    const f = sampleFacts();
    expect(await body('/latest/meta-data/public-keys/')).toBe('0=md-key');
    expect(await body('/latest/meta-data/public-keys/0/')).toBe('openssh-key');
    expect(await body('/latest/meta-data/public-keys/0')).toBe('openssh-key');
    expect(await body('/latest/meta-data/public-keys/0/openssh-key')).toBe(f.publicKey);
    // No key pair: no category at all.
    const none = await get('/latest/meta-data/public-keys/', { facts: sampleFacts({ keyName: undefined, publicKey: undefined }) });
    expect(none.statusCode).toBe(404);
    expect(await body('/latest/meta-data/', sampleFacts({ keyName: undefined, publicKey: undefined }))).not.toContain('public-keys');
  });

  it('block-device-mapping names the root, EBS volumes and local disks', async () => {
    expect(await body('/latest/meta-data/block-device-mapping/')).toBe('ami\nebs1\nephemeral0\nroot');
    expect(await body('/latest/meta-data/block-device-mapping/ami')).toBe('/dev/sda1');
    expect(await body('/latest/meta-data/block-device-mapping/root')).toBe('/dev/sda1');
    expect(await body('/latest/meta-data/block-device-mapping/ebs1')).toBe('sdf');
    expect(await body('/latest/meta-data/block-device-mapping/ephemeral0')).toBe('sdb');
  });

  it('network/interfaces/macs/<mac>/ describes each interface', async () => {
    const mac = 'fa:16:3e:96:99:dd';
    expect(await body('/latest/meta-data/network/')).toBe('interfaces/');
    expect(await body('/latest/meta-data/network/interfaces/')).toBe('macs/');
    expect(await body('/latest/meta-data/network/interfaces/macs/')).toBe(`${mac}/`);
    const base = `/latest/meta-data/network/interfaces/macs/${mac}`;
    expect((await body(`${base}/`)).split('\n')).toEqual([
      'device-number',
      'interface-id',
      'ipv4-associations/',
      'local-hostname',
      'local-ipv4s',
      'mac',
      'owner-id',
      'public-ipv4s',
      'security-group-ids',
      'security-groups',
      'subnet-id',
      'subnet-ipv4-cidr-block',
      'vpc-id',
    ]);
    expect(await body(`${base}/device-number`)).toBe('0');
    expect(await body(`${base}/interface-id`)).toBe('eni-6f0063316a46821c8');
    expect(await body(`${base}/local-ipv4s`)).toBe('10.77.0.28\n10.77.0.29');
    expect(await body(`${base}/owner-id`)).toBe(TENANT);
    expect(await body(`${base}/security-group-ids`)).toBe('sg-f7cfb9c0ab87ad853\nsg-0123456789abcdef0');
    expect(await body(`${base}/subnet-id`)).toBe('subnet-0bfc99580a6ef26e2');
    expect(await body(`${base}/subnet-ipv4-cidr-block`)).toBe('10.77.0.0/24');
    expect(await body(`${base}/vpc-id`)).toBe('vpc-82da2b73c8da4c170');
    expect(await body(`${base}/ipv4-associations/`)).toBe('172.24.4.10');
    expect(await body(`${base}/ipv4-associations/172.24.4.10`)).toBe('10.77.0.28');
    // Clients that percent-encode the colons reach the same interface.
    expect(await body('/latest/meta-data/network/interfaces/macs/fa%3A16%3A3e%3A96%3A99%3Add/mac')).toBe(mac);
  });

  it('user-data is the exact bytes as application/octet-stream', async () => {
    const r = await get('/latest/user-data');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(r.isBase64Encoded).toBe(true);
    expect(Buffer.from(r.body, 'base64')).toEqual(Buffer.from([0x23, 0x21, 0xff, 0xfe, 0x00, 0x80]));
    const script = '#!/bin/sh\necho héllo\n';
    const t = await get('/2009-04-04/user-data', { facts: sampleFacts({ userData: Buffer.from(script).toString('base64') }) });
    expect(t.isBase64Encoded).toBeUndefined();
    expect(t.body).toBe(script);
  });

  it('user-data is 404 when none was given', async () => {
    expect((await get('/latest/user-data', { facts: sampleFacts({ userData: undefined }) })).statusCode).toBe(404);
  });

  it('dynamic/instance-identity/document is AWS’s JSON document', async () => {
    expect(await body('/latest/dynamic/')).toBe('instance-identity/');
    expect(await body('/latest/dynamic/instance-identity/')).toBe('document');
    const text = await body('/latest/dynamic/instance-identity/document');
    expect(text).toContain('"instanceId" : "i-e30f60f2e5eede6c7"');
    expect(JSON.parse(text)).toEqual({
      accountId: TENANT,
      architecture: 'x86_64',
      availabilityZone: 'nova',
      billingProducts: null,
      devpayProductCodes: null,
      marketplaceProductCodes: null,
      imageId: 'ami-86e4ee309ca555933',
      instanceId: 'i-e30f60f2e5eede6c7',
      instanceType: 'm1.tiny',
      kernelId: null,
      pendingTime: '2026-11-22T05:34:40Z',
      privateIp: '10.77.0.28',
      ramdiskId: null,
      region: 'RegionOne',
      version: '2017-09-30',
    });
  });

  it('unknown paths and versions are 404 with a body that says nothing about the instance', async () => {
    for (const path of ['/latest/meta-data/nope', '/latest/meta-data/instance-id/extra', '/2099-01-01/meta-data/', '/openstack/latest/meta_data.json', '/latest/nope']) {
      const r = await get(path);
      expect(r.statusCode, path).toBe(404);
      expect(r.body).toContain('404 - Not Found');
      expect(r.body).not.toContain(SERVER_ID);
      expect(r.body).not.toContain('i-e30f60f2e5eede6c7');
    }
  });
});

describe('who may ask', () => {
  it('a forged signature is 403 and nothing is looked up', async () => {
    const r = await get('/latest/meta-data/instance-id', { headers: { ...agentHeaders(), 'x-instance-id-signature': 'f'.repeat(64) } });
    expect(r.statusCode).toBe(403);
    expect(r.source).not.toHaveBeenCalled();
  });

  it('missing agent headers are 400', async () => {
    const { 'x-tenant-id': _t, ...headers } = agentHeaders();
    expect((await get('/latest/meta-data/', { headers })).statusCode).toBe(400);
  });

  it('another tenant’s instance is 404, exactly like a missing one', async () => {
    const r = await get('/latest/meta-data/instance-id', { headers: agentHeaders({ tenantId: 'aa6fd55412f4441cb5c79cb623505dc4' }) });
    const missing = await get('/latest/meta-data/instance-id', { headers: agentHeaders({ instanceId: '00000000-0000-0000-0000-000000000000' }) });
    expect(r.statusCode).toBe(404);
    expect(r.body).toBe(missing.body);
    expect(r.body).not.toContain('i-e30f60f2e5eede6c7');
  });

  it('other methods are 405', async () => {
    const r = await handleMetadataRequest(request('POST', '/latest/meta-data/'), { settings: settings(), source: sourceOf() });
    expect(r.statusCode).toBe(405);
    expect((await get('/latest/api/token')).statusCode).toBe(405);
  });
});

describe('IMDSv2', () => {
  const put = (headers: Record<string, string>, path = '/latest/api/token', s = settings()) =>
    handleMetadataRequest(request('PUT', path, headers), { settings: s, source: sourceOf() });

  it('PUT /latest/api/token answers a token with its TTL; GETs carrying it are served', async () => {
    const r = await put({ ...agentHeaders(), 'x-aws-ec2-metadata-token-ttl-seconds': '21600' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['x-aws-ec2-metadata-token-ttl-seconds']).toBe('21600');
    const ok = await get('/latest/meta-data/instance-id', { headers: { ...agentHeaders(), 'x-aws-ec2-metadata-token': r.body } });
    expect(ok.statusCode).toBe(200);
  });

  it('a TTL outside 1-21600 or none is 400', async () => {
    for (const ttl of ['0', '21601', 'x']) expect((await put({ ...agentHeaders(), 'x-aws-ec2-metadata-token-ttl-seconds': ttl })).statusCode).toBe(400);
    expect((await put(agentHeaders())).statusCode).toBe(400);
  });

  it('the token PUT needs the agent’s signature too', async () => {
    const r = await put({ ...agentHeaders({ secret: 'forged' }), 'x-aws-ec2-metadata-token-ttl-seconds': '60' });
    expect(r.statusCode).toBe(403);
  });

  it('a token PUT relayed by a proxy before the agent (X-Forwarded-For chain) is 403, as AWS refuses proxied token requests', async () => {
    const r = await put({ ...agentHeaders({ forwardedFor: '203.0.113.7, 10.77.0.28' }), 'x-aws-ec2-metadata-token-ttl-seconds': '60' });
    expect(r.statusCode).toBe(403);
  });

  it('PUT elsewhere is 405', async () => {
    expect((await put({ ...agentHeaders(), 'x-aws-ec2-metadata-token-ttl-seconds': '60' }, '/latest/meta-data/')).statusCode).toBe(405);
  });

  it('an invalid or another instance’s token is 401 even when tokens are optional', async () => {
    const other = await put({ ...agentHeaders({ instanceId: 'aaaaaaaa-39ae-4fc9-8d65-15017fb1e789' }), 'x-aws-ec2-metadata-token-ttl-seconds': '60' });
    expect(other.statusCode).toBe(200);
    for (const token of ['garbage', other.body]) {
      const r = await get('/latest/meta-data/instance-id', { headers: { ...agentHeaders(), 'x-aws-ec2-metadata-token': token } });
      expect(r.statusCode).toBe(401);
      expect(r.source).not.toHaveBeenCalled();
    }
  });

  it('an expired token is 401', async () => {
    const issued = await handleMetadataRequest(request('PUT', '/latest/api/token', { ...agentHeaders(), 'x-aws-ec2-metadata-token-ttl-seconds': '1' }), {
      settings: settings(),
      source: sourceOf(),
      now: () => Date.now() - 5_000,
    });
    const r = await get('/latest/meta-data/instance-id', { headers: { ...agentHeaders(), 'x-aws-ec2-metadata-token': issued.body } });
    expect(r.statusCode).toBe(401);
  });

  it('required mode: 401 without a token, on every path; served with one', async () => {
    const required = settings({ requireToken: true });
    for (const path of ['/', '/latest/meta-data/instance-id', '/latest/user-data']) {
      const r = await get(path, { settings: required });
      expect(r.statusCode, path).toBe(401);
      expect(r.source).not.toHaveBeenCalled();
    }
    const token = (await put({ ...agentHeaders(), 'x-aws-ec2-metadata-token-ttl-seconds': '60' }, undefined, required)).body;
    const ok = await get('/latest/meta-data/instance-id', { settings: required, headers: { ...agentHeaders(), 'x-aws-ec2-metadata-token': token } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe('i-e30f60f2e5eede6c7');
  });
});

describe('failures of the lookup', () => {
  it('are 500 without details', async () => {
    const source: InstanceSource = async () => {
      throw new Error('nova is down: secret details');
    };
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const r = await handleMetadataRequest(request('GET', '/latest/meta-data/'), { settings: settings(), source });
    spy.mockRestore();
    expect(r.statusCode).toBe(500);
    expect(r.body).not.toContain('secret details');
  });
});
