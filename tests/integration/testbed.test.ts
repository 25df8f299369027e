// Proves the local OpenStack test bed (local/openstack/up.sh) independently of the project's
// code: only Node's global fetch and node:crypto. As the demo user it boots a server through
// Nova, attaches a Cinder volume, associates a floating IP, and has Keystone validate a
// hand-made EC2 SigV4 signature through /v3/ec2tokens with the EC2 service user's token.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface ProjectFixture {
  projectId: string;
  projectName: string;
  userId: string;
  userName: string;
  password: string;
  ec2: { access: string; secret: string };
}
interface Fixtures {
  authUrl: string;
  region: string;
  serviceUser: {
    name: string;
    password: string;
    projectName: string;
    userDomain: string;
    projectDomain: string;
  };
  admin: { name: string; password: string; projectName: string };
  projects: Record<'demo' | 'alt', ProjectFixture>;
  imageId: string;
  imageName: string;
  flavors: string[];
  publicNetworkId: string;
  publicNetworkName: string;
}
interface CatalogEntry {
  type: string;
  endpoints: { interface: string; region_id: string; url: string }[];
}
interface Session {
  token: string;
  projectId: string;
  catalog: CatalogEntry[];
}

const STEP_TIMEOUT = 180_000;
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const stateDir = process.env.EC2OS_STATE_DIR ?? join(repoRoot, 'local/.run/openstack');
const fixturesPath = join(stateDir, 'fixtures.json');
const prefix = `testbed-${randomBytes(4).toString('hex')}`;

let fx: Fixtures;
let demo: Session;

// What this file created, for afterAll (filled in as the steps go).
const created: {
  networkId?: string;
  subnetId?: string;
  routerId?: string;
  serverId?: string;
  volumeId?: string;
  floatingIpId?: string;
} = {};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T = unknown>(
  method: string,
  url: string,
  token: string | undefined,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: T }> {
  const headers: Record<string, string> = { Accept: 'application/json', ...extraHeaders };
  if (token) headers['X-Auth-Token'] = token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new HttpError(res.status, `${method} ${url} -> ${res.status}: ${text.slice(0, 500)}`);
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as T };
}

async function passwordToken(
  user: string,
  password: string,
  project: string,
): Promise<Session> {
  const res = await call<{ token: { project: { id: string }; catalog: CatalogEntry[] } }>(
    'POST',
    `${fx.authUrl}/auth/tokens`,
    undefined,
    {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: user, domain: { id: 'default' }, password } },
        },
        scope: { project: { name: project, domain: { id: 'default' } } },
      },
    },
  );
  const token = res.headers.get('x-subject-token');
  if (!token) throw new Error('Keystone answered without X-Subject-Token');
  return { token, projectId: res.body.token.project.id, catalog: res.body.token.catalog };
}

function endpoint(s: Session, type: string): string {
  const entry = s.catalog.find((c) => c.type === type);
  const ep = entry?.endpoints.find((e) => e.interface === 'public' && e.region_id === fx.region);
  if (!ep) throw new Error(`no public ${type} endpoint in ${fx.region}`);
  return ep.url.replace('%(project_id)s', s.projectId).replace('$(project_id)s', s.projectId);
}

const nova = (path: string) => `${endpoint(demo, 'compute')}${path}`;
const neutron = (path: string) => `${endpoint(demo, 'network')}/v2.0${path}`;
const cinder = (path: string) => `${endpoint(demo, 'volumev3')}${path}`;

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 150_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(1000);
  }
}

// ---- SigV4 by hand (AWS Signature Version 4, as botocore signs an EC2 query POST) ----
const sha256hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

function signV4(opts: {
  access: string;
  secret: string;
  host: string;
  body: string;
  region: string;
  amzDate: string;
}) {
  const contentType = 'application/x-www-form-urlencoded; charset=utf-8';
  const date = opts.amzDate.slice(0, 8);
  const scope = `${date}/${opts.region}/ec2/aws4_request`;
  const signedHeaders = 'content-type;host;x-amz-date';
  const canonicalHeaders = `content-type:${contentType}\nhost:${opts.host}\nx-amz-date:${opts.amzDate}\n`;
  const bodyHash = sha256hex(opts.body);
  const canonicalRequest = ['POST', '/', '', canonicalHeaders, signedHeaders, bodyHash].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', opts.amzDate, scope, sha256hex(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${opts.secret}`, date);
  for (const part of [opts.region, 'ec2', 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  return {
    signature,
    bodyHash,
    headers: {
      'Content-Type': contentType,
      'X-Amz-Date': opts.amzDate,
      Authorization: `AWS4-HMAC-SHA256 Credential=${opts.access}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    },
  };
}

// ---- cleanup helpers: each is best effort; errors are collected and reported ----
async function ignore404(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof HttpError && e.status === 404)) throw e;
  }
}

async function gone(url: string): Promise<true | undefined> {
  try {
    await call('GET', url, demo.token);
    return undefined;
  } catch (e) {
    if (e instanceof HttpError && e.status === 404) return true;
    throw e;
  }
}

describe('local OpenStack test bed', () => {
  beforeAll(async () => {
    if (!existsSync(fixturesPath)) {
      throw new Error(`${fixturesPath} is missing: bring the stack up with local/openstack/up.sh`);
    }
    fx = JSON.parse(readFileSync(fixturesPath, 'utf8')) as Fixtures;
  });

  afterAll(async () => {
    if (!demo) return;
    const errors: string[] = [];
    const step = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (e) {
        errors.push(`${what}: ${(e as Error).message}`);
      }
    };
    if (created.floatingIpId) {
      await step('delete floating IP', () =>
        ignore404(call('DELETE', neutron(`/floatingips/${created.floatingIpId}`), demo.token)),
      );
    }
    if (created.serverId) {
      const url = nova(`/servers/${created.serverId}`);
      await step('delete server', async () => {
        await ignore404(call('DELETE', url, demo.token));
        await waitFor('server deletion', () => gone(url));
      });
    }
    if (created.volumeId) {
      const url = cinder(`/volumes/${created.volumeId}`);
      await step('delete volume', async () => {
        // Deleting the server detaches the volume; wait until Cinder agrees.
        await waitFor('volume detach', async () => {
          try {
            const v = await call<{ volume: { status: string } }>('GET', url, demo.token);
            return ['available', 'error'].includes(v.body.volume.status) ? true : undefined;
          } catch (e) {
            if (e instanceof HttpError && e.status === 404) return true;
            throw e;
          }
        });
        await ignore404(call('DELETE', url, demo.token));
        await waitFor('volume deletion', () => gone(url));
      });
    }
    if (created.routerId) {
      const routerUrl = neutron(`/routers/${created.routerId}`);
      if (created.subnetId) {
        await step('remove router interface', () =>
          ignore404(
            call('PUT', `${routerUrl}/remove_router_interface`, demo.token, { subnet_id: created.subnetId }),
          ),
        );
      }
      await step('delete router', () => ignore404(call('DELETE', routerUrl, demo.token)));
    }
    if (created.networkId) {
      const url = neutron(`/networks/${created.networkId}`);
      await step('delete network', () =>
        // The server's port goes away with the server, a moment later: retry on 409.
        waitFor('network deletion', async () => {
          try {
            await ignore404(call('DELETE', url, demo.token));
            return true;
          } catch (e) {
            if (e instanceof HttpError && e.status === 409) return undefined;
            throw e;
          }
        }, 60_000),
      );
    }
    if (errors.length) throw new Error(`cleanup failed:\n${errors.join('\n')}`);
  }, STEP_TIMEOUT);

  it('gives the demo user a project-scoped token with a full catalog', async () => {
    const d = fx.projects.demo;
    demo = await passwordToken(d.userName, d.password, d.projectName);
    expect(demo.projectId).toBe(d.projectId);
    for (const type of ['compute', 'network', 'image', 'volumev3', 'placement', 'identity']) {
      expect(() => endpoint(demo, type)).not.toThrow();
    }
  }, STEP_TIMEOUT);

  it('creates a network, a subnet and a router with its gateway on the public network', async () => {
    const net = await call<{ network: { id: string } }>('POST', neutron('/networks'), demo.token, {
      network: { name: prefix },
    });
    created.networkId = net.body.network.id;
    const third = 1 + (randomBytes(1)[0] ?? 0) % 250;
    const subnet = await call<{ subnet: { id: string } }>('POST', neutron('/subnets'), demo.token, {
      subnet: { name: prefix, network_id: created.networkId, ip_version: 4, cidr: `10.199.${third}.0/24` },
    });
    created.subnetId = subnet.body.subnet.id;
    const router = await call<{ router: { id: string; external_gateway_info: { network_id: string } | null } }>(
      'POST',
      neutron('/routers'),
      demo.token,
      { router: { name: prefix, external_gateway_info: { network_id: fx.publicNetworkId } } },
    );
    created.routerId = router.body.router.id;
    expect(router.body.router.external_gateway_info?.network_id).toBe(fx.publicNetworkId);
    await call('PUT', neutron(`/routers/${created.routerId}/add_router_interface`), demo.token, {
      subnet_id: created.subnetId,
    });
  }, STEP_TIMEOUT);

  it('boots a server with m1.tiny and the public image, and sees it ACTIVE', async () => {
    const flavors = await call<{ flavors: { id: string; name: string }[] }>('GET', nova('/flavors'), demo.token);
    const tiny = flavors.body.flavors.find((f) => f.name === 'm1.tiny');
    expect(tiny, 'flavor m1.tiny').toBeDefined();
    const res = await call<{ server: { id: string } }>('POST', nova('/servers'), demo.token, {
      server: {
        name: prefix,
        imageRef: fx.imageId,
        flavorRef: tiny?.id,
        networks: [{ uuid: created.networkId }],
      },
    });
    created.serverId = res.body.server.id;
    const server = await waitFor('server ACTIVE', async () => {
      const s = await call<{ server: { status: string; fault?: { message: string } } }>(
        'GET',
        nova(`/servers/${created.serverId}`),
        demo.token,
      );
      if (s.body.server.status === 'ERROR') {
        throw new Error(`server went to ERROR: ${s.body.server.fault?.message ?? 'no fault'}`);
      }
      return s.body.server.status === 'ACTIVE' ? s.body.server : undefined;
    });
    expect(server.status).toBe('ACTIVE');
  }, STEP_TIMEOUT);

  it('creates a 1 GB Cinder volume and attaches it to the server (in-use)', async () => {
    const res = await call<{ volume: { id: string } }>('POST', cinder('/volumes'), demo.token, {
      volume: { size: 1, name: prefix },
    });
    created.volumeId = res.body.volume.id;
    const volUrl = cinder(`/volumes/${created.volumeId}`);
    const status = async () =>
      (await call<{ volume: { status: string } }>('GET', volUrl, demo.token)).body.volume.status;
    await waitFor('volume available', async () => {
      const s = await status();
      if (s === 'error') throw new Error('volume went to error');
      return s === 'available' ? true : undefined;
    });
    await call('POST', nova(`/servers/${created.serverId}/os-volume_attachments`), demo.token, {
      volumeAttachment: { volumeId: created.volumeId },
    });
    await waitFor('volume in-use', async () => ((await status()) === 'in-use' ? true : undefined));
    const atts = await call<{ volumeAttachments: { volumeId: string }[] }>(
      'GET',
      nova(`/servers/${created.serverId}/os-volume_attachments`),
      demo.token,
    );
    expect(atts.body.volumeAttachments.map((a) => a.volumeId)).toContain(created.volumeId);
  }, STEP_TIMEOUT);

  it('allocates a floating IP on public and associates it with the server port', async () => {
    const ports = await call<{ ports: { id: string }[] }>(
      'GET',
      neutron(`/ports?device_id=${created.serverId}`),
      demo.token,
    );
    const portId = ports.body.ports[0]?.id;
    expect(portId, 'server port').toBeDefined();
    const fip = await call<{ floatingip: { id: string; floating_ip_address: string } }>(
      'POST',
      neutron('/floatingips'),
      demo.token,
      { floatingip: { floating_network_id: fx.publicNetworkId } },
    );
    created.floatingIpId = fip.body.floatingip.id;
    expect(fip.body.floatingip.floating_ip_address).toMatch(/^172\.24\.4\./);
    const assoc = await call<{ floatingip: { port_id: string | null; fixed_ip_address: string | null } }>(
      'PUT',
      neutron(`/floatingips/${created.floatingIpId}`),
      demo.token,
      { floatingip: { port_id: portId } },
    );
    expect(assoc.body.floatingip.port_id).toBe(portId);
    expect(assoc.body.floatingip.fixed_ip_address).toMatch(/^10\.199\./);
  }, STEP_TIMEOUT);

  it('validates a hand-signed EC2 SigV4 request through /v3/ec2tokens with the service token', async () => {
    const su = fx.serviceUser;
    const service = await passwordToken(su.name, su.password, su.projectName);
    const cred = fx.projects.demo.ec2;
    const host = '127.0.0.1:8788';
    const body = 'Action=DescribeInstances&Version=2016-11-15';
    const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const signed = signV4({ access: cred.access, secret: cred.secret, host, body, region: fx.region, amzDate });
    const ec2tokens = (signature: string, authorization: string) =>
      fetch(`${fx.authUrl}/ec2tokens`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-Auth-Token': service.token },
        body: JSON.stringify({
          credentials: {
            access: cred.access,
            signature,
            host,
            verb: 'POST',
            path: '/',
            params: { Action: 'DescribeInstances', Version: '2016-11-15' },
            // botocore signs Host but does not carry it in its header dict: send it explicitly.
            headers: { Host: host, ...signed.headers, Authorization: authorization },
            body_hash: signed.bodyHash,
          },
        }),
      });

    const ok = await ec2tokens(signed.signature, signed.headers.Authorization);
    const okText = await ok.text();
    expect(ok.status, okText.slice(0, 300)).toBe(200);
    const userToken = ok.headers.get('x-subject-token');
    expect(userToken).toBeTruthy();
    const tokenBody = JSON.parse(okText) as { token: { project: { id: string }; user: { id: string } } };
    expect(tokenBody.token.project.id).toBe(fx.projects.demo.projectId);
    expect(tokenBody.token.user.id).toBe(fx.projects.demo.userId);

    // The token Keystone hands back works against Nova and sees the demo project's server.
    const servers = await call<{ servers: { id: string }[] }>('GET', nova('/servers'), userToken ?? '');
    expect(servers.body.servers.map((s) => s.id)).toContain(created.serverId);

    const last = signed.signature.slice(-1);
    const tampered = signed.signature.slice(0, -1) + (last === '0' ? '1' : '0');
    const bad = await ec2tokens(tampered, signed.headers.Authorization.replace(signed.signature, tampered));
    await bad.text();
    expect(bad.status).toBe(401);
  }, STEP_TIMEOUT);
});
