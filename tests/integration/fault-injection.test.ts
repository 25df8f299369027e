/**
 * Fault injection: our functions reach Nova, Neutron, Cinder and Glance through fault proxies
 * (tests/integration/support/fault-proxy.ts) on an endpoint of the test's own, and the proxies fail
 * one service at a time: HTTP 401/500, reset connections, answers slower than the functions' timeout,
 * a failure half way through RunInstances. Each case checks what the client gets (an AWS-shaped 5xx,
 * or a correct answer), that only idempotent calls were retried, that nothing is left behind in
 * OpenStack, and that the endpoint keeps serving (a fault once killed the whole endpoint: an
 * unhandled rejection of a branch started early and awaited late).
 */
import {
  AttachVolumeCommand,
  CreateImageCommand,
  CreateVolumeCommand,
  DeleteVolumeCommand,
  DescribeImagesCommand,
  DescribeVolumesCommand,
  DescribeInstancesCommand,
  type DescribeInstancesCommandOutput,
  DescribeRegionsCommand,
  RunInstancesCommand,
  type _InstanceType,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteNetwork, networkFixture, novaServer, type NetworkFixture } from './instances-fixtures.js';
import { uniqueName } from './support/env.js';
import { FaultProxy, type FaultRule } from './support/fault-proxy.js';
import { eventually, openstackAs, type DirectOpenStack } from './support/openstack.js';
import { startSideEndpoint, type SideEndpoint } from './support/side-endpoint.js';

const SIDE = { name: 'faults', httpPort: 3920, tablePort: 8920 };
const PROXY_PORTS = { nova: 3931, neutron: 3932, cinder: 3933, glance: 3934 };
type Service = keyof typeof PROXY_PORTS;
const TINY = 'm1.tiny' as _InstanceType;
/** The functions' OpenStack timeout on this endpoint: a delayed answer outlasts it. */
const TIMEOUT_MS = 3000;

const prefix = uniqueName('it-fault');
let os: DirectOpenStack;
let proxies: Record<Service, FaultProxy>;
let side: SideEndpoint;
let ec2: EC2Client;
let fx: NetworkFixture;
let subject: string;

const failure = async (call: Promise<unknown>) => {
  try {
    await call;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number; requestId?: string } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, requestId: e.$metadata?.requestId };
  }
  return { name: 'no error', status: 200, requestId: undefined };
};

/** What a client must get when OpenStack fails under it: a 5xx an SDK retries, with a request id. */
const SERVER_SIDE = { name: expect.stringMatching(/^(InternalError|Unavailable|ServiceUnavailable)$/), status: expect.toBeOneOf([500, 503]), requestId: expect.any(String) };

async function withFault<T>(service: Service, rule: FaultRule, run: () => Promise<T>): Promise<T> {
  proxies[service].reset();
  proxies[service].inject(rule);
  try {
    return await run();
  } finally {
    proxies[service].clearRules();
  }
}

function clearFaults(): void {
  for (const proxy of Object.values(proxies)) proxy.reset();
}

/** The endpoint still answers, and still reaches OpenStack. */
async function expectServing(): Promise<void> {
  clearFaults();
  await ec2.send(new DescribeRegionsCommand({}));
  const { Reservations } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [subject] }));
  expect(Reservations?.[0]?.Instances?.[0]?.InstanceId).toBe(subject);
}

/** Nova servers of this test named `name` (a failed launch must leave none, once its rollback is done). */
async function serversNamed(name: string): Promise<string[]> {
  const { servers } = await os.nova.get<{ servers: Array<{ id: string; name: string }> }>('servers', { name: `^${name}$` });
  return servers.map((s) => s.id);
}

/** Ports on the test's network (ids, sorted). */
async function portsOfNetwork(): Promise<string[]> {
  const { ports } = await os.neutron.get<{ ports: Array<{ id: string }> }>('ports', { network_id: fx.networkId });
  return ports.map((p) => p.id).sort();
}

beforeAll(async () => {
  os = await openstackAs('demo');
  const catalog: Record<Service, string> = {
    nova: os.nova.options.baseUrl,
    neutron: os.neutron.options.baseUrl,
    cinder: os.cinder.options.baseUrl,
    glance: os.glance.options.baseUrl,
  };
  const started = await Promise.all(
    (Object.keys(PROXY_PORTS) as Service[]).map(async (s) => [s, await FaultProxy.start(s, new URL(catalog[s]).origin, PROXY_PORTS[s])] as const),
  );
  proxies = Object.fromEntries(started) as Record<Service, FaultProxy>;
  side = await startSideEndpoint({
    ...SIDE,
    env: {
      OPENSTACK_TIMEOUT_MS: String(TIMEOUT_MS),
      OS_COMPUTE_ENDPOINT_OVERRIDE: proxies.nova.via(catalog.nova),
      OS_NETWORK_ENDPOINT_OVERRIDE: proxies.neutron.via(catalog.neutron),
      OS_VOLUME_ENDPOINT_OVERRIDE: proxies.cinder.via(catalog.cinder).replace(os.projectId, '%(project_id)s'),
      OS_IMAGE_ENDPOINT_OVERRIDE: proxies.glance.via(catalog.glance),
    },
  });
  ec2 = side.client('demo', 1);
  fx = await networkFixture(os, ec2, prefix);
  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: fx.imageId,
      InstanceType: TINY,
      MinCount: 1,
      MaxCount: 1,
      SubnetId: fx.subnetId,
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: `${prefix}-subject` }] }],
    }),
  );
  subject = run.Instances![0]!.InstanceId!;
  // The functions really went through the proxies.
  expect(proxies.nova.calls.some((c) => c.method === 'POST' && /\/servers$/.test(c.path))).toBe(true);
}, 600_000);

afterAll(async () => {
  if (proxies) clearFaults();
  if (os) {
    const { servers } = await os.nova.get<{ servers: Array<{ id: string; name: string }> }>('servers', { name: `^${prefix}` });
    await Promise.all(servers.map((s) => os.nova.delete(`servers/${s.id}`).catch(() => undefined)));
    await eventually(async () => ((await Promise.all(servers.map((s) => novaServer(os, s.id)))).every((s) => !s) ? true : undefined), 'test servers gone', 120_000, 2000).catch(() => undefined);
    if (fx) await deleteNetwork(os, fx.networkId);
  }
  await side?.stop();
  if (proxies) await Promise.all(Object.values(proxies).map((p) => p.close()));
}, 300_000);

describe('a backend failure in a branch of DescribeInstances', () => {
  const cases = (['nova', 'neutron', 'glance'] as Service[]).flatMap((service) => [401, 500].map((status) => ({ service, status })));
  it.each(cases)('$service answering $status: an AWS 5xx or a correct answer; the endpoint keeps serving', async ({ service, status }) => {
    await withFault(service, { method: 'GET', fault: { status } }, async () => {
      // By id (Nova asked for those servers) and the whole project (reads started while Nova lists).
      for (const input of [{ InstanceIds: [subject] }, {}]) {
        const answer: DescribeInstancesCommandOutput | Error = await ec2.send(new DescribeInstancesCommand(input)).catch((error: unknown) => error as Error);
        if (answer instanceof Error) {
          expect(await failure(Promise.reject(answer))).toEqual(SERVER_SIDE);
        } else {
          // Glance's answers are kept a minute: a fault there may not be reached, and the answer is right.
          const ids = answer.Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId);
          expect(ids).toContain(subject);
          expect(service).toBe('glance');
        }
      }
      if (service !== 'glance') expect(proxies[service].faulted().length).toBeGreaterThan(0);
    });
    await expectServing();
  });
});

describe('a backend failure in a branch of RunInstances', () => {
  const cases = (['nova', 'neutron', 'glance'] as Service[]).flatMap((service) => [401, 500].map((status) => ({ service, status })));
  it.each(cases)('$service answering $status: an AWS 5xx, no server left, the endpoint keeps serving', async ({ service, status }) => {
    const name = `${prefix}-run-${service}-${status}`;
    await withFault(service, { fault: { status } }, async () => {
      const answer = await failure(
        ec2.send(
          new RunInstancesCommand({
            ImageId: fx.imageId,
            InstanceType: TINY,
            MinCount: 1,
            MaxCount: 1,
            SubnetId: fx.subnetId,
            TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: name }] }],
          }),
        ),
      );
      expect(answer).toEqual(SERVER_SIDE);
      expect(proxies[service].faulted().length).toBeGreaterThan(0);
    });
    expect(await serversNamed(name)).toEqual([]);
    await expectServing();
  });
});

describe('failures a client can see through', () => {
  it('a reset connection on a read is retried and the answer is correct', async () => {
    await withFault('neutron', { method: 'GET', path: /\/ports/, times: 1, fault: { reset: true } }, async () => {
      const { Reservations } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [subject] }));
      expect(Reservations?.[0]?.Instances?.[0]?.SubnetId).toBe(fx.subnetId);
      const ports = proxies.neutron.calls.filter((c) => /\/ports/.test(c.path));
      expect(ports.map((c) => c.outcome)).toEqual(['fault reset', '200']);
    });
  });

  it('a read slower than the timeout is retried, then answered as Unavailable', async () => {
    await withFault('neutron', { method: 'GET', path: /\/ports/, fault: { delayMs: TIMEOUT_MS + 1500 } }, async () => {
      expect(await failure(ec2.send(new DescribeInstancesCommand({ InstanceIds: [subject] })))).toEqual(SERVER_SIDE);
      const reads = proxies.neutron.calls.filter((c) => c.method === 'GET' && /\/ports/.test(c.path));
      // The OpenStack client sends an idempotent call again twice at most: three attempts of the same read.
      expect(reads.length).toBe(3);
      expect(new Set(reads.map((c) => c.path)).size).toBe(1);
    });
    await expectServing();
  }, 120_000);

  it('a reset connection on a create is not retried; nothing is left behind', async () => {
    const name = `${prefix}-reset-create`;
    await withFault('nova', { method: 'POST', path: /\/servers$/, fault: { reset: true } }, async () => {
      const answer = await failure(
        ec2.send(
          new RunInstancesCommand({
            ImageId: fx.imageId,
            InstanceType: TINY,
            MinCount: 1,
            MaxCount: 1,
            SubnetId: fx.subnetId,
            TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: name }] }],
          }),
        ),
      );
      expect(answer).toEqual(SERVER_SIDE);
      expect(proxies.nova.calls.filter((c) => c.method === 'POST' && /\/servers$/.test(c.path)).length).toBe(1);
    });
    expect(await serversNamed(name)).toEqual([]);
    const { Reservations } = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: [name] }] }));
    expect(Reservations ?? []).toEqual([]);
    await expectServing();
  });

  it.each([
    { fault: { status: 500 }, what: 'answers 500' },
    { fault: { reset: true as const }, what: 'drops the connection' },
  ])('Nova $what after RunInstances made its ports: the ports are rolled back, no server is left', async ({ fault }) => {
    const name = `${prefix}-half-${'status' in fault ? fault.status : 'reset'}`;
    const portsBefore = await portsOfNetwork();
    await withFault('nova', { method: 'POST', path: /\/servers$/, fault }, async () => {
      const answer = await failure(
        ec2.send(
          new RunInstancesCommand({
            ImageId: fx.imageId,
            InstanceType: TINY,
            MinCount: 1,
            MaxCount: 1,
            // Ports of our own (a fixed secondary address): made in Neutron before Nova is asked.
            NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: fx.subnetId, SecondaryPrivateIpAddressCount: 1 }],
            TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: name }] }],
          }),
        ),
      );
      expect(answer).toEqual(SERVER_SIDE);
      expect(proxies.nova.calls.filter((c) => c.method === 'POST' && /\/servers$/.test(c.path)).length).toBe(1);
    });
    expect(proxies.neutron.calls.some((c) => c.method === 'POST' && /\/ports$/.test(c.path))).toBe(true);
    expect(await portsOfNetwork()).toEqual(portsBefore);
    expect(await serversNamed(name)).toEqual([]);
    await expectServing();
  });
});

describe('failures half way through other multi-call actions', () => {
  it('RunInstances: Nova creates the server but its answer is lost: an AWS 5xx and no server left behind', async () => {
    const name = `${prefix}-lost-answer`;
    await withFault('nova', { method: 'POST', path: /\/servers$/, fault: { dropAnswer: true } }, async () => {
      const answer = await failure(
        ec2.send(
          new RunInstancesCommand({
            ImageId: fx.imageId,
            InstanceType: TINY,
            MinCount: 1,
            MaxCount: 1,
            SubnetId: fx.subnetId,
            TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: name }] }],
          }),
        ),
      );
      expect(answer).toEqual(SERVER_SIDE);
      expect(proxies.nova.calls.filter((c) => c.method === 'POST' && /\/servers$/.test(c.path)).map((c) => c.outcome)).toEqual(['fault answer 202 dropped']);
    });
    // Nova did make it: the rollback must find it without Nova's answer.
    const left = await eventually(async () => ((await serversNamed(name)).length === 0 ? [] : undefined), 'the lost server rolled back', 60_000, 3000).catch(() => serversNamed(name));
    expect(left).toEqual([]);
    await expectServing();
  }, 120_000);

  it('AttachVolume: Nova failing the attachment is an AWS 5xx, the volume stays available and unattached', async () => {
    const { VolumeId } = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'nova', Size: 1, TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'Name', Value: `${prefix}-vol` }] }] }));
    try {
      await eventually(async () => ((await ec2.send(new DescribeVolumesCommand({ VolumeIds: [VolumeId!] }))).Volumes?.[0]?.State === 'available' ? true : undefined), 'volume available', 120_000, 2000);
      await eventually(async () => ((await ec2.send(new DescribeInstancesCommand({ InstanceIds: [subject] }))).Reservations?.[0]?.Instances?.[0]?.State?.Name === 'running' ? true : undefined), 'subject running', 180_000, 2000);
      await withFault('nova', { method: 'POST', path: /os-volume_attachments/, fault: { status: 500 } }, async () => {
        expect(await failure(ec2.send(new AttachVolumeCommand({ VolumeId, InstanceId: subject, Device: '/dev/vdb' })))).toEqual(SERVER_SIDE);
        expect(proxies.nova.calls.filter((c) => c.method === 'POST' && /os-volume_attachments/.test(c.path)).length).toBe(1);
      });
      const [volume] = (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [VolumeId!] }))).Volumes!;
      expect(volume?.State).toBe('available');
      expect(volume?.Attachments ?? []).toEqual([]);
      await expectServing();
    } finally {
      clearFaults();
      await ec2.send(new DeleteVolumeCommand({ VolumeId })).catch(() => undefined);
    }
  }, 300_000);

  it('CreateImage: Nova failing the snapshot is an AWS 5xx and no image is registered', async () => {
    const name = `${prefix}-image`;
    await withFault('nova', { method: 'POST', path: /\/servers\/[^/]+\/action$/, fault: { status: 500 } }, async () => {
      expect(await failure(ec2.send(new CreateImageCommand({ InstanceId: subject, Name: name, NoReboot: true })))).toEqual(SERVER_SIDE);
    });
    const { Images } = await ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: [name] }] }));
    expect(Images ?? []).toEqual([]);
    const { images } = await os.glance.get<{ images: Array<{ id: string }> }>('images', { name });
    expect(images).toEqual([]);
    await expectServing();
  });
});
