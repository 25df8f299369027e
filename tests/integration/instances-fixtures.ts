/**
 * What the instances tests stand on: a network of their own in the project (made in Neutron), an
 * AMI id (DescribeImages), and the EC2 ids of the network's subnet and default security group,
 * learnt the way any user learns them here: from a server booted directly in Nova on that network,
 * as DescribeInstances shows it (which also proves such servers appear with EC2 ids).
 *
 * Also: a throw-away project with its own user, EC2 credential and quotas, for tests that need a
 * quota of their own (partial launches) without touching the shared projects' quotas.
 */
import { randomBytes } from 'node:crypto';
import { DescribeImagesCommand, DescribeInstancesCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import type { NovaServer } from '../../lib/openstack/nova.js';
import { endpointInfo, fixtures, uniqueName } from './support/env.js';
import { connectAs, eventually, openstackAs, type DirectOpenStack } from './support/openstack.js';

const NOVA_VERSION = { 'x-openstack-nova-api-version': '2.90', 'openstack-api-version': 'compute 2.90' };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface TestNetwork {
  networkId: string;
  subnetUuid: string;
  cidr: string;
}

export async function createNetwork(os: DirectOpenStack, name: string): Promise<TestNetwork> {
  const cidr = `10.${100 + (randomBytes(1)[0]! % 100)}.${randomBytes(1)[0]!}.0/24`;
  const network = (await os.neutron.post<{ network: { id: string } }>('networks', { network: { name } })).network;
  const subnet = (
    await os.neutron.post<{ subnet: { id: string } }>('subnets', {
      subnet: { name, network_id: network.id, ip_version: 4, cidr },
    })
  ).subnet;
  return { networkId: network.id, subnetUuid: subnet.id, cidr };
}

/** Deletes what is left on a test network, then the network. */
export async function deleteNetwork(os: DirectOpenStack, networkId: string): Promise<void> {
  for (let i = 0; i < 30; i++) {
    const { ports } = await os.neutron.get<{ ports: Array<{ id: string; device_owner: string }> }>('ports', { network_id: networkId });
    for (const p of ports) await os.neutron.delete(`ports/${p.id}`).catch(() => undefined);
    try {
      await os.neutron.delete(`networks/${networkId}`);
      return;
    } catch {
      await sleep(2000);
    }
  }
}

export async function flavorId(os: DirectOpenStack, name: string): Promise<string> {
  const { flavors } = await os.nova.get<{ flavors: Array<{ id: string; name: string }> }>('flavors');
  return flavors.find((f) => f.name === name)!.id;
}

export async function novaServer(os: DirectOpenStack, id: string): Promise<NovaServer | undefined> {
  try {
    return (await os.nova.request<{ server: NovaServer }>('GET', `servers/${id}`, { headers: NOVA_VERSION })).body.server;
  } catch {
    return undefined;
  }
}

export async function novaServers(os: DirectOpenStack, query: Record<string, string> = {}): Promise<NovaServer[]> {
  return (await os.nova.request<{ servers: NovaServer[] }>('GET', 'servers/detail', { searchParams: query, headers: NOVA_VERSION })).body.servers;
}

/** Boots a server in Nova directly (outside EC2) and waits for its address. */
export async function bootInNova(os: DirectOpenStack, name: string, networkId: string): Promise<{ server: NovaServer; ip: string }> {
  const f = fixtures();
  const { server } = await os.nova.post<{ server: { id: string } }>('servers', {
    server: { name, imageRef: f.imageId, flavorRef: await flavorId(os, 'm1.tiny'), networks: [{ uuid: networkId }] },
  });
  return eventually(
    async () => {
      const s = await novaServer(os, server.id);
      if (s?.status === 'ERROR') throw new Error(`helper server ${server.id} failed: ${s.fault?.message}`);
      const ip = Object.values(s?.addresses ?? {}).flat()[0]?.addr;
      return s?.status === 'ACTIVE' && ip ? { server: s, ip } : undefined;
    },
    `server ${name} to be ACTIVE with an address`,
    300_000,
    2000,
  );
}

export async function amiId(client: EC2Client): Promise<string> {
  const name = fixtures().imageName;
  const { Images } = await client.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: [name] }] }));
  const id = Images?.[0]?.ImageId;
  if (!id) throw new Error(`DescribeImages does not show the image ${name}`);
  return id;
}

/** The instance DescribeInstances shows for a server, found by its private address. */
export async function instanceWithIp(client: EC2Client, ip: string): Promise<Instance> {
  return eventually(async () => {
    const { Reservations } = await client.send(new DescribeInstancesCommand({ Filters: [{ Name: 'private-ip-address', Values: [ip] }] }));
    return Reservations?.flatMap((r) => r.Instances ?? [])[0];
  }, `an instance with address ${ip}`);
}

export interface NetworkFixture extends TestNetwork {
  imageId: string;
  /** subnet-… of the network's subnet. */
  subnetId: string;
  vpcId: string;
  /** sg-… of the project's default security group. */
  defaultGroupId: string;
  helper: { serverId: string; instanceId: string; ip: string };
}

/** A network with its EC2 ids, learnt from a server booted in Nova on it. */
export async function networkFixture(os: DirectOpenStack, client: EC2Client, prefix: string): Promise<NetworkFixture> {
  const net = await createNetwork(os, `${prefix}-net`);
  const [imageId, helper] = await Promise.all([amiId(client), bootInNova(os, `${prefix}-nova-helper`, net.networkId)]);
  const instance = await instanceWithIp(client, helper.ip);
  return {
    ...net,
    imageId,
    subnetId: instance.SubnetId!,
    vpcId: instance.VpcId!,
    defaultGroupId: instance.SecurityGroups!.find((g) => g.GroupName === 'default')!.GroupId!,
    helper: { serverId: helper.server.id, instanceId: instance.InstanceId!, ip: helper.ip },
  };
}

// ---- a project of the test's own

export interface OwnProject {
  projectId: string;
  /** The project user's EC2 credential, for hand-signed requests. */
  ec2: { access: string; secret: string };
  os: DirectOpenStack;
  client: EC2Client;
  remove(): Promise<void>;
}


/** A new project with a member user, an EC2 credential and the given Nova quotas. */
export async function ownProject(prefix: string, quotas: Record<string, number>): Promise<OwnProject> {
  const admin = await openstackAs('admin');
  const name = uniqueName(prefix);
  const password = randomBytes(12).toString('hex');
  const { project } = await admin.keystone.post<{ project: { id: string } }>('projects', { project: { name, domain_id: 'default' } });
  const { user } = await admin.keystone.post<{ user: { id: string } }>('users', {
    user: { name, password, domain_id: 'default', default_project_id: project.id },
  });
  const { roles } = await admin.keystone.get<{ roles: Array<{ id: string; name: string }> }>('roles');
  for (const role of roles.filter((r) => r.name === 'member' || r.name === 'reader')) {
    await admin.keystone.put(`projects/${project.id}/users/${user.id}/roles/${role.id}`);
  }
  const access = randomBytes(16).toString('hex');
  const secret = randomBytes(16).toString('hex');
  await admin.keystone.post('credentials', {
    credential: { type: 'ec2', user_id: user.id, project_id: project.id, blob: JSON.stringify({ access, secret }) },
  });
  await admin.nova.put(`os-quota-sets/${project.id}`, { quota_set: quotas });
  const os = await connectAs(name, password, name);
  const info = endpointInfo();
  const client = new EC2Client({
    endpoint: info.endpoint,
    region: info.region,
    credentials: { accessKeyId: access, secretAccessKey: secret },
    maxAttempts: 1,
  });
  // Keystone may refuse tokens issued in the same second as the role grants for a while: wait
  // until the new user's EC2 requests reach OpenStack.
  await eventually(
    () => client.send(new DescribeImagesCommand({ Owners: ['self'] })).then(() => true, () => undefined),
    'the new project to be usable through EC2',
    60_000,
    2000,
  );
  return {
    projectId: project.id,
    ec2: { access, secret },
    os,
    client,
    remove: async () => {
      const servers = await novaServers(os).catch(() => []);
      for (const s of servers) await os.nova.delete(`servers/${s.id}`).catch(() => undefined);
      await eventually(async () => ((await novaServers(os)).length === 0 ? true : undefined), 'the project to have no servers', 120_000, 2000).catch(() => undefined);
      const { networks } = await os.neutron.get<{ networks: Array<{ id: string }> }>('networks', { project_id: project.id });
      for (const n of networks) await deleteNetwork(os, n.id);
      const { security_groups } = await admin.neutron.get<{ security_groups: Array<{ id: string }> }>('security-groups', { project_id: project.id });
      for (const g of security_groups) await admin.neutron.delete(`security-groups/${g.id}`).catch(() => undefined);
      await admin.keystone.delete(`users/${user.id}`).catch(() => undefined);
      await admin.keystone.delete(`projects/${project.id}`).catch(() => undefined);
    },
  };
}
