/**
 * The security groups an instance's ports name are kept per container: a poll of the same
 * instances (HTCondor's, every few seconds) asks Neutron for the groups once, not at every look,
 * and still shows each group's name. Groups not kept yet are read together in one request.
 */
import { describe, expect, it } from 'vitest';
import { fetchRelated, type InstanceDeps } from '../../../lib/domain/instances/instance-related.js';
import type { ServiceClient } from '../../../lib/openstack/http.js';
import type { NeutronPort, NeutronSecurityGroup } from '../../../lib/openstack/neutron.js';
import type { NovaServer } from '../../../lib/openstack/nova.js';
import { MemoryStore } from '../support/memory-store.js';

type Query = URLSearchParams | undefined;

/** A Neutron whose GETs answer from these ports and groups, and which notes each GET. */
function neutron(ports: NeutronPort[], groups: NeutronSecurityGroup[]) {
  const calls: Array<{ path: string; query: Query }> = [];
  const values = (query: Query, name: string) => (query?.has(name) ? query.getAll(name) : undefined);
  const client = {
    get: async (path: string, query?: Query) => {
      calls.push({ path, query });
      if (path === 'ports') return { ports: ports.filter((p) => values(query, 'device_id')?.includes(p.device_id) ?? true) };
      if (path === 'security-groups') return { security_groups: groups.filter((g) => values(query, 'id')?.includes(g.id) ?? true) };
      if (path === 'floatingips') return { floatingips: [] };
      if (path === 'networks') return { networks: [] };
      return { [path.replace(/-/g, '_')]: [] };
    },
  } as unknown as ServiceClient;
  return { client, calls, groupCalls: () => calls.filter((c) => c.path === 'security-groups') };
}

const port = (id: string, serverId: string, groups: string[]): NeutronPort => ({
  id,
  name: '',
  network_id: 'net-1',
  project_id: 'project-groups',
  mac_address: 'fa:16:3e:00:00:01',
  admin_state_up: true,
  status: 'ACTIVE',
  device_id: serverId,
  device_owner: 'compute:nova',
  fixed_ips: [{ subnet_id: 'sub-1', ip_address: '10.0.0.5' }],
  security_groups: groups,
});

const server = (id: string) => ({ id, status: 'BUILD' }) as unknown as NovaServer;

function deps(client: ServiceClient, projectId: string): InstanceDeps {
  const unused = { get: async () => ({}) } as unknown as ServiceClient;
  return { nova: unused, neutron: client, cinder: unused, glance: unused, store: new MemoryStore(), projectId, region: 'RegionOne' };
}

describe('security groups of instance ports, kept per container', () => {
  it('a second look at the same instance asks Neutron for no group, and still names them', async () => {
    const groups = [
      { id: 'g-web', name: 'web', project_id: 'project-groups' },
      { id: 'g-db', name: 'db', project_id: 'project-groups' },
    ];
    const os = neutron([port('p-1', 's-1', ['g-web', 'g-db'])], groups);
    const first = await fetchRelated(deps(os.client, 'project-groups'), [server('s-1')]);
    expect(os.groupCalls()).toHaveLength(1);
    expect(ids(os.groupCalls()[0]!.query)).toEqual(['g-web', 'g-db']);
    expect(first.securityGroups.get('g-web')?.name).toBe('web');

    const second = await fetchRelated(deps(os.client, 'project-groups'), [server('s-1')]);
    expect(os.groupCalls()).toHaveLength(1);
    expect([...second.securityGroups.values()].map((g) => g.name).sort()).toEqual(['db', 'web']);
    // The ports themselves are read at every look: they change while Nova builds.
    expect(os.calls.filter((c) => c.path === 'ports')).toHaveLength(2);
  });

  it('only the groups not kept yet are read, in one request; another project reads its own', async () => {
    const groups = [
      { id: 'g-a', name: 'a', project_id: 'project-more' },
      { id: 'g-b', name: 'b', project_id: 'project-more' },
      { id: 'g-c', name: 'c', project_id: 'project-more' },
    ];
    const os = neutron([port('p-1', 's-1', ['g-a']), port('p-2', 's-2', ['g-a', 'g-b', 'g-c'])], groups);
    await fetchRelated(deps(os.client, 'project-more'), [server('s-1')]);
    const both = await fetchRelated(deps(os.client, 'project-more'), [server('s-2')]);
    expect(os.groupCalls().map((c) => ids(c.query))).toEqual([['g-a'], ['g-b', 'g-c']]);
    expect([...both.securityGroups.keys()].sort()).toEqual(['g-a', 'g-b', 'g-c']);

    // The same group ids seen by another project are that project's to read.
    await fetchRelated(deps(os.client, 'project-other'), [server('s-1')]);
    expect(os.groupCalls().map((c) => ids(c.query))).toEqual([['g-a'], ['g-b', 'g-c'], ['g-a']]);
  });
});

function ids(query: Query): string[] {
  return query?.getAll('id') ?? [];
}
