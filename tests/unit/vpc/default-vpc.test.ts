/** Adoption of the project's network as its default VPC (lib/domain/vpc/default-vpc.ts) over fakes of Neutron and Nova. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { adopt, defaultVpc, ensureDefaultVpcDecided, isDefaultVpcDecided } from '../../../lib/domain/vpc/default-vpc.js';
import type { VpcDeps } from '../../../lib/domain/vpc/deps.js';
import { instanceVpcIds } from '../../../lib/domain/vpc/network-vpc.js';
import { objectsOf, type InternetGatewayRecord, type RouteTableRecord, type SubnetRecord, type VpcRecord } from '../../../lib/domain/vpc/records.js';
import type { ServiceClient } from '../../../lib/openstack/http.js';
import { MemoryStore } from '../support/memory-store.js';

const PROJECT = 'project-1';
const EXTERNAL = 'ext-net';

interface Cloud {
  withRouter: boolean;
  calls: string[];
  /** The project owning the network and router (PROJECT unless said). */
  project?: string;
}

/** Neutron as the local stack sets up a project: one network and subnet, plugged into its router. */
function fakeNeutron(cloud: Cloud): ServiceClient {
  const get = async (path: string, params?: URLSearchParams) => {
    cloud.calls.push(path);
    const q = (key: string) => params?.getAll(key) ?? [];
    if (path === 'networks') {
      return { networks: [{ id: 'net-1', name: 'private', project_id: PROJECT, subnets: ['sub-1'], shared: false, status: 'ACTIVE', created_at: '2024-01-01T00:00:00Z' }] };
    }
    if (path === 'ports') {
      if (!cloud.withRouter) return { ports: [] };
      const port = { id: 'port-r', device_id: 'router-1', network_id: 'net-1', device_owner: 'network:router_interface', fixed_ips: [{ subnet_id: 'sub-1', ip_address: '10.0.0.1' }] };
      return { ports: q('network_id').includes('net-1') || q('device_id').includes('router-1') ? [port] : [] };
    }
    if (path === 'routers/router-1') {
      return { router: { id: 'router-1', name: 'private-router', project_id: cloud.project ?? PROJECT, status: 'ACTIVE', external_gateway_info: { network_id: EXTERNAL } } };
    }
    if (path === 'subnets') {
      const subnet = { id: 'sub-1', name: 'private-subnet', network_id: 'net-1', project_id: PROJECT, ip_version: 4, cidr: '10.0.0.0/24', gateway_ip: '10.0.0.1' };
      return { subnets: q('id').includes('sub-1') ? [subnet] : [] };
    }
    throw new Error(`unexpected Neutron call ${path}`);
  };
  return { get } as unknown as ServiceClient;
}

const fakeNova = { get: async () => ({ availabilityZoneInfo: [{ zoneName: 'nova', zoneState: { available: true } }] }) } as unknown as ServiceClient;

function deps(cloud: Cloud, store = new MemoryStore(PROJECT)): VpcDeps & { store: MemoryStore } {
  return { neutron: fakeNeutron(cloud), nova: fakeNova, store, projectId: PROJECT, settings: { externalNetwork: undefined, defaultSubnetMapPublicIp: false } };
}

afterEach(() => vi.useRealTimers());

describe('the default VPC', () => {
  it("adopts the project's routed network: VPC, default subnet, attached gateway and main route table", async () => {
    const d = deps({ withRouter: true, calls: [] });
    const vpc = (await defaultVpc(d))!;
    expect(vpc).toMatchObject({ routerId: 'router-1', cidr: '10.0.0.0/16', isDefault: true, adopted: true });
    const [subnets, gateways, tables] = await Promise.all([
      objectsOf<SubnetRecord>(d.store, 'subnet'),
      objectsOf<InternetGatewayRecord>(d.store, 'igw'),
      objectsOf<RouteTableRecord>(d.store, 'rtb'),
    ]);
    expect(subnets).toEqual([expect.objectContaining({ vpcId: vpc.vpcId, subnetUuid: 'sub-1', routerIp: '10.0.0.1', defaultForAz: true, availabilityZone: 'nova', adopted: true })]);
    expect(gateways).toEqual([expect.objectContaining({ vpcId: vpc.vpcId })]);
    expect(tables).toEqual([
      expect.objectContaining({
        routeTableId: vpc.mainRouteTableId,
        routes: [
          { destination: '10.0.0.0/16', gatewayId: 'local', origin: 'CreateRouteTable' },
          { destination: '0.0.0.0/0', gatewayId: gateways[0]!.internetGatewayId, origin: 'CreateRoute' },
        ],
      }),
    ]);
    // Instances on the network show the same VPC.
    expect((await instanceVpcIds(d, ['net-1'])).get('net-1')).toBe(vpc.vpcId);
  });

  it('gives concurrent adopters one VPC, one main table and one gateway', async () => {
    const cloud = { withRouter: true, calls: [] };
    const store = new MemoryStore(PROJECT);
    const results = await Promise.all([adopt(deps(cloud, store)), adopt(deps(cloud, store)), adopt(deps(cloud, store))]);
    expect(new Set(results.map((v) => v!.vpcId)).size).toBe(1);
    expect(await objectsOf<VpcRecord>(store, 'vpc')).toHaveLength(1);
    expect(await objectsOf<RouteTableRecord>(store, 'rtb')).toHaveLength(1);
    expect(await objectsOf<InternetGatewayRecord>(store, 'igw')).toHaveLength(1);
  });

  it('is none for a project whose network has no router, and asks Neutron again only after a while', async () => {
    const cloud = { withRouter: false, calls: [] as string[] };
    const d = deps(cloud, new MemoryStore('project-without-router'));
    expect(await defaultVpc({ ...d, projectId: 'project-without-router' })).toBeUndefined();
    const calls = cloud.calls.length;
    expect(await defaultVpc({ ...d, projectId: 'project-without-router' })).toBeUndefined();
    expect(cloud.calls.length).toBe(calls);
    // Networks outside any VPC keep an id of their own for instances.
    const ids = await instanceVpcIds({ ...d, projectId: 'project-without-router' }, ['net-1']);
    expect(ids.get('net-1')).toMatch(/^vpc-[0-9a-f]{17}$/);
    expect((await instanceVpcIds({ ...d, projectId: 'project-without-router' }, ['net-1'])).get('net-1')).toBe(ids.get('net-1'));
  });

  it('is adopted once by the describes, which then read nothing for it in this container', async () => {
    const cloud = { withRouter: true, calls: [] as string[] };
    const store = new MemoryStore(PROJECT);
    const reads: string[] = [];
    const get = store.get.bind(store);
    store.get = (key: string) => {
      reads.push(key);
      return get(key);
    };
    expect(isDefaultVpcDecided(PROJECT)).toBe(false);
    await ensureDefaultVpcDecided(deps(cloud, store));
    expect(await objectsOf<VpcRecord>(store, 'vpc')).toEqual([expect.objectContaining({ routerId: 'router-1', isDefault: true })]);
    expect(isDefaultVpcDecided(PROJECT)).toBe(true);
    const [readsBefore, neutronBefore] = [reads.length, cloud.calls.length];
    await ensureDefaultVpcDecided(deps(cloud, store));
    expect([reads.length, cloud.calls.length]).toEqual([readsBefore, neutronBefore]);
  });

  it('stays undecided (looked for again) for a project with nothing to adopt', async () => {
    const project = 'project-nothing-to-adopt';
    const cloud = { withRouter: false, calls: [] as string[] };
    const d = { ...deps(cloud, new MemoryStore(project)), projectId: project };
    await ensureDefaultVpcDecided(d);
    expect(isDefaultVpcDecided(project)).toBe(false);
    expect(await objectsOf<VpcRecord>(d.store, 'vpc')).toEqual([]);
  });

  it('answers "none" at once past a minute while one look runs behind, and adopts what that look finds for the next caller', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const project = 'project-router-added-later';
    const cloud = { withRouter: false, calls: [] as string[], project };
    const d = { ...deps(cloud, new MemoryStore(project)), projectId: project };
    expect(await defaultVpc(d)).toBeUndefined();
    // A router is plugged in directly in Neutron; two minutes later a caller does not wait for the look.
    cloud.withRouter = true;
    vi.setSystemTime(Date.now() + 120_000);
    const calls = cloud.calls.length;
    expect(await defaultVpc(d)).toBeUndefined();
    await vi.waitFor(async () => expect(await objectsOf<VpcRecord>(d.store, 'vpc')).toHaveLength(1));
    expect(cloud.calls.length).toBeGreaterThan(calls);
    expect(await defaultVpc(d)).toMatchObject({ routerId: 'router-1', isDefault: true });
  });

  it('waits for a new look once "none" is older than a quarter of an hour', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const project = 'project-router-added-much-later';
    const cloud = { withRouter: false, calls: [] as string[], project };
    const d = { ...deps(cloud, new MemoryStore(project)), projectId: project };
    expect(await defaultVpc(d)).toBeUndefined();
    cloud.withRouter = true;
    vi.setSystemTime(Date.now() + 16 * 60_000);
    expect(await defaultVpc(d)).toMatchObject({ routerId: 'router-1', isDefault: true });
  });
});
