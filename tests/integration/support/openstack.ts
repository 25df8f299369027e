/**
 * Direct OpenStack access for checking what our endpoint really did (as admin or as a project's
 * user), independent of the EC2 layer.
 */
import { selectEndpoints } from '../../../lib/openstack/catalog.js';
import { ServiceClient } from '../../../lib/openstack/http.js';
import { passwordAuth } from '../../../lib/openstack/keystone.js';
import { withVersion } from '../../../lib/openstack/clients.js';
import { fixtures } from './env.js';

export interface DirectOpenStack {
  projectId: string;
  token: string;
  nova: ServiceClient;
  neutron: ServiceClient;
  cinder: ServiceClient;
  glance: ServiceClient;
  keystone: ServiceClient;
}

const sessions = new Map<string, Promise<DirectOpenStack>>();

/** OpenStack as `who`: 'admin', or a project user ('demo', 'alt'). */
export function openstackAs(who: 'admin' | 'demo' | 'alt'): Promise<DirectOpenStack> {
  let session = sessions.get(who);
  if (!session) {
    session = connect(who);
    sessions.set(who, session);
  }
  return session;
}

async function connect(who: 'admin' | 'demo' | 'alt'): Promise<DirectOpenStack> {
  const f = fixtures();
  const user = who === 'admin' ? { name: f.admin.name, password: f.admin.password, projectName: f.admin.projectName } : { name: f.projects[who]!.userName, password: f.projects[who]!.password, projectName: f.projects[who]!.projectName };
  return connectAs(user.name, user.password, user.projectName);
}

/** OpenStack as any user of the default domain, scoped to one of its projects. */
export async function connectAs(username: string, password: string, projectName: string): Promise<DirectOpenStack> {
  const f = fixtures();
  const token = await passwordAuth({
    authUrl: f.authUrl,
    username,
    password,
    projectName,
    userDomainName: 'Default',
    projectDomainName: 'Default',
  });
  const ep = selectEndpoints(token.catalog, 'public', f.region);
  const client = (service: string, url: string | undefined, headers: Record<string, string> = {}) =>
    new ServiceClient({ service, baseUrl: url ?? '', headers: { 'x-auth-token': token.id, ...headers }, timeoutMs: 60_000 });
  return {
    projectId: token.projectId,
    token: token.id,
    nova: client('nova', ep.compute, { 'x-openstack-nova-api-version': '2.79' }),
    neutron: client('neutron', ep.network && withVersion(ep.network, 'v2.0')),
    cinder: client('cinder', ep.volume, { 'openstack-api-version': 'volume 3.60' }),
    glance: client('glance', ep.image && withVersion(ep.image, 'v2')),
    keystone: client('keystone', ep.identity && withVersion(ep.identity, 'v3')),
  };
}

/** Polls `probe` until it returns a value (not undefined) or the time runs out. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 120_000, everyMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * `count` addresses of a /24 that no port `os` can see on `networkId` holds, from host `from` up.
 * Neutron hands out addresses at random across a subnet's pool, so a fixed address a test names
 * may already belong to an earlier test's instance.
 */
export async function freeAddresses(os: DirectOpenStack, networkId: string, cidr: string, count: number, from = 50): Promise<string[]> {
  const { ports } = await os.neutron.get<{ ports: Array<{ fixed_ips: Array<{ ip_address: string }> }> }>('ports', { network_id: networkId });
  const used = new Set(ports.flatMap((p) => p.fixed_ips.map((f) => f.ip_address)));
  const base = cidr.split('.').slice(0, 3).join('.');
  const free: string[] = [];
  for (let host = from; host < 255 && free.length < count; host++) if (!used.has(`${base}.${host}`)) free.push(`${base}.${host}`);
  if (free.length < count) throw new Error(`${cidr} has fewer than ${count} free addresses from .${from}`);
  return free;
}
