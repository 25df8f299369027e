/**
 * RunInstances' harder paths, with @aws-sdk/client-ec2 against the running endpoint, checked in
 * Nova, Neutron, Cinder and the state table directly:
 * - the same ClientToken sent ten times at once makes one reservation;
 * - a launch that fails after Nova accepted part of it (a subnet with addresses for two of three
 *   instances) leaves no server, port or table item behind; an instance quota short of MinCount
 *   refuses before anything is made; with MinCount=1 it keeps what the quota admits;
 * - boot from a volume made of a snapshot, DeleteOnTermination true: terminating removes it, while
 *   a data volume launched with DeleteOnTermination false stays;
 * - a fixed private address and secondary addresses (ports made in Neutron first, removed on
 *   termination), the project's only network when no subnet is given;
 * - InstanceInitiatedShutdownBehavior=terminate.
 */
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DeleteVolumeCommand,
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  DescribeSnapshotsCommand,
  DescribeTagsCommand,
  DescribeVolumesCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type _InstanceType,
  type EC2Client,
  type Instance,
  type TagSpecification,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateStore } from '../../lib/store/project-store.js';
import { ec2Client } from './support/clients.js';
import { endpointInfo, uniqueName } from './support/env.js';
import { eventually, freeAddresses, openstackAs, type DirectOpenStack } from './support/openstack.js';
import {
  createNetwork,
  deleteNetwork,
  networkFixture,
  novaServer,
  novaServers,
  ownProject,
  sleep,
  type NetworkFixture,
  type OwnProject,
} from './instances-fixtures.js';

const demo = ec2Client('demo');
const prefix = uniqueName('launch');
const TINY = 'm1.tiny' as _InstanceType;

let os: DirectOpenStack;
let fx: NetworkFixture;
const launched: string[] = [];
const volumesToDelete: string[] = [];

// The state table is read directly, configured as the server is (before anything reads the configuration).
Object.assign(process.env, endpointInfo().serverEnv);

async function tableOf(projectId: string): Promise<StateStore> {
  const { storeFor } = await import('../../lib/store/project-store.js');
  return storeFor(projectId);
}

async function instance(client: EC2Client, id: string): Promise<Instance> {
  const { Reservations } = await client.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return Reservations![0]!.Instances![0]!;
}

async function until(client: EC2Client, id: string, state: string): Promise<Instance> {
  return eventually(async () => {
    const i = await instance(client, id);
    return i.State?.Name === state ? i : undefined;
  }, `${id} to be ${state}`, 300_000, 2000);
}

beforeAll(async () => {
  os = await openstackAs('demo');
  fx = await networkFixture(os, demo, prefix);
});

/**
 * Brings up the endpoint's front-door workers for a burst of concurrent requests. A worker that
 * starts under a burst can refuse its first request with AuthFailure (the shared front door's
 * cold start, not RunInstances): warm them so the token test measures only the token.
 */
async function warmFrontDoor(client: EC2Client, burst: number): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const results = await Promise.allSettled(Array.from({ length: burst }, () => client.send(new DescribeRegionsCommand({}))));
    if (results.every((r) => r.status === 'fulfilled')) return;
  }
}

afterAll(async () => {
  const ids = [...launched, fx?.helper.instanceId].filter(Boolean);
  if (ids.length) await demo.send(new TerminateInstancesCommand({ InstanceIds: ids })).catch(() => undefined);
  await sleep(5000);
  for (const v of volumesToDelete) {
    await eventually(async () => {
      const r = await demo.send(new DeleteVolumeCommand({ VolumeId: v })).then(() => true, (e: { name?: string }) => (e.name === 'InvalidVolume.NotFound' ? true : undefined));
      return r;
    }, `volume ${v} deleted`, 120_000, 3000).catch(() => undefined);
  }
  if (fx) {
    await eventually(async () => ((await novaServers(os)).some((s) => Object.keys(s.addresses).includes(`${prefix}-net`)) ? undefined : true), 'servers gone', 180_000, 3000).catch(() => undefined);
    await deleteNetwork(os, fx.networkId);
  }
});

describe('ClientToken', () => {
  it('makes one reservation from ten concurrent requests with the same token', async () => {
    const token = `${prefix}-token`;
    await warmFrontDoor(demo, 10);
    const run = () =>
      demo.send(new RunInstancesCommand({ ImageId: fx.imageId, InstanceType: TINY, MinCount: 1, MaxCount: 1, SubnetId: fx.subnetId, ClientToken: token }));
    const answers = await Promise.all(Array.from({ length: 10 }, run));
    const reservations = new Set(answers.map((a) => a.ReservationId));
    const instances = new Set(answers.flatMap((a) => a.Instances!.map((i) => i.InstanceId)));
    expect(reservations.size).toBe(1);
    expect(instances.size).toBe(1);
    launched.push(...instances as Set<string>);
    const [reservationId] = reservations;
    const servers = (await novaServers(os)).filter((s) => s.metadata?.['ec2:reservation-id'] === reservationId);
    expect(servers).toHaveLength(1);
    // The instance carries the token; the same token with other parameters is refused.
    expect((await instance(demo, [...instances][0]!)).ClientToken).toBe(token);
    await expect(
      demo.send(new RunInstancesCommand({ ImageId: fx.imageId, InstanceType: TINY, MinCount: 2, MaxCount: 2, SubnetId: fx.subnetId, ClientToken: token })),
    ).rejects.toMatchObject({ name: 'IdempotentParameterMismatch' });
  });
});

describe('a launch that fails half-way', () => {
  let own: OwnProject;
  let ownFx: NetworkFixture;

  beforeAll(async () => {
    // Three instances allowed; the helper that shows the subnet's id takes one.
    own = await ownProject('ec2-partial', { instances: 3, cores: 20, ram: 51200 });
    ownFx = await networkFixture(own.os, own.client, `${prefix}-own`);
  });

  afterAll(async () => {
    await own?.remove();
  });

  /** Instances with a secondary address each: their ports are made in Neutron first, one by one. */
  const launchWithPorts = (min: number, max: number, tags?: TagSpecification[]) =>
    own.client.send(
      new RunInstancesCommand({
        ImageId: ownFx.imageId,
        InstanceType: TINY,
        MinCount: min,
        MaxCount: max,
        NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: ownFx.subnetId, SecondaryPrivateIpAddressCount: 1 }],
        ...(tags ? { TagSpecifications: tags } : {}),
      }),
    );

  it('leaves no server, port or table item behind', async () => {
    const store = await tableOf(own.projectId);
    const admin = await openstackAs('admin');
    const keysBefore = new Set((await store.query('')).map((r) => r.key));
    const portsBefore = (await own.os.neutron.get<{ ports: Array<{ id: string }> }>('ports', { network_id: ownFx.networkId })).ports.map((p) => p.id);
    // Secondary addresses need ports made in Neutron first, one per server: a subnet with four
    // free addresses holds the ports (two addresses each) of two of the three, so the third port
    // fails while the servers of the first two are created (RunInstances answers only when every
    // attempt has settled, so Nova has accepted both before the rollback). Nova may forget them
    // without a trace (deleted as build requests), so what is checked is that nothing is left.
    const base = ownFx.cidr.split('.').slice(0, 3).join('.');
    const free = await freeAddresses(admin, ownFx.networkId, ownFx.cidr, 4, 200);
    const setPools = (pools: Array<{ start: string; end: string }>) =>
      admin.neutron.put(`subnets/${ownFx.subnetUuid}`, { subnet: { allocation_pools: pools } });
    await setPools(free.map((ip) => ({ start: ip, end: ip })));
    // The instance quota admits all three (the helper server holds one of four).
    await admin.nova.put(`os-quota-sets/${own.projectId}`, { quota_set: { instances: 4 } });
    try {
      await expect(launchWithPorts(3, 3, [{ ResourceType: 'instance', Tags: [{ Key: 'partial', Value: 'yes' }] }])).rejects.toMatchObject({
        name: 'InsufficientFreeAddressesInSubnet',
      });
    } finally {
      await setPools([{ start: `${base}.2`, end: `${base}.254` }]);
      await admin.nova.put(`os-quota-sets/${own.projectId}`, { quota_set: { instances: 3 } });
    }
    await eventually(async () => ((await novaServers(own.os)).length === 1 ? true : undefined), 'only the helper server to be left', 120_000, 2000);
    expect((await novaServers(own.os)).map((s) => s.id)).toEqual([ownFx.helper.serverId]);
    const portsAfter = (await own.os.neutron.get<{ ports: Array<{ id: string }> }>('ports', { network_id: ownFx.networkId })).ports.map((p) => p.id);
    expect(portsAfter.sort()).toEqual(portsBefore.sort());
    const keysAfter = (await store.query('')).map((r) => r.key);
    expect(keysAfter.filter((k) => !keysBefore.has(k))).toEqual([]);
    const { Reservations } = await own.client.send(new DescribeInstancesCommand({}));
    expect(Reservations!.flatMap((r) => r.Instances!).map((i) => i.InstanceId)).toEqual([ownFx.helper.instanceId]);
  });

  it('refuses before launching when the quota cannot admit MinCount', async () => {
    await expect(launchWithPorts(3, 3)).rejects.toMatchObject({ name: 'InstanceLimitExceeded' });
    expect((await novaServers(own.os)).map((s) => s.id)).toEqual([ownFx.helper.serverId]);
  });

  it('with MinCount 1, launches as many as the quota admits', async () => {
    const out = await launchWithPorts(1, 3);
    expect(out.Instances).toHaveLength(2);
    expect(out.Instances!.map((i) => i.AmiLaunchIndex)).toEqual([0, 1]);
    for (const i of out.Instances!) expect(i.NetworkInterfaces![0]!.PrivateIpAddresses).toHaveLength(2);
    expect((await novaServers(own.os)).length).toBe(3);
    const ids = out.Instances!.map((i) => i.InstanceId!);
    await own.client.send(new TerminateInstancesCommand({ InstanceIds: ids }));
    await eventually(async () => ((await novaServers(own.os)).length === 1 ? true : undefined), 'the two to be deleted', 180_000, 2000);
    // The ports made for them went with them.
    await eventually(async () => {
      const { ports } = await own.os.neutron.get<{ ports: Array<{ id: string }> }>('ports', { network_id: ownFx.networkId });
      return ports.length === 1 ? true : undefined;
    }, 'only the helper port to be left', 60_000, 2000);
  });

  it('goes to the project\'s only network when no subnet is given', async () => {
    const out = await own.client.send(new RunInstancesCommand({ ImageId: ownFx.imageId, InstanceType: TINY, MinCount: 1, MaxCount: 1 }));
    const id = out.Instances![0]!.InstanceId!;
    const running = await until(own.client, id, 'running');
    expect(running.SubnetId).toBe(ownFx.subnetId);
    await own.client.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  });

  // Last in this block: it deletes the fixture's network.
  it('launches on the project\'s new network when the one remembered a minute ago has been deleted', async () => {
    const first = await own.client.send(new RunInstancesCommand({ ImageId: ownFx.imageId, InstanceType: TINY, MinCount: 1, MaxCount: 1 }));
    const rememberedAt = Date.now();
    await own.client.send(new TerminateInstancesCommand({ InstanceIds: [first.Instances![0]!.InstanceId!] }));
    for (const server of await novaServers(own.os)) await own.os.nova.delete(`servers/${server.id}`).catch(() => undefined);
    await eventually(async () => ((await novaServers(own.os)).length === 0 ? true : undefined), 'the project to have no servers', 180_000, 2000);
    await deleteNetwork(own.os, ownFx.networkId);
    const name = `${prefix}-own-next`;
    await createNetwork(own.os, name);
    // Past the default network's freshness (a minute): the endpoint still remembers the deleted one.
    await sleep(Math.max(0, rememberedAt + 62_000 - Date.now()));
    const out = await own.client.send(new RunInstancesCommand({ ImageId: ownFx.imageId, InstanceType: TINY, MinCount: 1, MaxCount: 1 }));
    const id = out.Instances![0]!.InstanceId!;
    await until(own.client, id, 'running');
    const servers = await novaServers(own.os);
    expect(servers).toHaveLength(1);
    expect(Object.keys(servers[0]!.addresses)).toEqual([name]);
    await own.client.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  });
});

describe('boot from a volume made of a snapshot', () => {
  it('removes the boot volume on termination and keeps the data volume asked to be kept', async () => {
    const source = await demo.send(new CreateVolumeCommand({ AvailabilityZone: 'nova', Size: 1, TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'Name', Value: `${prefix}-src` }] }] }));
    volumesToDelete.push(source.VolumeId!);
    await eventually(async () => {
      const v = (await demo.send(new DescribeVolumesCommand({ VolumeIds: [source.VolumeId!] }))).Volumes![0]!;
      return v.State === 'available' ? true : undefined;
    }, 'the source volume', 120_000, 1500);
    // Nova boots only from snapshots of bootable volumes: mark it so in Cinder.
    await os.cinder.post(`volumes/${await cinderIdOf(source.VolumeId!)}/action`, { 'os-set_bootable': { bootable: true } });
    const snap = await demo.send(new CreateSnapshotCommand({ VolumeId: source.VolumeId! }));
    await eventually(async () => {
      const { Snapshots } = await demo.send(new DescribeSnapshotsCommand({ SnapshotIds: [snap.SnapshotId!] }));
      return Snapshots![0]!.State === 'completed' ? true : undefined;
    }, 'the snapshot', 120_000, 1500);

    const out = await demo.send(
      new RunInstancesCommand({
        ImageId: fx.imageId,
        InstanceType: TINY,
        MinCount: 1,
        MaxCount: 1,
        SubnetId: fx.subnetId,
        BlockDeviceMappings: [
          { DeviceName: '/dev/sda1', Ebs: { SnapshotId: snap.SnapshotId!, DeleteOnTermination: true } },
          { DeviceName: '/dev/sdb', Ebs: { VolumeSize: 1, DeleteOnTermination: false } },
        ],
        TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'launched-by', Value: prefix }] }],
      }),
    );
    const id = out.Instances![0]!.InstanceId!;
    launched.push(id);
    expect(out.Instances![0]!.RootDeviceType).toBe('ebs');
    expect(out.Instances![0]!.RootDeviceName).toBe('/dev/sda1');
    const running = await until(demo, id, 'running');
    const mappings = await eventually(async () => {
      const i = await instance(demo, id);
      return i.BlockDeviceMappings?.length === 2 ? i.BlockDeviceMappings : undefined;
    }, 'two volumes', 60_000, 2000);
    expect(running.ImageId).toBe(fx.imageId);
    const root = mappings.find((m) => m.DeviceName === '/dev/sda1')!;
    const data = mappings.find((m) => m.DeviceName === '/dev/sdb')!;
    expect(root.Ebs).toMatchObject({ Status: 'attached', DeleteOnTermination: true });
    expect(data.Ebs).toMatchObject({ Status: 'attached', DeleteOnTermination: false });
    volumesToDelete.push(data.Ebs!.VolumeId!);

    // The volumes made at launch carry the launch's volume tags; Nova now keeps the data volume.
    const { Tags } = await demo.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [root.Ebs!.VolumeId!, data.Ebs!.VolumeId!] }] }));
    expect(Tags!.filter((t) => t.Key === 'launched-by').map((t) => t.ResourceId).sort()).toEqual([root.Ebs!.VolumeId!, data.Ebs!.VolumeId!].sort());
    const server = (await novaServers(os)).find((s) => s.metadata?.['ec2:reservation-id'] === out.ReservationId)!;
    const attached = (await novaServer(os, server.id))!['os-extended-volumes:volumes_attached']!;
    expect(attached.map((v) => v.delete_on_termination).sort()).toEqual([false, true]);
    const rootUuid = attached.find((v) => v.delete_on_termination)!.id;
    const dataUuid = attached.find((v) => !v.delete_on_termination)!.id;

    await demo.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    await eventually(async () => {
      try {
        await os.cinder.get(`volumes/${rootUuid}`);
        return undefined;
      } catch (error) {
        return (error as { status?: number }).status === 404 ? true : undefined;
      }
    }, 'the boot volume to be deleted', 180_000, 2000);
    const kept = await eventually(async () => {
      const v = (await os.cinder.get<{ volume: { status: string } }>(`volumes/${dataUuid}`)).volume;
      return v.status === 'available' ? v : undefined;
    }, 'the data volume to be detached and kept', 180_000, 2000);
    expect(kept.status).toBe('available');
  });
});

async function cinderIdOf(volumeId: string): Promise<string> {
  const store = await tableOf(os.projectId);
  return (await store.get(`id#${volumeId}`))!.uuid!;
}

describe('fixed addresses', () => {
  it('makes the port with the address first, and removes it on termination', async () => {
    const ip = (await freeAddresses(os, fx.networkId, fx.cidr, 1, 77))[0]!;
    const out = await demo.send(
      new RunInstancesCommand({ ImageId: fx.imageId, InstanceType: TINY, MinCount: 1, MaxCount: 1, SubnetId: fx.subnetId, PrivateIpAddress: ip }),
    );
    const id = out.Instances![0]!.InstanceId!;
    launched.push(id);
    expect(out.Instances![0]!.PrivateIpAddress).toBe(ip);
    const { ports } = await os.neutron.get<{ ports: Array<{ id: string; device_id: string }> }>('ports', { network_id: fx.networkId, fixed_ips: `ip_address=${ip}` });
    expect(ports).toHaveLength(1);
    await until(demo, id, 'running');
    // The address is taken now.
    await expect(
      demo.send(new RunInstancesCommand({ ImageId: fx.imageId, InstanceType: TINY, MinCount: 1, MaxCount: 1, SubnetId: fx.subnetId, PrivateIpAddress: ip })),
    ).rejects.toMatchObject({ name: 'InvalidIPAddress.InUse' });
    await demo.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    await eventually(async () => {
      const left = await os.neutron.get<{ ports: unknown[] }>('ports', { network_id: fx.networkId, fixed_ips: `ip_address=${ip}` });
      return left.ports.length === 0 ? true : undefined;
    }, 'the port to be deleted', 120_000, 2000);
  });
});

describe('InstanceInitiatedShutdownBehavior', () => {
  it('terminates an instance that shut down by itself', async () => {
    const out = await demo.send(
      new RunInstancesCommand({
        ImageId: fx.imageId,
        InstanceType: TINY,
        MinCount: 1,
        MaxCount: 1,
        SubnetId: fx.subnetId,
        InstanceInitiatedShutdownBehavior: 'terminate',
      }),
    );
    const id = out.Instances![0]!.InstanceId!;
    launched.push(id);
    await until(demo, id, 'running');
    const server = (await novaServers(os)).find((s) => s.metadata?.['ec2:reservation-id'] === out.ReservationId)!;
    // A power-off EC2 did not ask for is the instance's own shutdown.
    await os.nova.post(`servers/${server.id}/action`, { 'os-stop': null });
    const ended = await eventually(async () => {
      const i = await instance(demo, id);
      return i.State?.Name === 'terminated' || i.State?.Name === 'shutting-down' ? i : undefined;
    }, 'the instance to be terminated', 180_000, 2000);
    expect(ended.StateReason?.Code).toBe('Client.InstanceInitiatedShutdown');
    await eventually(async () => ((await novaServer(os, server.id)) ? undefined : true), 'Nova to delete the server', 120_000, 2000);
  });
});
