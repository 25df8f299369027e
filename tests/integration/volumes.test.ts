/**
 * Volumes and snapshots end to end against the running endpoint and the real local Cinder/Nova:
 * aws cli v2 creates, tags, snapshots, restores, attaches and detaches; boto3 copies a snapshot
 * and runs a copy's whole life; @aws-sdk/client-ec2 checks idempotency, paging, attributes and
 * the errors (unknown, malformed and other projects' ids, attached volumes, missing volumes).
 * Every step is checked in Cinder/Nova directly as well.
 *
 * Volumes are attached to an instance launched with RunInstances; a volume made in Cinder and
 * attached in Nova directly shows that such volumes get EC2 ids, and the same instance id.
 */
import {
  AttachVolumeCommand,
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumeAttributeCommand,
  DescribeVolumesCommand,
  DescribeVolumeStatusCommand,
  ModifySnapshotAttributeCommand,
  ModifyVolumeAttributeCommand,
  RegisterImageCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type RunInstancesCommandInput,
  type Volume,
  type VolumeType,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CinderSnapshot, CinderVolume } from '../../lib/openstack/cinder.js';
import { awsCli, boto3, ec2Client, type CliResult } from './support/clients.js';
import { fixtures, profileOf, uniqueName } from './support/env.js';
import { eventually, openstackAs, type DirectOpenStack } from './support/openstack.js';

const demo = ec2Client('demo');
const alt = ec2Client('alt');
const prefix = uniqueName('vols');

let os: DirectOpenStack;
let zone: string;
let serverId: string;
let instanceId: string;

// Filled in as the steps go.
const ids: Record<string, string> = {};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- aws cli JSON, checked by the assertions
function ok(result: CliResult): any {
  expect(result.status, `${result.stderr}\n${result.stdout}`).toBe(0);
  return result.json;
}

const cinderVolumes = async () => (await os.cinder.get<{ volumes: CinderVolume[] }>('volumes/detail')).volumes;
const cinderSnapshots = async () => (await os.cinder.get<{ snapshots: CinderSnapshot[] }>('snapshots/detail')).snapshots;
const cinderVolumeNamed = async (name: string) => (await cinderVolumes()).find((v) => v.name === name);
const cinderSnapshotNamed = async (name: string) => (await cinderSnapshots()).find((s) => s.name === name);

async function describeVolume(volumeId: string): Promise<Volume> {
  return (await demo.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }))).Volumes![0]!;
}

/** Polls DescribeVolumes until the volume is in `state` (and its attachment, if any, settled). */
function volumeReaches(volumeId: string, state: string, attachment?: string): Promise<Volume> {
  return eventually(async () => {
    const v = await describeVolume(volumeId);
    if (v.State !== state) return undefined;
    if (attachment && v.Attachments?.[0]?.State !== attachment) return undefined;
    return v;
  }, `${volumeId} ${state}`, 120_000, 1000);
}

async function serverGone(id: string): Promise<boolean> {
  return os.nova.get(`servers/${id}`).then(
    () => false,
    () => true,
  );
}

beforeAll(async () => {
  os = await openstackAs('demo');
  const zones = await os.cinder.get<{ availabilityZoneInfo: Array<{ zoneName: string }> }>('os-availability-zone');
  zone = zones.availabilityZoneInfo[0]!.zoneName;
  const images = await demo.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: [fixtures().imageName] }] }));
  const launched = await demo.send(
    new RunInstancesCommand({
      ImageId: images.Images![0]!.ImageId,
      InstanceType: 'm1.tiny' as RunInstancesCommandInput['InstanceType'],
      MinCount: 1,
      MaxCount: 1,
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: `${prefix}-vm` }] }],
    }),
  );
  instanceId = launched.Instances![0]!.InstanceId!;
  await eventually(async () => {
    const state = (await demo.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations![0]!.Instances![0]!.State!.Name;
    if (state === 'terminated') throw new Error(`${instanceId} terminated while launching`);
    return state === 'running' ? true : undefined;
  }, 'the instance running', 180_000, 2000);
  const { servers } = await os.nova.get<{ servers: Array<{ id: string }> }>('servers', { name: `^${prefix}-vm$` });
  serverId = servers[0]!.id;
});

afterAll(async () => {
  if (!os) return;
  // Terminating detaches whatever is still attached (nothing here is delete-on-termination).
  if (instanceId) await demo.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] })).catch(() => undefined);
  if (serverId) {
    const gone = await eventually(async () => ((await serverGone(serverId)) ? true : undefined), 'the instance gone', 120_000, 2000).catch(() => false);
    if (!gone) await os.nova.delete(`servers/${serverId}`).catch(() => undefined);
  }
  if (ids['image']) await demo.send(new DeregisterImageCommand({ ImageId: ids['image'] })).catch(() => undefined);
  const snapshots = (await cinderSnapshots()).filter((s) => s.name?.startsWith(prefix));
  await Promise.all(snapshots.map((s) => os.cinder.delete(`snapshots/${s.id}`).catch(() => undefined)));
  const ours = new Set(snapshots.map((s) => s.id));
  await eventually(async () => ((await cinderSnapshots()).some((s) => ours.has(s.id)) ? undefined : true), 'snapshots gone', 60_000).catch(() => undefined);
  const isOurs = (v: CinderVolume) =>
    v.name?.startsWith(prefix) || ours.has(v.metadata?.['ec2api:source-snapshot'] ?? '');
  // Volumes detach from the deleted server asynchronously: retry until Cinder lets them go.
  await eventually(async () => {
    const left = (await cinderVolumes()).filter(isOurs);
    await Promise.all(left.filter((v) => v.status !== 'deleting').map((v) => os.cinder.delete(`volumes/${v.id}`).catch(() => undefined)));
    return left.length === 0 ? true : undefined;
  }, 'our volumes gone', 120_000, 2000).catch(() => undefined);
});

describe('volumes with aws cli v2', () => {
  it('creates a tagged gp3 volume, which Cinder has on its default type', async () => {
    const created = ok(
      awsCli(['create-volume', '--availability-zone', zone, '--size', '1', '--volume-type', 'gp3', '--tag-specifications', `ResourceType=volume,Tags=[{Key=Name,Value=${prefix}-cli}]`]),
    );
    expect(created).toMatchObject({ State: 'creating', Size: 1, VolumeType: 'gp3', AvailabilityZone: zone, Tags: [{ Key: 'Name', Value: `${prefix}-cli` }] });
    expect(created.VolumeId).toMatch(/^vol-[0-9a-f]{17}$/);
    ids['cli'] = created.VolumeId;
    const inCinder = await eventually(async () => {
      const v = await cinderVolumeNamed(`${prefix}-cli`);
      return v?.status === 'available' ? v : undefined;
    }, 'the volume available in Cinder');
    expect(inCinder).toMatchObject({ size: 1, availability_zone: zone });
    const described = await volumeReaches(ids['cli']!, 'available');
    expect(described).toMatchObject({ VolumeType: 'gp3', Encrypted: false, SnapshotId: '', Attachments: [] });
  });

  it('tags it with create-tags and finds it by tag and type filters', () => {
    ok(awsCli(['create-tags', '--resources', ids['cli']!, '--tags', `Key=suite,Value=${prefix}`]));
    const found = ok(awsCli(['describe-volumes', '--filters', `Name=tag:suite,Values=${prefix}`, 'Name=volume-type,Values=gp3', 'Name=status,Values=available']));
    expect(found.Volumes.map((v: Volume) => v.VolumeId)).toEqual([ids['cli']]);
  });

  it('snapshots it; the snapshot completes with 100% and Cinder has it', async () => {
    const snap = ok(
      awsCli(['create-snapshot', '--volume-id', ids['cli']!, '--description', 'first', '--tag-specifications', `ResourceType=snapshot,Tags=[{Key=Name,Value=${prefix}-snap}]`]),
    );
    expect(snap).toMatchObject({ VolumeId: ids['cli'], Description: 'first', OwnerId: profileOf('demo').projectId });
    expect(snap.SnapshotId).toMatch(/^snap-[0-9a-f]{17}$/);
    ids['snap'] = snap.SnapshotId;
    const done = await eventually(() => {
      const s = ok(awsCli(['describe-snapshots', '--snapshot-ids', ids['snap']!])).Snapshots[0];
      return Promise.resolve(s.State === 'completed' ? s : undefined);
    }, 'the snapshot completed');
    expect(done).toMatchObject({ Progress: '100%', VolumeSize: 1, Tags: [{ Key: 'Name', Value: `${prefix}-snap` }] });
    const inCinder = await cinderSnapshotNamed(`${prefix}-snap`);
    expect(inCinder).toMatchObject({ status: 'available', volume_id: (await cinderVolumeNamed(`${prefix}-cli`))!.id, description: 'first' });
    const mine = ok(awsCli(['describe-snapshots', '--owner-ids', 'self', '--filters', `Name=volume-id,Values=${ids['cli']}`]));
    expect(mine.Snapshots.map((s: { SnapshotId: string }) => s.SnapshotId)).toEqual([ids['snap']]);
  });

  it('creates a volume from the snapshot, of its size', async () => {
    const restored = ok(
      awsCli(['create-volume', '--availability-zone', zone, '--snapshot-id', ids['snap']!, '--tag-specifications', `ResourceType=volume,Tags=[{Key=Name,Value=${prefix}-restored}]`]),
    );
    expect(restored).toMatchObject({ SnapshotId: ids['snap'], Size: 1 });
    ids['restored'] = restored.VolumeId;
    await volumeReaches(ids['restored']!, 'available');
    const inCinder = await cinderVolumeNamed(`${prefix}-restored`);
    expect(inCinder!.snapshot_id).toBe((await cinderSnapshotNamed(`${prefix}-snap`))!.id);
  });
});

describe('attachments', () => {
  it('gives a volume made in Cinder and attached in Nova directly a vol- id once, on the same instance id', async () => {
    const { volume } = await os.cinder.post<{ volume: CinderVolume }>('volumes', { volume: { size: 2, name: `${prefix}-direct` } });
    await eventually(async () => ((await os.cinder.get<{ volume: CinderVolume }>(`volumes/${volume.id}`)).volume.status === 'available' ? true : undefined), 'direct volume');
    await os.nova.post(`servers/${serverId}/os-volume_attachments`, { volumeAttachment: { volumeId: volume.id, device: '/dev/sdy' } });
    const find = async () => {
      const { Volumes } = await demo.send(
        new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [instanceId] }, { Name: 'attachment.status', Values: ['attached'] }] }),
      );
      return Volumes?.length === 1 ? Volumes[0] : undefined;
    };
    const direct = await eventually(find, 'the Nova attachment in DescribeVolumes');
    expect(direct.VolumeId).toMatch(/^vol-[0-9a-f]{17}$/);
    expect(direct).toMatchObject({ Size: 2, State: 'in-use', Attachments: [expect.objectContaining({ Device: '/dev/sdy', AttachTime: expect.any(Date) })] });
    expect((await find())!.VolumeId).toBe(direct.VolumeId);
    ids['direct'] = direct.VolumeId!;
  });

  it('attaches the restored volume with aws cli at the device asked for; Cinder shows it on the server', async () => {
    const attached = ok(awsCli(['attach-volume', '--volume-id', ids['restored']!, '--instance-id', instanceId, '--device', '/dev/sdf']));
    expect(attached).toMatchObject({ VolumeId: ids['restored'], InstanceId: instanceId, Device: '/dev/sdf', State: 'attaching' });
    const v = await volumeReaches(ids['restored']!, 'in-use', 'attached');
    expect(v.Attachments).toEqual([
      expect.objectContaining({ InstanceId: instanceId, Device: '/dev/sdf', State: 'attached', DeleteOnTermination: false, AttachTime: expect.any(Date) }),
    ]);
    const inCinder = await cinderVolumeNamed(`${prefix}-restored`);
    expect(inCinder).toMatchObject({ status: 'in-use', attachments: [expect.objectContaining({ server_id: serverId, device: '/dev/sdf' })] });
    const byInstance = await demo.send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [instanceId] }] }));
    expect(byInstance.Volumes!.map((x) => x.VolumeId).sort()).toEqual([ids['direct'], ids['restored']].sort());
  });

  it("shows the attached volumes in DescribeInstances' block device mappings", async () => {
    const { Reservations } = await demo.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const mappings = Reservations![0]!.Instances![0]!.BlockDeviceMappings ?? [];
    expect(mappings).toContainEqual(
      expect.objectContaining({ DeviceName: '/dev/sdf', Ebs: expect.objectContaining({ VolumeId: ids['restored'], Status: 'attached', DeleteOnTermination: false }) }),
    );
    expect(mappings).toContainEqual(expect.objectContaining({ DeviceName: '/dev/sdy', Ebs: expect.objectContaining({ VolumeId: ids['direct'] }) }));
  });

  it('refuses to delete or re-attach an attached volume, and to attach to an unknown instance', async () => {
    await expect(demo.send(new DeleteVolumeCommand({ VolumeId: ids['restored'] }))).rejects.toMatchObject({ name: 'VolumeInUse' });
    await expect(demo.send(new AttachVolumeCommand({ VolumeId: ids['restored'], InstanceId: instanceId, Device: '/dev/sdg' }))).rejects.toMatchObject({
      name: 'VolumeInUse',
    });
    await expect(demo.send(new AttachVolumeCommand({ VolumeId: ids['cli'], InstanceId: 'i-0123456789abcdef0', Device: '/dev/sdg' }))).rejects.toMatchObject({
      name: 'InvalidInstanceID.NotFound',
    });
    expect((await cinderVolumeNamed(`${prefix}-restored`))!.status).toBe('in-use');
  });

  it('snapshots an attached volume (in-use) as well', async () => {
    const snap = await demo.send(new CreateSnapshotCommand({ VolumeId: ids['restored'], TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'Name', Value: `${prefix}-inuse` }] }] }));
    expect(snap.State).toBe('pending');
    ids['inuseSnap'] = snap.SnapshotId!;
    await eventually(async () => ((await cinderSnapshotNamed(`${prefix}-inuse`))?.status === 'available' ? true : undefined), 'in-use snapshot');
  });

  it('detaches with aws cli, checking instance and device; Cinder shows the volume available', async () => {
    const wrong = awsCli(['detach-volume', '--volume-id', ids['restored']!, '--instance-id', instanceId, '--device', '/dev/sdz']);
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toContain('InvalidAttachment.NotFound');
    const detached = ok(awsCli(['detach-volume', '--volume-id', ids['restored']!, '--instance-id', instanceId]));
    expect(detached).toMatchObject({ VolumeId: ids['restored'], InstanceId: instanceId, Device: '/dev/sdf', State: 'detaching' });
    const v = await volumeReaches(ids['restored']!, 'available');
    expect(v.Attachments).toEqual([]);
    expect(await cinderVolumeNamed(`${prefix}-restored`)).toMatchObject({ status: 'available', attachments: [] });
    const again = awsCli(['detach-volume', '--volume-id', ids['restored']!]);
    expect(again.stderr).toContain('IncorrectState');
  });
});

describe('snapshot copies with boto3', () => {
  it('copies a snapshot, restores and attaches the copy, then deletes it with its backing volume', async () => {
    const snippet = `
import time
def wait(fn, ok, what, limit=120):
    end = time.time() + limit
    while time.time() < end:
        value = fn()
        if ok(value):
            return value
        time.sleep(1)
    raise SystemExit('timed out waiting for ' + what)
out = {}
copy = ec2.copy_snapshot(SourceRegion=ec2.meta.region_name, SourceSnapshotId=${JSON.stringify(ids['snap'])}, Description='copied',
    TagSpecifications=[{'ResourceType': 'snapshot', 'Tags': [{'Key': 'Name', 'Value': ${JSON.stringify(`${prefix}-copy`)}}]}])
out['copy'] = copy['SnapshotId']
snap = wait(lambda: ec2.describe_snapshots(SnapshotIds=[copy['SnapshotId']])['Snapshots'][0], lambda s: s['State'] == 'completed', 'copy')
out['copyVolumeId'] = snap['VolumeId']
out['copyDescription'] = snap['Description']
vol = ec2.create_volume(AvailabilityZone=${JSON.stringify(zone)}, SnapshotId=copy['SnapshotId'],
    TagSpecifications=[{'ResourceType': 'volume', 'Tags': [{'Key': 'Name', 'Value': ${JSON.stringify(`${prefix}-fromcopy`)}}]}])
out['volume'] = vol['VolumeId']
wait(lambda: ec2.describe_volumes(VolumeIds=[vol['VolumeId']])['Volumes'][0], lambda v: v['State'] == 'available', 'volume')
att = ec2.attach_volume(VolumeId=vol['VolumeId'], InstanceId=${JSON.stringify(instanceId)}, Device='/dev/sdg')
out['attachState'] = att['State']
v = wait(lambda: ec2.describe_volumes(VolumeIds=[vol['VolumeId']])['Volumes'][0], lambda v: v['State'] == 'in-use' and v['Attachments'][0]['State'] == 'attached', 'attached')
out['device'] = v['Attachments'][0]['Device']
status = ec2.describe_volume_status(VolumeIds=[vol['VolumeId']])['VolumeStatuses'][0]
out['status'] = status['VolumeStatus']['Status']
ec2.detach_volume(VolumeId=vol['VolumeId'])
wait(lambda: ec2.describe_volumes(VolumeIds=[vol['VolumeId']])['Volumes'][0], lambda v: v['State'] == 'available', 'detached')
ec2.delete_volume(VolumeId=vol['VolumeId'])
ec2.delete_snapshot(SnapshotId=copy['SnapshotId'])
try:
    ec2.describe_snapshots(SnapshotIds=[copy['SnapshotId']])
    out['afterDelete'] = 'still there'
except botocore.exceptions.ClientError as e:
    out['afterDelete'] = e.response['Error']['Code']
print(json.dumps(out))
`;
    const result = boto3(snippet);
    expect(result.status, result.stderr).toBe(0);
    const out = result.json as Record<string, string>;
    expect(out).toMatchObject({
      copyVolumeId: 'vol-ffffffff',
      copyDescription: 'copied',
      attachState: 'attaching',
      device: '/dev/sdg',
      status: 'ok',
      afterDelete: 'InvalidSnapshot.NotFound',
    });
    expect(out['copy']).toMatch(/^snap-[0-9a-f]{17}$/);
    const source = (await cinderSnapshotNamed(`${prefix}-snap`))!;
    await eventually(async () => {
      const volumes = await cinderVolumes();
      const leftovers = volumes.filter((v) => v.name === `${prefix}-fromcopy` || v.metadata?.['ec2api:source-snapshot'] === source.id);
      return leftovers.length === 0 && !(await cinderSnapshotNamed(`${prefix}-copy`)) ? true : undefined;
    }, 'the copy, its backing volume and the restored volume gone from Cinder');
  });
});

describe('volumes with @aws-sdk/client-ec2', () => {
  it('makes CreateVolume idempotent with a ClientToken', async () => {
    const token = uniqueName('token');
    const input = { AvailabilityZone: zone, Size: 1, ClientToken: token, TagSpecifications: [{ ResourceType: 'volume' as const, Tags: [{ Key: 'Name', Value: `${prefix}-token` }] }] };
    const first = await demo.send(new CreateVolumeCommand(input));
    const second = await demo.send(new CreateVolumeCommand(input));
    expect(second.VolumeId).toBe(first.VolumeId);
    ids['token'] = first.VolumeId!;
    await expect(demo.send(new CreateVolumeCommand({ ...input, Size: 2 }))).rejects.toMatchObject({ name: 'IdempotentParameterMismatch' });
    expect((await cinderVolumes()).filter((v) => v.name === `${prefix}-token`)).toHaveLength(1);
    const byToken = await demo.send(new DescribeVolumesCommand({ Filters: [{ Name: 'client-token', Values: [token] }] }));
    expect(byToken.Volumes!.map((v) => v.VolumeId)).toEqual([first.VolumeId]);
  });

  it('pages DescribeVolumes with MaxResults/NextToken, every volume once', async () => {
    // The project is shared with other tests: only our own volumes are known to stay put.
    const paged: string[] = [];
    let token: string | undefined;
    const sizes: number[] = [];
    do {
      const page = await demo.send(new DescribeVolumesCommand({ MaxResults: 5, NextToken: token }));
      sizes.push(page.Volumes!.length);
      paged.push(...page.Volumes!.map((v) => v.VolumeId!));
      token = page.NextToken;
    } while (token);
    // Full pages until the last one.
    expect(sizes.slice(0, -1).every((n) => n === 5)).toBe(true);
    expect(sizes.at(-1)).toBeLessThanOrEqual(5);
    expect(new Set(paged).size).toBe(paged.length);
    expect(paged).toEqual(expect.arrayContaining([ids['cli'], ids['restored'], ids['direct'], ids['token']]));
    const snapshots = await demo.send(new DescribeSnapshotsCommand({ MaxResults: 5, OwnerIds: ['self'] }));
    expect(snapshots.Snapshots!.length).toBeLessThanOrEqual(5);
    await expect(demo.send(new DescribeVolumesCommand({ VolumeIds: [ids['cli']!], MaxResults: 5 }))).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
  });

  it('answers NotFound for unknown ids and for another project’s ids, Malformed for malformed ones', async () => {
    await expect(demo.send(new DescribeVolumesCommand({ VolumeIds: ['vol-0123456789abcdef0'] }))).rejects.toMatchObject({ name: 'InvalidVolume.NotFound' });
    await expect(demo.send(new DescribeVolumesCommand({ VolumeIds: ['vol-12x'] }))).rejects.toMatchObject({ name: 'InvalidVolumeID.Malformed' });
    await expect(demo.send(new DeleteSnapshotCommand({ SnapshotId: 'snap-zz' }))).rejects.toMatchObject({ name: 'InvalidSnapshotID.Malformed' });
    await expect(demo.send(new CreateSnapshotCommand({ VolumeId: 'vol-0123456789abcdef0' }))).rejects.toMatchObject({ name: 'InvalidVolume.NotFound' });
    await expect(alt.send(new DescribeVolumesCommand({ VolumeIds: [ids['cli']!] }))).rejects.toMatchObject({ name: 'InvalidVolume.NotFound' });
    await expect(alt.send(new DeleteVolumeCommand({ VolumeId: ids['cli'] }))).rejects.toMatchObject({ name: 'InvalidVolume.NotFound' });
    await expect(alt.send(new CreateSnapshotCommand({ VolumeId: ids['cli'] }))).rejects.toMatchObject({ name: 'InvalidVolume.NotFound' });
    await expect(alt.send(new DescribeSnapshotsCommand({ SnapshotIds: [ids['snap']!] }))).rejects.toMatchObject({ name: 'InvalidSnapshot.NotFound' });
    await expect(alt.send(new DeleteSnapshotCommand({ SnapshotId: ids['snap'] }))).rejects.toMatchObject({ name: 'InvalidSnapshot.NotFound' });
    const altVolumes = (await alt.send(new DescribeVolumesCommand({}))).Volumes!.map((v) => v.VolumeId);
    expect(altVolumes).not.toContain(ids['cli']);
    expect((await cinderVolumeNamed(`${prefix}-cli`))!.status).toBe('available');
  });

  it('answers DryRunOperation without creating anything, and refuses what Cinder cannot honour', async () => {
    await expect(demo.send(new CreateVolumeCommand({ AvailabilityZone: zone, Size: 1, DryRun: true, TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'Name', Value: `${prefix}-dry` }] }] }))).rejects.toMatchObject({
      name: 'DryRunOperation',
    });
    await expect(demo.send(new DeleteVolumeCommand({ VolumeId: ids['cli'], DryRun: true }))).rejects.toMatchObject({ name: 'DryRunOperation' });
    await expect(demo.send(new CreateVolumeCommand({ AvailabilityZone: 'no-such-zone', Size: 1 }))).rejects.toMatchObject({ name: 'InvalidZone.NotFound' });
    await expect(demo.send(new CreateVolumeCommand({ AvailabilityZone: zone, Size: 1, VolumeType: 'warp-drive' as VolumeType }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(demo.send(new CreateVolumeCommand({ AvailabilityZone: zone, Size: 1, Iops: 5000, VolumeType: 'gp3' }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    expect(await cinderVolumeNamed(`${prefix}-dry`)).toBeUndefined();
    expect(await cinderVolumeNamed(`${prefix}-cli`)).toBeDefined();
  });

  it('reports status and attributes; refuses to share snapshots', async () => {
    const status = await demo.send(new DescribeVolumeStatusCommand({ VolumeIds: [ids['cli']!] }));
    expect(status.VolumeStatuses![0]).toMatchObject({ VolumeId: ids['cli'], AvailabilityZone: zone, VolumeStatus: { Status: 'ok' } });
    await demo.send(new ModifyVolumeAttributeCommand({ VolumeId: ids['cli'], AutoEnableIO: { Value: true } }));
    const attribute = await demo.send(new DescribeVolumeAttributeCommand({ VolumeId: ids['cli'], Attribute: 'autoEnableIO' }));
    expect(attribute.AutoEnableIO).toEqual({ Value: true });
    const permissions = await demo.send(new DescribeSnapshotAttributeCommand({ SnapshotId: ids['snap'], Attribute: 'createVolumePermission' }));
    expect(permissions.CreateVolumePermissions ?? []).toEqual([]);
    await expect(
      demo.send(new ModifySnapshotAttributeCommand({ SnapshotId: ids['snap'], CreateVolumePermission: { Add: [{ Group: 'all' }] } })),
    ).rejects.toMatchObject({ name: 'UnsupportedOperation' });
  });

  it('refuses to delete a snapshot an EBS-backed image boots from (InvalidSnapshot.InUse)', async () => {
    const image = await demo.send(
      new RegisterImageCommand({
        Name: `${prefix}-ami`,
        RootDeviceName: '/dev/sda1',
        BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { SnapshotId: ids['snap'] } }],
      }),
    );
    ids['image'] = image.ImageId!;
    await expect(demo.send(new DeleteSnapshotCommand({ SnapshotId: ids['snap'] }))).rejects.toMatchObject({
      name: 'InvalidSnapshot.InUse',
      message: expect.stringContaining(image.ImageId!),
    });
    expect((await cinderSnapshotNamed(`${prefix}-snap`))!.status).toBe('available');
    await demo.send(new DeregisterImageCommand({ ImageId: image.ImageId }));
  });

  it('deletes snapshots and volumes; they leave Cinder and then DescribeVolumes', async () => {
    for (const snapshot of [ids['snap']!, ids['inuseSnap']!]) await demo.send(new DeleteSnapshotCommand({ SnapshotId: snapshot }));
    await eventually(async () => ((await cinderSnapshotNamed(`${prefix}-snap`)) || (await cinderSnapshotNamed(`${prefix}-inuse`)) ? undefined : true), 'snapshots gone');
    for (const volume of [ids['cli']!, ids['restored']!, ids['token']!]) await demo.send(new DeleteVolumeCommand({ VolumeId: volume }));
    await eventually(async () => {
      const names = new Set((await cinderVolumes()).map((v) => v.name));
      return ['cli', 'restored', 'token'].some((n) => names.has(`${prefix}-${n}`)) ? undefined : true;
    }, 'volumes gone from Cinder');
    await expect(demo.send(new DescribeVolumesCommand({ VolumeIds: [ids['cli']!] }))).rejects.toMatchObject({ name: 'InvalidVolume.NotFound' });
  });
});
