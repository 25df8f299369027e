/**
 * 50 concurrent mixed calls from two projects (launch, tag, describe, terminate), checked against
 * OpenStack afterwards: every instance is a server of its own project, nothing of one project shows
 * in the other, and no tag or id mapping written concurrently is lost.
 */
import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeTagsCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type _InstanceType,
  type EC2Client,
  type Instance,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteNetwork, networkFixture, novaServers, sleep, type NetworkFixture } from './instances-fixtures.js';
import { ec2Client } from './support/clients.js';
import { uniqueName } from './support/env.js';
import { openstackAs, type DirectOpenStack } from './support/openstack.js';

type Project = 'demo' | 'alt';
const PROJECTS: Project[] = ['demo', 'alt'];
const TINY = 'm1.tiny' as _InstanceType;
const LAUNCHES = 3;
const prefix = uniqueName('it-conc');

interface Side {
  ec2: EC2Client;
  os: DirectOpenStack;
  fx: NetworkFixture;
  launched: Instance[];
}
const sides = {} as Record<Project, Side>;
const other = (p: Project): Project => (p === 'demo' ? 'alt' : 'demo');

const instancesOf = async (ec2: EC2Client, input: ConstructorParameters<typeof DescribeInstancesCommand>[0] = {}) =>
  ((await ec2.send(new DescribeInstancesCommand(input))).Reservations ?? []).flatMap((r) => r.Instances ?? []);

beforeAll(async () => {
  await Promise.all(
    PROJECTS.map(async (p) => {
      const os = await openstackAs(p);
      const ec2 = ec2Client(p);
      sides[p] = { ec2, os, fx: await networkFixture(os, ec2, `${prefix}-${p}`), launched: [] };
    }),
  );
}, 600_000);

afterAll(async () => {
  await Promise.all(
    PROJECTS.filter((p) => sides[p]).map(async (p) => {
      const { os, fx } = sides[p];
      const servers = await novaServers(os, { name: `^${prefix}` });
      await Promise.all([...servers.map((s) => s.id), fx.helper.serverId].map((id) => os.nova.delete(`servers/${id}`).catch(() => undefined)));
      await sleep(5000);
      await deleteNetwork(os, fx.networkId);
    }),
  );
}, 300_000);

describe('two projects, concurrently', () => {
  it('launches, tags and describes (50 calls at once): every result matches OpenStack, no cross-talk, no lost tag', async () => {
    const calls: Array<Promise<unknown>> = [];
    for (const p of PROJECTS) {
      const { ec2, fx } = sides[p];
      for (let i = 0; i < LAUNCHES; i++) {
        const name = `${prefix}-${p}-i${i}`;
        calls.push(
          ec2
            .send(
              new RunInstancesCommand({
                ImageId: fx.imageId,
                InstanceType: TINY,
                MinCount: 1,
                MaxCount: 1,
                SubnetId: fx.subnetId,
                ClientToken: name,
                TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: name }, { Key: 'project', Value: p }] }],
              }),
            )
            .then((r) => sides[p].launched.push(...r.Instances!)),
        );
      }
      // Tags written one key per call on the same instance at once: none may be lost.
      for (let i = 0; i < 10; i++) {
        calls.push(ec2.send(new CreateTagsCommand({ Resources: [fx.helper.instanceId], Tags: [{ Key: `${prefix}-k${i}`, Value: `${p}-${i}` }] })));
      }
      for (let i = 0; i < 8; i++) calls.push(instancesOf(ec2, i % 2 ? {} : { InstanceIds: [fx.helper.instanceId] }));
      for (let i = 0; i < 4; i++) calls.push(ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [fx.helper.instanceId] }] })));
    }
    expect(calls.length).toBe(50);
    const settled = await Promise.allSettled(calls);
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);

    for (const p of PROJECTS) {
      const { ec2, os, fx, launched } = sides[p];
      // Every tag of the concurrent CreateTags is there, with this project's values only.
      const { Tags } = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [fx.helper.instanceId] }, { Name: 'key', Values: [`${prefix}-k*`] }] }));
      expect(new Map((Tags ?? []).map((t) => [t.Key, t.Value]))).toEqual(new Map(Array.from({ length: 10 }, (_, i) => [`${prefix}-k${i}`, `${p}-${i}`])));
      // Each launch is one instance, a server of this project named as tagged, with its own address.
      expect(launched).toHaveLength(LAUNCHES);
      expect(new Set(launched.map((i) => i.InstanceId)).size).toBe(LAUNCHES);
      const servers = await novaServers(os, { name: `^${prefix}-${p}-i` });
      expect(servers.map((s) => s.name).sort()).toEqual(Array.from({ length: LAUNCHES }, (_, i) => `${prefix}-${p}-i${i}`));
      const described = await instancesOf(ec2, { InstanceIds: launched.map((i) => i.InstanceId!) });
      for (const instance of described) {
        const name = instance.Tags?.find((t) => t.Key === 'Name')?.Value;
        expect(instance.Tags?.find((t) => t.Key === 'project')?.Value).toBe(p);
        expect(servers.map((s) => s.name)).toContain(name);
        expect(instance.ClientToken).toBe(name);
      }
      // The other project sees none of it.
      const theirs = sides[other(p)].ec2;
      await expect(theirs.send(new DescribeInstancesCommand({ InstanceIds: [launched[0]!.InstanceId!] }))).rejects.toMatchObject({ name: 'InvalidInstanceID.NotFound' });
      const everything = await instancesOf(theirs);
      expect(everything.map((i) => i.InstanceId)).not.toContain(launched[0]!.InstanceId);
      expect(everything.flatMap((i) => i.Tags ?? []).filter((t) => t.Key === 'Name' && t.Value?.startsWith(`${prefix}-${p}-i`))).toEqual([]);
    }
  }, 600_000);

  it('terminates concurrently in both projects: every instance ends terminated, its server gone, nothing of the other project touched', async () => {
    const all = PROJECTS.flatMap((p) => sides[p].launched.map((i) => ({ p, id: i.InstanceId! })));
    expect(all.length).toBe(2 * LAUNCHES);
    const settled = await Promise.allSettled(all.map(({ p, id }) => sides[p].ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }))));
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
    // Cross-project terminate is refused and changes nothing.
    await expect(sides.alt.ec2.send(new TerminateInstancesCommand({ InstanceIds: [sides.demo.fx.helper.instanceId] }))).rejects.toMatchObject({ name: 'InvalidInstanceID.NotFound' });
    for (const p of PROJECTS) {
      const { ec2, os, fx } = sides[p];
      const [helper] = await instancesOf(ec2, { InstanceIds: [fx.helper.instanceId] });
      expect(helper?.State?.Name).toBe('running');
      for (let round = 0; round < 60 && (await novaServers(os, { name: `^${prefix}-${p}-i` })).length; round++) await sleep(2000);
      expect(await novaServers(os, { name: `^${prefix}-${p}-i` })).toEqual([]);
    }
  }, 300_000);
});
