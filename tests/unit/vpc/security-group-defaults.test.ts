/** VPCs' default security groups (lib/domain/vpc/security-groups.ts) over a fake of Neutron. */
import { describe, expect, it } from 'vitest';
import type { VpcDeps } from '../../../lib/domain/vpc/deps.js';
import type { VpcRecord } from '../../../lib/domain/vpc/records.js';
import { ensureDefaultGroup, ec2GroupName, requireGroupNamed } from '../../../lib/domain/vpc/security-groups.js';
import type { ServiceClient } from '../../../lib/openstack/http.js';
import { Ec2Error } from '../../../lib/protocol/errors.js';
import { MemoryStore } from '../support/memory-store.js';

const PROJECT = 'project-1';

interface Calls {
  created: string[];
  deleted: string[];
  rules: unknown[];
}

function fakeNeutron(calls: Calls): ServiceClient {
  let next = 0;
  return {
    get: async (path: string) => {
      if (path === 'security-groups') return { security_groups: [{ id: 'project-default', name: 'default', project_id: PROJECT, security_group_rules: [] }] };
      throw new Error(`unexpected GET ${path}`);
    },
    post: async (path: string, body: Record<string, unknown>) => {
      if (path === 'security-groups') {
        const id = `group-${++next}`;
        calls.created.push(id);
        const egress = (ethertype: string) => ({ id: `${id}-${ethertype}`, security_group_id: id, direction: 'egress', ethertype, protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_group_id: null });
        return { security_group: { id, ...(body['security_group'] as object), project_id: PROJECT, security_group_rules: [egress('IPv4'), egress('IPv6')] } };
      }
      if (path === 'security-group-rules') {
        calls.rules.push(...(body['security_group_rules'] as unknown[]));
        return { security_group_rules: body['security_group_rules'] };
      }
      throw new Error(`unexpected POST ${path}`);
    },
    delete: async (path: string) => void calls.deleted.push(path),
  } as unknown as ServiceClient;
}

const vpc = (over: Partial<VpcRecord> = {}): VpcRecord => ({
  vpcId: 'vpc-0123456789abcdef0',
  routerId: 'router-1',
  cidr: '10.0.0.0/16',
  cidrAssociationId: 'vpc-cidr-assoc-1',
  isDefault: false,
  adopted: false,
  mainRouteTableId: 'rtb-1',
  mainAssociationId: 'rtbassoc-1',
  enableDnsSupport: true,
  enableDnsHostnames: false,
  createdAt: '2024-01-01T00:00:00Z',
  ...over,
});

function deps(calls: Calls, store = new MemoryStore(PROJECT)): VpcDeps {
  return { neutron: fakeNeutron(calls), nova: {} as ServiceClient, store, projectId: PROJECT, settings: { externalNetwork: undefined, defaultSubnetMapPublicIp: false } };
}

describe("a VPC's default security group", () => {
  it("is a Neutron group of another name with AWS's rules: all in from itself, IPv4 out only", async () => {
    const calls: Calls = { created: [], deleted: [], rules: [] };
    const group = await ensureDefaultGroup(deps(calls), vpc());
    expect(group).toMatchObject({ uuid: 'group-1', vpcId: 'vpc-0123456789abcdef0', groupName: 'default', isDefault: true });
    expect(group.groupId).toMatch(/^sg-[0-9a-f]{17}$/);
    expect(calls.deleted).toEqual(['security-group-rules/group-1-IPv6']);
    expect(calls.rules).toEqual([expect.objectContaining({ direction: 'ingress', ethertype: 'IPv4', protocol: null, remote_group_id: 'group-1' })]);
  });

  it('is one group when concurrent callers make it: the losers delete theirs', async () => {
    const calls: Calls = { created: [], deleted: [], rules: [] };
    const d = deps(calls);
    const groups = await Promise.all([1, 2, 3].map(() => ensureDefaultGroup(d, vpc())));
    expect(new Set(groups.map((g) => g.groupId)).size).toBe(1);
    const kept = groups[0]!.uuid;
    expect(calls.deleted.filter((p) => p.startsWith('security-groups/')).sort()).toEqual(calls.created.filter((id) => id !== kept).map((id) => `security-groups/${id}`).sort());
    // Later callers read the claim: nothing new in Neutron.
    const before = calls.created.length;
    expect((await ensureDefaultGroup(d, vpc())).groupId).toBe(groups[0]!.groupId);
    expect(calls.created.length).toBe(before);
  });

  it("is the project's own Neutron default group for the default VPC (nothing made)", async () => {
    const calls: Calls = { created: [], deleted: [], rules: [] };
    const group = await ensureDefaultGroup(deps(calls), vpc({ isDefault: true }));
    expect(group).toMatchObject({ uuid: 'project-default', projectDefault: true, groupName: 'default' });
    expect(calls.created).toEqual([]);
  });

  it('is found by the name default within its VPC; other names are InvalidGroup.NotFound there', async () => {
    const calls: Calls = { created: [], deleted: [], rules: [] };
    const store = new MemoryStore(PROJECT);
    const d = deps(calls, store);
    await store.putJson('obj#vpc-0123456789abcdef0', vpc());
    const group = await requireGroupNamed(d, 'default', 'vpc-0123456789abcdef0');
    expect(group.isDefault).toBe(true);
    const error = await requireGroupNamed(d, 'web', 'vpc-0123456789abcdef0').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Ec2Error);
    expect((error as Ec2Error).code).toBe('InvalidGroup.NotFound');
  });

  it('shows under the name default wherever Neutron names it', () => {
    expect(ec2GroupName('default-vpc-0123456789abcdef0')).toBe('default');
    expect(ec2GroupName('default-web')).toBe('default-web');
  });
});
