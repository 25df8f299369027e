/**
 * DescribeInstances reads beside Nova what does not need Nova's answer, and after Nova only what
 * it could not know before; the answer is the same as when everything was read after Nova.
 * - by id (HTCondor's poll): the ports, their floating IPs, and the volumes this container last
 *   saw attached to the server are asked for before Nova's GET has answered;
 * - a listing: the project's in-use volumes are listed beside `servers/detail` (no GET per
 *   volume after it), a volume that is not in use (detaching) is still read and shown as such, a
 *   project whose last listing showed no attached volume is not asked, and a port the launch
 *   made before Nova plugged it comes from the project's port listing (no second ports call).
 */
import { describe, expect, it } from 'vitest';
import DescribeInstances from '../../../functions/instances/DescribeInstances.js';
import { writeLaunchRecord } from '../../../lib/domain/instances/launch-record.js';
import type { OpenStack } from '../../../lib/openstack/clients.js';
import { OpenStackError, type ServiceClient } from '../../../lib/openstack/http.js';
import type { NeutronFloatingIp, NeutronPort } from '../../../lib/openstack/neutron.js';
import type { NovaServer } from '../../../lib/openstack/nova.js';
import { recordMappingAs } from '../../../lib/store/ids.js';
import { fakeContext } from '../support/context.js';
import { MemoryStore } from '../support/memory-store.js';
import { index, type Journal } from './journal-fakes.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A fake OpenStack service journalling each call with its query (`start cinder GET volumes/detail?status=in-use`).
 * A GET answers `answers[path]` (a function gets the query), or 404; Nova's calls take longer than the others.
 */
function service(name: string, journal: Journal, answers: Record<string, unknown>, ms = 5): ServiceClient {
  const call = async (method: string, path: string, query?: unknown) => {
    const given = Object.entries((query ?? {}) as Record<string, unknown>).filter(([, v]) => v !== undefined);
    const params = query instanceof URLSearchParams ? query : new URLSearchParams(given.map(([k, v]): [string, string] => [k, String(v)]));
    const shown = [...params].filter(([k]) => k !== 'limit' && k !== 'fields').map(([k, v]) => `${k}=${v}`);
    const entry = `${name} ${method} ${path}${shown.length ? `?${shown.join('&')}` : ''}`;
    journal.push(`start ${entry}`);
    await tick(ms);
    journal.push(`end ${entry}`);
    const answer = answers[path];
    if (answer === undefined && path !== '') throw new OpenStackError(name, 404, 'not found', undefined, method, path);
    return typeof answer === 'function' ? (answer as (q: URLSearchParams) => unknown)(params) : (answer ?? {});
  };
  return {
    options: { baseUrl: `http://${name}.fake/${Math.random()}` },
    get: (path: string, query?: unknown) => call('GET', path, query),
    request: async (method: string, path: string, options?: { searchParams?: URLSearchParams }) => ({
      status: 200,
      headers: {},
      body: await call(method, path, options?.searchParams),
    }),
  } as unknown as ServiceClient;
}

const server = (id: string, volumes: string[] = []) =>
  ({
    id,
    status: 'ACTIVE',
    'OS-EXT-STS:vm_state': 'active',
    flavor: { original_name: 'm1.tiny', vcpus: 1 },
    created: '2026-11-29T07:00:00Z',
    'OS-SRV-USG:launched_at': '2026-11-29T07:00:05.000000',
    addresses: {},
    'os-extended-volumes:volumes_attached': volumes.map((v) => ({ id: v, delete_on_termination: v.endsWith('-keep') ? false : true })),
  }) as unknown as NovaServer;

const port = (id: string, deviceId: string, ip: string, project: string): NeutronPort => ({
  id,
  name: '',
  network_id: 'net-1',
  project_id: project,
  mac_address: 'fa:16:3e:00:00:01',
  admin_state_up: true,
  status: 'ACTIVE',
  device_id: deviceId,
  device_owner: deviceId ? 'compute:nova' : '',
  fixed_ips: [{ subnet_id: 'sub-1', ip_address: ip }],
  security_groups: [],
  created_at: '2026-11-29T07:00:01Z',
});

const fip = (portId: string, fixed: string, address: string, project: string): NeutronFloatingIp => ({
  id: `fip-${portId}`,
  floating_ip_address: address,
  floating_network_id: 'ext',
  port_id: portId,
  fixed_ip_address: fixed,
  project_id: project,
  status: 'ACTIVE',
});

const volume = (id: string, serverId: string, status = 'in-use') => ({
  id,
  status,
  attachments: [{ server_id: serverId, device: '/dev/vdb', attached_at: '2026-11-29T07:01:02.000000' }],
});

interface Cloud {
  journal: Journal;
  ctx: ReturnType<typeof fakeContext>;
  /** What Nova and Cinder show; changed between calls by the tests. */
  servers: NovaServer[];
  volumes: Array<ReturnType<typeof volume>>;
}

async function cloud(project: string, servers: NovaServer[], ports: NeutronPort[], fips: NeutronFloatingIp[]): Promise<Cloud> {
  const journal: Journal = [];
  const store = new MemoryStore(project);
  const ctx = fakeContext(store);
  const state: Cloud = { journal, ctx, servers, volumes: [] };
  const nova: Record<string, unknown> = {
    '': { version: { version: '2.90' } },
    'servers/detail': () => ({ servers: state.servers }),
  };
  for (const s of servers) nova[`servers/${s.id}`] = () => ({ server: state.servers.find((x) => x.id === s.id) });
  const cinder: Record<string, unknown> = {
    'volumes/detail': (q: URLSearchParams) => ({ volumes: state.volumes.filter((v) => !q.get('status') || v.status === q.get('status')) }),
  };
  for (const id of ['vol-a', 'vol-b-keep', 'vol-c']) cinder[`volumes/${id}`] = () => ({ volume: state.volumes.find((v) => v.id === id) });
  ctx.openstack = {
    nova: service('nova', journal, nova, 30),
    neutron: service('neutron', journal, {
      ports: (q: URLSearchParams) => ({
        ports: ports.filter((p) => (!q.getAll('device_id').length || q.getAll('device_id').includes(p.device_id)) && (!q.getAll('id').length || q.getAll('id').includes(p.id))),
      }),
      floatingips: (q: URLSearchParams) => ({ floatingips: fips.filter((f) => !q.getAll('port_id').length || q.getAll('port_id').includes(f.port_id!)) }),
      'security-groups': { security_groups: [] },
      networks: { networks: [] },
    }),
    cinder: service('cinder', journal, cinder),
    glance: service('glance', journal, {}),
  } as unknown as OpenStack;
  for (const [i, s] of servers.entries()) {
    const instanceId = `i-0000000000000${String(i).padStart(4, '0')}`;
    await recordMappingAs(store, 'instance', s.id, instanceId);
    await writeLaunchRecord(store, { instanceId, serverId: s.id, origin: 'ec2', reservationId: 'r-00000000000000001', launchIndex: i });
  }
  return state;
}

const starts = (journal: Journal, prefix: string) => journal.filter((e) => e.startsWith(`start ${prefix}`));

describe('DescribeInstances by id: what is read beside Nova', () => {
  it('asks for the floating IPs of the ports, and the volumes last seen attached, before Nova has answered', async () => {
    const project = 'project-early-by-id';
    const c = await cloud(project, [server('s-1', ['vol-a'])], [port('p-1', 's-1', '10.0.0.5', project)], [fip('p-1', '10.0.0.5', '203.0.113.9', project)]);
    c.volumes = [volume('vol-a', 's-1')];
    await recordMappingAs(c.ctx.store, 'volume', 'vol-a', 'vol-0000000000000000a');

    const first = await DescribeInstances.run({ InstanceIds: ['i-00000000000000000'] }, c.ctx);
    expect(index(c.journal, 'start neutron GET floatingips?port_id=p-1')).toBeLessThan(index(c.journal, 'end nova GET servers/s-1'));
    // Nothing told this container yet which volumes the server has: asked for after Nova.
    expect(index(c.journal, 'start cinder GET volumes/vol-a')).toBeGreaterThan(index(c.journal, 'end nova GET servers/s-1'));

    c.journal.length = 0;
    const second = await DescribeInstances.run({ InstanceIds: ['i-00000000000000000'] }, c.ctx);
    expect(index(c.journal, 'start cinder GET volumes/vol-a')).toBeLessThan(index(c.journal, 'end nova GET servers/s-1'));
    expect(starts(c.journal, 'cinder')).toHaveLength(1);

    for (const out of [first, second]) {
      const instance = out.Reservations?.[0]?.Instances?.[0];
      expect(instance?.PublicIpAddress).toBe('203.0.113.9');
      expect(instance?.BlockDeviceMappings).toEqual([
        { DeviceName: '/dev/vdb', Ebs: { VolumeId: 'vol-0000000000000000a', Status: 'attached', AttachTime: new Date('2026-11-29T07:01:02Z'), DeleteOnTermination: true } },
      ]);
    }
  });

  it("asks Neutron for no port of a terminated instance's launch record", async () => {
    const project = 'project-early-terminated';
    const c = await cloud(project, [server('s-1')], [], []);
    c.servers = [];
    await writeLaunchRecord(c.ctx.store, {
      instanceId: 'i-00000000000000000',
      serverId: 's-1',
      origin: 'ec2',
      reservationId: 'r-00000000000000001',
      launchIndex: 0,
      ports: [{ portId: 'p-gone', deviceIndex: 0, deleteOnTermination: true }],
      terminated: { at: new Date().toISOString(), reason: { Code: 'Client.UserInitiatedShutdown', Message: 'Client.UserInitiatedShutdown: User initiated shutdown' }, server: server('s-1') },
    });
    c.journal.length = 0;
    const out = await DescribeInstances.run({ InstanceIds: ['i-00000000000000000'] }, c.ctx);
    expect(out.Reservations?.[0]?.Instances?.[0]?.State?.Name).toBe('terminated');
    expect(c.journal.filter((e) => e.startsWith('start neutron GET ports?id='))).toEqual([]);
  });

  it('a volume attached since the last look is read after Nova, one detached is not shown', async () => {
    const project = 'project-early-changed';
    const c = await cloud(project, [server('s-1', ['vol-a'])], [], []);
    c.volumes = [volume('vol-a', 's-1')];
    await DescribeInstances.run({ InstanceIds: ['i-00000000000000000'] }, c.ctx);

    c.servers = [server('s-1', ['vol-c'])];
    c.volumes = [volume('vol-a', 's-1', 'available'), volume('vol-c', 's-1')];
    c.journal.length = 0;
    const out = await DescribeInstances.run({ InstanceIds: ['i-00000000000000000'] }, c.ctx);
    expect(index(c.journal, 'start cinder GET volumes/vol-c')).toBeGreaterThan(index(c.journal, 'end nova GET servers/s-1'));
    expect(out.Reservations?.[0]?.Instances?.[0]?.BlockDeviceMappings?.map((m) => [m.DeviceName, m.Ebs?.Status])).toEqual([['/dev/vdb', 'attached']]);
  });
});

describe('DescribeInstances listing: what is read beside Nova', () => {
  it("lists the project's in-use volumes beside servers/detail and reads only a volume not in use after it", async () => {
    const project = 'project-early-listing';
    const c = await cloud(project, [server('s-1', ['vol-a']), server('s-2', ['vol-b-keep'])], [], []);
    c.volumes = [volume('vol-a', 's-1'), volume('vol-b-keep', 's-2', 'detaching')];

    const out = await DescribeInstances.run({}, c.ctx);
    expect(index(c.journal, 'start cinder GET volumes/detail?status=in-use')).toBeLessThan(index(c.journal, 'end nova GET servers/detail'));
    expect(starts(c.journal, 'cinder GET volumes/')).toEqual(['start cinder GET volumes/detail?status=in-use', 'start cinder GET volumes/vol-b-keep']);
    const mappings = new Map(
      (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => [i.InstanceId, i.BlockDeviceMappings?.map((m) => [m.Ebs?.Status, m.Ebs?.DeleteOnTermination, m.Ebs?.AttachTime])]),
    );
    const attached = new Date('2026-11-29T07:01:02Z');
    expect(mappings.get('i-00000000000000000')).toEqual([['attached', true, attached]]);
    expect(mappings.get('i-00000000000000001')).toEqual([['detaching', false, attached]]);
  });

  it('does not ask Cinder beside Nova for a project whose last listing showed no attached volume', async () => {
    const project = 'project-early-novolumes';
    const c = await cloud(project, [server('s-1')], [], []);
    await DescribeInstances.run({}, c.ctx);
    c.journal.length = 0;
    await DescribeInstances.run({}, c.ctx);
    expect(starts(c.journal, 'cinder')).toEqual([]);

    // A volume attached meanwhile is still shown (read after Nova), and the next listing asks early again.
    c.servers = [server('s-1', ['vol-a'])];
    c.volumes = [volume('vol-a', 's-1')];
    c.journal.length = 0;
    const out = await DescribeInstances.run({}, c.ctx);
    expect(starts(c.journal, 'cinder')).toEqual(['start cinder GET volumes/vol-a']);
    expect(out.Reservations?.[0]?.Instances?.[0]?.BlockDeviceMappings?.[0]?.Ebs?.Status).toBe('attached');
    c.journal.length = 0;
    await DescribeInstances.run({}, c.ctx);
    expect(starts(c.journal, 'cinder')).toEqual(['start cinder GET volumes/detail?status=in-use']);
  });

  it("takes a launch's port Nova has not plugged yet from the project's port listing, without a second ports call", async () => {
    const project = 'project-early-unplugged';
    const c = await cloud(project, [server('s-1')], [port('p-made', '', '10.0.0.7', project)], [fip('p-made', '10.0.0.7', '203.0.113.7', project)]);
    await writeLaunchRecord(c.ctx.store, {
      instanceId: 'i-00000000000000000',
      serverId: 's-1',
      origin: 'ec2',
      reservationId: 'r-00000000000000001',
      launchIndex: 0,
      ports: [{ portId: 'p-made', deviceIndex: 0, deleteOnTermination: true }],
    });
    c.journal.length = 0;
    const out = await DescribeInstances.run({}, c.ctx);
    expect(starts(c.journal, 'neutron GET ports')).toHaveLength(1);
    const instance = out.Reservations?.[0]?.Instances?.[0];
    expect(instance?.PrivateIpAddress).toBe('10.0.0.7');
    expect(instance?.PublicIpAddress).toBe('203.0.113.7');
  });
});
