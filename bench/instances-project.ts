/** What the instance benchmarks share: a throw-away project with its own user, EC2 credential, quotas. */
import { randomBytes } from 'node:crypto';
import { EC2Client } from '@aws-sdk/client-ec2';
import { callerOf, type Caller } from '../lib/auth/authenticator.js';
import { selectEndpoints } from '../lib/openstack/catalog.js';
import { withVersion } from '../lib/openstack/clients.js';
import { ServiceClient } from '../lib/openstack/http.js';
import { passwordAuth } from '../lib/openstack/keystone.js';
import { openstackAs } from '../tests/integration/support/openstack.js';
import { endpointInfo, fixtures } from './support.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The table is reached as the server reaches it (set before anything reads the configuration).
Object.assign(process.env, endpointInfo().serverEnv);

export interface Project {
  id: string;
  userId: string;
  nova: ServiceClient;
  neutron: ServiceClient;
  ec2: EC2Client;
  /** The project's EC2 credential and its user's token, for clients of a benchmark's own. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  token: string;
  /** The authenticated caller a family function receives from the front door (to invoke one directly). */
  caller: Caller;
}

/** A project of the run's own: user, EC2 credential, quotas for `size` small servers. */
export async function makeProject(prefix: string, size: number): Promise<Project> {
  const admin = await openstackAs('admin');
  const f = fixtures();
  const name = `${prefix}-${Date.now().toString(36)}`;
  const password = randomBytes(12).toString('hex');
  const { project } = await admin.keystone.post<{ project: { id: string } }>('projects', { project: { name, domain_id: 'default' } });
  const { user } = await admin.keystone.post<{ user: { id: string } }>('users', { user: { name, password, domain_id: 'default' } });
  const { roles } = await admin.keystone.get<{ roles: Array<{ id: string; name: string }> }>('roles');
  for (const r of roles.filter((x) => x.name === 'member' || x.name === 'reader')) await admin.keystone.put(`projects/${project.id}/users/${user.id}/roles/${r.id}`);
  const access = randomBytes(16).toString('hex');
  const secret = randomBytes(16).toString('hex');
  await admin.keystone.post('credentials', { credential: { type: 'ec2', user_id: user.id, project_id: project.id, blob: JSON.stringify({ access, secret }) } });
  await admin.nova.put(`os-quota-sets/${project.id}`, { quota_set: { instances: size + 10, cores: size + 10, ram: (size + 10) * 512 } });
  await admin.neutron.put(`quotas/${project.id}`, { quota: { port: size + 50 } });
  await sleep(2000); // Keystone refuses tokens issued in the same second as the grants
  const token = await passwordAuth({ authUrl: f.authUrl, username: name, password, projectName: name, userDomainName: 'Default', projectDomainName: 'Default' });
  const ep = selectEndpoints(token.catalog, 'public', f.region);
  const client = (service: string, url: string) => new ServiceClient({ service, baseUrl: url, headers: { 'x-auth-token': token.id }, timeoutMs: 300_000 });
  const info = endpointInfo();
  return {
    id: project.id,
    userId: user.id,
    nova: client('nova', ep.compute!),
    neutron: client('neutron', withVersion(ep.network!, 'v2.0')),
    ec2: new EC2Client({ endpoint: info.endpoint, region: info.region, credentials: { accessKeyId: access, secretAccessKey: secret }, maxAttempts: 1 }),
    credentials: { accessKeyId: access, secretAccessKey: secret },
    token: token.id,
    caller: callerOf(access, token, ep),
  };
}

export async function servers(p: Project): Promise<Array<{ id: string; status: string }>> {
  return (await p.nova.get<{ servers: Array<{ id: string; status: string }> }>('servers/detail', { limit: 1000 })).servers;
}

/** Deletes the project's servers, network, groups, table items, user and project. */
export async function removeProject(p: Project, networkId: string | undefined): Promise<void> {
  const admin = await openstackAs('admin');
  for (const s of await servers(p).catch(() => [])) await p.nova.delete(`servers/${s.id}`).catch(() => undefined);
  for (let i = 0; i < 120 && (await servers(p).catch(() => [])).length; i++) await sleep(5000);
  if (networkId) {
    const { ports } = await p.neutron.get<{ ports: Array<{ id: string }> }>('ports', { network_id: networkId });
    for (const port of ports) await p.neutron.delete(`ports/${port.id}`).catch(() => undefined);
    await p.neutron.delete(`networks/${networkId}`).catch(() => undefined);
  }
  const { security_groups } = await admin.neutron.get<{ security_groups: Array<{ id: string }> }>('security-groups', { project_id: p.id });
  for (const g of security_groups) await admin.neutron.delete(`security-groups/${g.id}`).catch(() => undefined);
  await admin.keystone.delete(`users/${p.userId}`).catch(() => undefined);
  await admin.keystone.delete(`projects/${p.id}`).catch(() => undefined);
  // The endpoint's table items of the project (ids, launch records, tokens).
  const { storeFor } = await import('../lib/store/project-store.js');
  const store = storeFor(p.id);
  await store.deleteMany((await store.query('')).map((r) => r.key));
}
