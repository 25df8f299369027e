/**
 * The metadata function end to end: an instance launched through the EC2 API (user data with
 * non-UTF-8 bytes, a key pair, an EBS volume attached later), then asked for its metadata exactly
 * as the neutron metadata agent asks — its port found by address in Neutron, the request signed
 * with the shared secret — and every answer compared with what DescribeInstances and Nova say.
 */
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  AttachVolumeCommand,
  CreateKeyPairCommand,
  CreateVolumeCommand,
  DeleteKeyPairCommand,
  DeleteVolumeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Instance,
  type _InstanceType,
  type Reservation,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ec2Client } from './support/clients.js';
import { endpointInfo, fixtures, profileOf, uniqueName } from './support/env.js';
import { eventually, openstackAs } from './support/openstack.js';

// The endpoint's own settings, for the part that runs the handler in-process (before config() is read).
for (const [k, v] of Object.entries(endpointInfo().serverEnv)) process.env[k] ??= v;

const demo = ec2Client('demo');
const name = uniqueName('md');
/** A gzip'ed cloud-config followed by bytes that are not UTF-8: what arrives must be these bytes. */
const userData = Buffer.concat([gzipSync('#cloud-config\nruncmd:\n - echo metadata\n'), Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3])]);

let reservation: Reservation;
let instance: Instance;
let serverId: string;
let tenantId: string;
let volumeId: string | undefined;

interface AgentRequest {
  method?: string;
  instanceId?: string;
  tenant?: string;
  signature?: string;
  forwardedFor?: string;
  headers?: Record<string, string>;
}

/** What the neutron metadata agent sends for one instance (agent.py `_proxy_request`). */
function agentHeaders(options: AgentRequest = {}): Record<string, string> {
  const id = options.instanceId ?? serverId;
  return {
    'X-Forwarded-For': options.forwardedFor ?? instance.PrivateIpAddress!,
    'X-Instance-ID': id,
    'X-Tenant-ID': options.tenant ?? tenantId,
    'X-Instance-ID-Signature': options.signature ?? createHmac('sha256', endpointInfo().metadataSecret).update(id).digest('hex'),
    ...options.headers,
  };
}

async function metadata(path: string, options: AgentRequest = {}) {
  const url = new URL(path.replace(/^\//, ''), endpointInfo().metadataUrl);
  const send = () => fetch(url, { method: options.method ?? 'GET', headers: agentHeaders(options) });
  // The agent opens a connection per request; a kept-alive one the local gateway has just closed is retried.
  const response = await send().catch(send);
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, type: response.headers.get('content-type') ?? '', bytes, text: bytes.toString('utf8'), headers: response.headers };
}

async function value(path: string): Promise<string> {
  const r = await metadata(path);
  expect(r.status, `${path}: ${r.text}`).toBe(200);
  expect(r.type).toMatch(/^text\/plain/);
  return r.text;
}

async function describeInstance(): Promise<{ reservation: Reservation; instance: Instance }> {
  const out = await demo.send(new DescribeInstancesCommand({ InstanceIds: [instance.InstanceId!] }));
  return { reservation: out.Reservations![0]!, instance: out.Reservations![0]!.Instances![0]! };
}

beforeAll(async () => {
  const images = await demo.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: [fixtures().imageName] }] }));
  await demo.send(new CreateKeyPairCommand({ KeyName: name, KeyType: 'ed25519' }));
  const run = await demo.send(
    new RunInstancesCommand({
      ImageId: images.Images![0]!.ImageId!,
      InstanceType: 'm1.tiny' as _InstanceType,
      MinCount: 1,
      MaxCount: 1,
      KeyName: name,
      UserData: userData.toString('base64'),
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: name }] }],
    }),
  );
  instance = run.Instances![0]!;
  ({ reservation, instance } = await eventually(
    async () => {
      const d = await describeInstance();
      return d.instance.State?.Name === 'running' && d.instance.PrivateIpAddress ? d : undefined;
    },
    'the instance running with an address',
    240_000,
    2000,
  ));
  // As the agent does: the port with the instance's address (on its network) names the server and project.
  const admin = await openstackAs('admin');
  const { ports } = await admin.neutron.get<{ ports: Array<{ device_id: string; project_id: string; network_id: string }> }>('ports', {
    fixed_ips: `ip_address=${instance.PrivateIpAddress}`,
    mac_address: instance.NetworkInterfaces![0]!.MacAddress,
  });
  expect(ports).toHaveLength(1);
  serverId = ports[0]!.device_id;
  tenantId = ports[0]!.project_id;
}, 300_000);

afterAll(async () => {
  if (instance?.InstanceId) await demo.send(new TerminateInstancesCommand({ InstanceIds: [instance.InstanceId] })).catch(() => undefined);
  if (volumeId) {
    await eventually(
      async () => {
        const v = (await demo.send(new DescribeVolumesCommand({ VolumeIds: [volumeId!] }))).Volumes![0];
        if (v?.State !== 'available') return undefined;
        await demo.send(new DeleteVolumeCommand({ VolumeId: volumeId! }));
        return true;
      },
      'the test volume deleted',
      120_000,
      2000,
    ).catch(() => undefined);
  }
  await demo.send(new DeleteKeyPairCommand({ KeyName: name })).catch(() => undefined);
}, 180_000);

describe('an instance reads its metadata through the agent', () => {
  it('is found by its address as the agent finds it: a demo server', () => {
    expect(tenantId).toBe(profileOf('demo').projectId);
    expect(serverId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('user-data is the exact bytes given at launch, as application/octet-stream', async () => {
    const r = await metadata('/latest/user-data');
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^application\/octet-stream/);
    expect(r.bytes.equals(userData)).toBe(true);
    // cloud-init's default version reads the same bytes.
    expect((await metadata('/2009-04-04/user-data')).bytes.equals(userData)).toBe(true);
  });

  it('the public key is the key pair’s, as Nova holds it', async () => {
    const nova = (await openstackAs('demo')).nova;
    const { keypair } = await nova.get<{ keypair: { public_key: string } }>(`os-keypairs/${encodeURIComponent(name)}`);
    expect(await value('/latest/meta-data/public-keys/')).toBe(`0=${name}`);
    expect(await value('/latest/meta-data/public-keys/0/')).toBe('openssh-key');
    expect(await value('/latest/meta-data/public-keys/0/openssh-key')).toBe(keypair.public_key);
  });

  it('ids, addresses, groups, zone and type are what DescribeInstances shows', async () => {
    const nic = instance.NetworkInterfaces![0]!;
    expect(await value('/latest/meta-data/instance-id')).toBe(instance.InstanceId);
    expect(await value('/latest/meta-data/reservation-id')).toBe(reservation.ReservationId);
    expect(await value('/latest/meta-data/ami-id')).toBe(instance.ImageId);
    expect(await value('/latest/meta-data/ami-launch-index')).toBe(String(instance.AmiLaunchIndex));
    expect(await value('/latest/meta-data/instance-type')).toBe(instance.InstanceType);
    expect(await value('/latest/meta-data/local-ipv4')).toBe(instance.PrivateIpAddress);
    expect(await value('/latest/meta-data/hostname')).toBe(instance.PrivateDnsName);
    expect(await value('/latest/meta-data/local-hostname')).toBe(instance.PrivateDnsName);
    expect((await value('/latest/meta-data/security-groups')).split('\n')).toEqual(instance.SecurityGroups!.map((g) => g.GroupName));
    expect(await value('/latest/meta-data/placement/availability-zone')).toBe(instance.Placement!.AvailabilityZone);
    expect(await value('/latest/meta-data/placement/region')).toBe(endpointInfo().region);
    expect(await value('/latest/meta-data/mac')).toBe(nic.MacAddress);
    expect(await value('/latest/meta-data/block-device-mapping/root')).toBe(instance.RootDeviceName);
  });

  it('the interface under network/interfaces/macs/<mac>/ is the one DescribeInstances shows', async () => {
    const nic = instance.NetworkInterfaces![0]!;
    const base = `/latest/meta-data/network/interfaces/macs/${nic.MacAddress}`;
    expect(await value('/latest/meta-data/network/interfaces/macs/')).toBe(`${nic.MacAddress}/`);
    expect(await value(`${base}/device-number`)).toBe(String(nic.Attachment!.DeviceIndex));
    expect(await value(`${base}/interface-id`)).toBe(nic.NetworkInterfaceId);
    expect(await value(`${base}/subnet-id`)).toBe(nic.SubnetId);
    expect(await value(`${base}/vpc-id`)).toBe(nic.VpcId);
    expect(await value(`${base}/owner-id`)).toBe(nic.OwnerId);
    expect((await value(`${base}/local-ipv4s`)).split('\n')).toEqual(nic.PrivateIpAddresses!.map((a) => a.PrivateIpAddress));
    expect((await value(`${base}/security-group-ids`)).split('\n')).toEqual(nic.Groups!.map((g) => g.GroupId));
    expect((await value(`${base}/security-groups`)).split('\n')).toEqual(nic.Groups!.map((g) => g.GroupName));
    const admin = await openstackAs('admin');
    const subnetUuid = (await admin.neutron.get<{ ports: Array<{ fixed_ips: Array<{ subnet_id: string }> }> }>('ports', { device_id: serverId })).ports[0]!.fixed_ips[0]!.subnet_id;
    const { subnet } = await admin.neutron.get<{ subnet: { cidr: string } }>(`subnets/${subnetUuid}`);
    expect(await value(`${base}/subnet-ipv4-cidr-block`)).toBe(subnet.cidr);
  });

  it('the instance identity document agrees', async () => {
    const doc = JSON.parse(await value('/latest/dynamic/instance-identity/document')) as Record<string, unknown>;
    expect(doc).toMatchObject({
      accountId: tenantId,
      instanceId: instance.InstanceId,
      imageId: instance.ImageId,
      instanceType: instance.InstanceType,
      availabilityZone: instance.Placement!.AvailabilityZone,
      privateIp: instance.PrivateIpAddress,
      region: endpointInfo().region,
      architecture: instance.Architecture,
    });
    expect(new Date(doc['pendingTime'] as string).getTime()).toBe(Math.floor(new Date(instance.LaunchTime!).getTime() / 1000) * 1000);
  });

  it('listings follow AWS: versions at /, directories with a trailing slash', async () => {
    const versions = (await value('/')).split('\n');
    expect(versions).toContain('2009-04-04');
    expect(versions.at(-1)).toBe('latest');
    expect(await value('/latest/')).toBe('dynamic\nmeta-data\nuser-data');
    const categories = (await value('/latest/meta-data/')).split('\n');
    for (const c of ['ami-id', 'block-device-mapping/', 'instance-id', 'local-ipv4', 'network/', 'placement/', 'public-keys/', 'reservation-id', 'security-groups']) {
      expect(categories).toContain(c);
    }
    expect((await metadata('/latest/meta-data/no-such-category')).status).toBe(404);
    expect((await metadata('/1999-01-01/meta-data/')).status).toBe(404);
  });

  it('an attached EBS volume appears in block-device-mapping as DescribeInstances maps it', async () => {
    const volume = await demo.send(new CreateVolumeCommand({ AvailabilityZone: instance.Placement!.AvailabilityZone!, Size: 1 }));
    volumeId = volume.VolumeId!;
    await eventually(async () => ((await demo.send(new DescribeVolumesCommand({ VolumeIds: [volumeId!] }))).Volumes![0]!.State === 'available' ? true : undefined), 'the volume available', 120_000, 1000);
    await demo.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: instance.InstanceId!, Device: '/dev/sdf' }));
    const mapped = await eventually(
      async () => {
        const { instance: i } = await describeInstance();
        const m = i.BlockDeviceMappings?.find((b) => b.Ebs?.VolumeId === volumeId && b.Ebs?.Status === 'attached');
        return m?.DeviceName;
      },
      'the volume attached',
      120_000,
      1000,
    );
    // The metadata of a few seconds ago may still be cached: wait for it to show the volume.
    const listing = await eventually(async () => {
      const r = await metadata('/latest/meta-data/block-device-mapping/');
      return r.text.includes('ebs1') ? r.text : undefined;
    }, 'ebs1 in the metadata', 60_000, 1000);
    expect(listing.split('\n')).toEqual(['ami', 'ebs1', 'root']);
    expect(`/dev/${await value('/latest/meta-data/block-device-mapping/ebs1')}`).toBe(mapped);
    await demo.send(new DetachVolumeCommand({ VolumeId: volumeId }));
  });
});

/**
 * Neutron's own metadata agent code (MetadataProxyHandler._proxy_request from the installed
 * python3-neutron: signing, header forwarding, status mapping), pointed at our endpoint. Only the
 * port lookup over RPC is left out: the test found the port as the agent would.
 */
const AGENT_PROBE = `
import json, sys
import webob
from oslo_config import cfg
from neutron.agent.metadata import agent
from neutron.conf.agent.metadata import config as metadata_config

args = json.loads(sys.argv[1])
conf = cfg.ConfigOpts()
conf.register_opts(metadata_config.METADATA_PROXY_HANDLER_OPTS)
conf([], project='neutron-metadata-probe', default_config_files=[])
conf.set_override('nova_metadata_host', args['host'])
conf.set_override('nova_metadata_port', args['port'])
conf.set_override('nova_metadata_protocol', args['protocol'])
conf.set_override('metadata_proxy_shared_secret', args['secret'])
handler = agent.MetadataProxyHandler.__new__(agent.MetadataProxyHandler)
handler.conf = conf
out = []
for item in args['requests']:
    req = webob.Request.blank(item['path'], method=item.get('method', 'GET'), headers={'X-Forwarded-For': args['ip'], **item.get('headers', {})})
    req.response = webob.Response()
    try:
        resp = handler._proxy_request(args['instance'], args['tenant'], req)
        out.append({'status': resp.status_int, 'type': resp.content_type, 'body': resp.body.hex()})
    except Exception as e:
        out.append({'status': None, 'error': str(e)})
print(json.dumps(out))
`;

interface AgentAnswer {
  status: number | null;
  type?: string;
  body?: string;
  error?: string;
}

function throughNeutronAgent(requests: Array<{ path: string; method?: string; headers?: Record<string, string> }>, secret = endpointInfo().metadataSecret, tenant = tenantId): AgentAnswer[] {
  const url = new URL(endpointInfo().metadataUrl);
  const args = { host: url.hostname, port: Number(url.port || 80), protocol: url.protocol.replace(':', ''), secret, ip: instance.PrivateIpAddress, instance: serverId, tenant, requests };
  const result = spawnSync('/usr/bin/python3', ['-c', AGENT_PROBE, JSON.stringify(args)], { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`the neutron agent probe failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as AgentAnswer[];
}

describe('through the neutron metadata agent’s own code', () => {
  it('serves the instance its metadata and exact user data', async () => {
    const nova = (await openstackAs('demo')).nova;
    const { keypair } = await nova.get<{ keypair: { public_key: string } }>(`os-keypairs/${encodeURIComponent(name)}`);
    const [versions, id, key, data, latest] = throughNeutronAgent([
      { path: '/' },
      { path: '/latest/meta-data/instance-id' },
      { path: '/latest/meta-data/public-keys/0/openssh-key' },
      { path: '/latest/user-data' },
      { path: '/latest/' },
    ]);
    const text = (a: AgentAnswer | undefined) => Buffer.from(a?.body ?? '', 'hex').toString('utf8');
    expect(versions!.status).toBe(200);
    expect(text(versions).split('\n')).toContain('2009-04-04');
    expect(text(id)).toBe(instance.InstanceId);
    expect(text(key)).toBe(keypair.public_key);
    expect(data!.type).toBe('application/octet-stream');
    expect(Buffer.from(data!.body!, 'hex').equals(userData)).toBe(true);
    expect(text(latest)).toBe('dynamic\nmeta-data\nuser-data');
  });

  it('an agent with the wrong secret gets 403; another tenant’s claim 404', () => {
    expect(throughNeutronAgent([{ path: '/latest/meta-data/instance-id' }], 'not-the-secret')[0]!.status).toBe(403);
    expect(throughNeutronAgent([{ path: '/latest/meta-data/instance-id' }], undefined, profileOf('alt').projectId)[0]!.status).toBe(404);
  });

  it('drops the IMDSv2 headers: a token PUT arrives without its TTL (400), so clients fall back to IMDSv1', () => {
    const [put] = throughNeutronAgent([{ path: '/latest/api/token', method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' } }]);
    expect(put!.status).toBe(400);
  });
});

describe('requests the agent did not sign, or for another tenant', () => {
  it('a forged signature is 403, on every path', async () => {
    for (const path of ['/', '/latest/meta-data/instance-id', '/latest/user-data']) {
      const r = await metadata(path, { signature: createHmac('sha256', 'not-the-secret').update(serverId).digest('hex') });
      expect(r.status, path).toBe(403);
      expect(r.text).not.toContain(instance.InstanceId!);
    }
  });

  it('missing agent headers are 400', async () => {
    const url = new URL('latest/meta-data/instance-id', endpointInfo().metadataUrl);
    const { 'X-Tenant-ID': _t, ...headers } = agentHeaders();
    const send = () => fetch(url, { headers });
    expect((await send().catch(send)).status).toBe(400);
  });

  it('another tenant naming this instance gets 404, with nothing of the instance in the body', async () => {
    const alt = profileOf('alt').projectId;
    const other = await metadata('/latest/meta-data/instance-id', { tenant: alt });
    const missing = await metadata('/latest/meta-data/instance-id', { instanceId: '00000000-0000-4000-8000-000000000000' });
    expect(other.status).toBe(404);
    expect(other.text).toBe(missing.text);
    for (const secret of [instance.InstanceId!, serverId, instance.PrivateIpAddress!]) expect(other.text).not.toContain(secret);
    expect((await metadata('/latest/user-data', { tenant: alt })).status).toBe(404);
  });
});

describe('IMDSv2 through the endpoint', () => {
  it('PUT /latest/api/token gives a token that GETs may carry; a bad one is 401', async () => {
    const put = await metadata('/latest/api/token', { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '300' } });
    expect(put.status).toBe(200);
    expect(put.headers.get('x-aws-ec2-metadata-token-ttl-seconds')).toBe('300');
    const ok = await metadata('/latest/meta-data/instance-id', { headers: { 'X-aws-ec2-metadata-token': put.text } });
    expect(ok.status).toBe(200);
    expect(ok.text).toBe(instance.InstanceId);
    const bad = await metadata('/latest/meta-data/instance-id', { headers: { 'X-aws-ec2-metadata-token': `${put.text.slice(0, -4)}AAAA` } });
    expect(bad.status).toBe(401);
  });

  it('a TTL outside 1-21600 is 400; a token request relayed by a proxy is 403', async () => {
    expect((await metadata('/latest/api/token', { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '21601' } })).status).toBe(400);
    expect((await metadata('/latest/api/token', { method: 'PUT' })).status).toBe(400);
    const relayed = await metadata('/latest/api/token', {
      method: 'PUT',
      forwardedFor: `198.51.100.4, ${instance.PrivateIpAddress}`,
      headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' },
    });
    expect(relayed.status).toBe(403);
  });

  it('required mode (METADATA_REQUIRE_TOKEN=true): 401 without a token, served with one', async () => {
    // The same handler and lookup as the endpoint's, in-process, with the switch on.
    const { config } = await import('../../lib/config.js');
    const { cachedLookup, handleMetadataRequest } = await import('../../functions/metadata/router.js');
    const settings = { ...config().metadata, requireToken: true };
    const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
    const ask = (method: string, path: string, extra: Record<string, string> = {}) =>
      handleMetadataRequest({ method, path, query: {}, body: '', headers: lower(agentHeaders({ headers: extra })) }, { settings, source: cachedLookup });
    for (const path of ['/', '/latest/meta-data/instance-id', '/latest/user-data']) expect((await ask('GET', path)).statusCode, path).toBe(401);
    const token = await ask('PUT', '/latest/api/token', { 'X-aws-ec2-metadata-token-ttl-seconds': '60' });
    expect(token.statusCode).toBe(200);
    const ok = await ask('GET', '/latest/meta-data/instance-id', { 'X-aws-ec2-metadata-token': token.body });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe(instance.InstanceId);
    const data = await ask('GET', '/latest/user-data', { 'X-aws-ec2-metadata-token': token.body });
    expect(Buffer.from(data.body, data.isBase64Encoded ? 'base64' : 'utf8').equals(userData)).toBe(true);
  });
});
