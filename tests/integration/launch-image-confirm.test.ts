/**
 * RunInstances builds a launch from the image as this container last read it while Glance is read
 * again beside Nova's POST (functions/instances/launch.ts, `imageOf`): an image deactivated after a
 * launch that read it must still be refused, by DryRun and by a launch, with nothing left in Nova.
 * With @aws-sdk/client-ec2 against the running endpoint; the image is the test's own, deactivated
 * and deleted through Glance as admin.
 */
import {
  DescribeImagesCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ec2Client } from './support/clients.js';
import { uniqueName } from './support/env.js';
import { eventually, openstackAs, type DirectOpenStack } from './support/openstack.js';
import { createNetwork, deleteNetwork, novaServers, type TestNetwork } from './instances-fixtures.js';

const demo = ec2Client('demo');
const prefix = uniqueName('launch-image');
const TINY = 'm1.tiny' as _InstanceType;

let os: DirectOpenStack;
let admin: DirectOpenStack;
let net: TestNetwork;
let glanceId: string;
let imageId: string;

const failure = (p: Promise<unknown>) => p.then(() => 'no error', (error: { name?: string }) => error.name);

beforeAll(async () => {
  [os, admin] = await Promise.all([openstackAs('demo'), openstackAs('admin')]);
  // Launched without a subnet (onto the project's network): one is there at least.
  net = await createNetwork(os, `${prefix}-net`);
  const created = await os.glance.post<{ id: string }>('images', { name: prefix, disk_format: 'raw', container_format: 'bare', visibility: 'private' });
  glanceId = created.id;
  await os.glance.request('PUT', `images/${glanceId}/file`, { body: Buffer.alloc(4096, 7), headers: { 'content-type': 'application/octet-stream' } });
  await eventually(async () => (await os.glance.get<{ status: string }>(`images/${glanceId}`)).status === 'active' || undefined, 'the image to be active');
  const image = await eventually(
    async () => (await demo.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: [prefix] }] }))).Images?.[0],
    'DescribeImages to show the image',
  );
  imageId = image.ImageId!;
}, 180_000);

afterAll(async () => {
  for (const s of await novaServers(os, { name: `^${prefix}` }).catch(() => [])) await os.nova.delete(`servers/${s.id}`).catch(() => undefined);
  await eventually(async () => ((await novaServers(os, { name: `^${prefix}` })).length === 0) || undefined, 'the test servers to be gone', 120_000).catch(() => undefined);
  if (glanceId) {
    await admin.glance.request('POST', `images/${glanceId}/actions/reactivate`).catch(() => undefined);
    await os.glance.delete(`images/${glanceId}`).catch(() => undefined);
  }
  if (net) await deleteNetwork(os, net.networkId);
}, 240_000);

describe('an image that changed in Glance after a launch read it', () => {
  it('launches while the image is active, then refuses it once deactivated (DryRun and launch), leaving no server', async () => {
    const run = (name: string, dryRun = false) =>
      demo.send(
        new RunInstancesCommand({
          ImageId: imageId,
          InstanceType: TINY,
          MinCount: 1,
          MaxCount: 1,
          DryRun: dryRun,
          TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: name }] }],
        }),
      );
    // Two launches: the second is built from the image as this container read it for the first.
    for (const n of [1, 2]) {
      const { Instances } = await run(`${prefix}-ok${n}`);
      expect(Instances?.[0]?.ImageId).toBe(imageId);
      await demo.send(new TerminateInstancesCommand({ InstanceIds: [Instances![0]!.InstanceId!] }));
    }
    await admin.glance.request('POST', `images/${glanceId}/actions/deactivate`);
    // The launch first: built from the active copy, refused by Glance's answer beside Nova's POST.
    expect(await failure(run(`${prefix}-off`))).toBe('InvalidAMIID.Unavailable');
    expect(await failure(run(`${prefix}-dry`, true))).toBe('InvalidAMIID.Unavailable');
    // The refused launch left no server (whether Nova had made it before Glance answered or not).
    expect(await novaServers(os, { name: `^${prefix}-off` })).toEqual([]);
  }, 240_000);
});
