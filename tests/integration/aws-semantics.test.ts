/**
 * AWS's semantics where Cinder and Nova differ (issue 14), end to end with real clients:
 * - the backup workflow: a volume with snapshots can be deleted (aws cli); it leaves EC2 at once
 *   with its tags, its snapshot restores, and Cinder deletes it after its last snapshot (checked as
 *   admin: nothing of the test is left in Cinder, no tags in EC2);
 * - a delete-on-termination volume that has a snapshot leaves with its instance and is deleted in
 *   Cinder after that snapshot (boto3), and an instance Nova is still building is `pending`;
 * - the sweeper (invoked through serverless-offline's Lambda API, as its schedule does) cleans up
 *   after requests that stopped half way: a DeleteVolume that died after Cinder's delete (its first
 *   half is done here in Cinder directly), and a volume waiting for a snapshot deleted in Cinder.
 */
import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeTagsCommand,
  DescribeVolumesCommand,
  TerminateInstancesCommand,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CinderSnapshot, CinderVolume } from '../../lib/openstack/cinder.js';
import { awsCli, boto3, ec2Client, type CliResult } from './support/clients.js';
import { endpointInfo, fixtures, profileOf, repo, runDir, stateDir, uniqueName } from './support/env.js';
import { eventually, openstackAs, type DirectOpenStack } from './support/openstack.js';
import { deleteNetwork, networkFixture, novaServers, type NetworkFixture } from './instances-fixtures.js';

const demo = ec2Client('demo');
const prefix = uniqueName('aws-exact');
const TINY = 'm1.tiny' as _InstanceType;

let admin: DirectOpenStack;
let os: DirectOpenStack;
const volumesLeft: string[] = [];
const imagesLeft: string[] = [];
const snapshotsLeft: string[] = [];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- aws cli JSON, checked by the assertions
function ok(result: CliResult): any {
  expect(result.status, `${result.stderr}\n${result.stdout}`).toBe(0);
  return result.json;
}

/** Every volume and snapshot of the demo project in Cinder, read as admin. */
async function cinderAsAdmin(): Promise<{ volumes: CinderVolume[]; snapshots: CinderSnapshot[] }> {
  const project = profileOf('demo').projectId;
  const query = { all_tenants: 1, project_id: project };
  const [{ volumes }, { snapshots }] = await Promise.all([
    admin.cinder.get<{ volumes: CinderVolume[] }>('volumes/detail', query),
    admin.cinder.get<{ snapshots: CinderSnapshot[] }>('snapshots/detail', query),
  ]);
  return { volumes, snapshots };
}

const cinderVolume = async (uuid: string) => (await cinderAsAdmin()).volumes.find((v) => v.id === uuid);

async function volumeState(volumeId: string): Promise<string | undefined> {
  const { Volumes } = await demo.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }));
  return Volumes![0]!.State;
}

async function snapshotCompleted(snapshotId: string): Promise<true | undefined> {
  const { Snapshots } = await demo.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }));
  return Snapshots![0]!.State === 'completed' ? true : undefined;
}

// The state table is read directly (ids to Cinder UUIDs), configured as the server is.
Object.assign(process.env, endpointInfo().serverEnv);
async function demoTable() {
  const { storeFor } = await import('../../lib/store/project-store.js');
  return storeFor(profileOf('demo').projectId);
}
async function uuidOf(ec2Id: string): Promise<string> {
  const uuid = (await (await demoTable()).get(`id#${ec2Id}`))?.uuid;
  expect(uuid, `the table maps ${ec2Id}`).toBeDefined();
  return uuid!;
}

const tagsOf = async (resourceId: string) =>
  (await demo.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [resourceId] }] }))).Tags ?? [];
const allTagsWith = async (value: string) => ((await demo.send(new DescribeTagsCommand({}))).Tags ?? []).filter((t) => t.Value === value);

beforeAll(async () => {
  [admin, os] = await Promise.all([openstackAs('admin'), openstackAs('demo')]);
});

let fx: NetworkFixture | undefined;
const launched: string[] = [];

afterAll(async () => {
  const instances = [...launched, fx?.helper.instanceId].filter((id): id is string => Boolean(id));
  if (instances.length) await demo.send(new TerminateInstancesCommand({ InstanceIds: instances })).catch(() => undefined);
  if (fx) {
    const net = `${prefix}-net`;
    await eventually(async () => ((await novaServers(os)).some((s) => Object.keys(s.addresses).includes(net)) ? undefined : true), 'servers gone', 180_000, 3000).catch(() => undefined);
    await deleteNetwork(os, fx.networkId);
  }
  for (const id of imagesLeft) await demo.send(new DeregisterImageCommand({ ImageId: id })).catch(() => undefined);
  for (const id of snapshotsLeft) await demo.send(new DeleteSnapshotCommand({ SnapshotId: id })).catch(() => undefined);
  for (const id of volumesLeft) awsCli(['delete-volume', '--volume-id', id]);
});

describe('the backup workflow: snapshot, then delete the volume (aws cli)', () => {
  it('leaves nothing in Cinder and no tags once every step is done', async () => {
    const name = `${prefix}-backup`;
    const created = ok(awsCli(['create-volume', '--availability-zone', 'nova', '--size', '1']));
    const volumeId: string = created.VolumeId;
    volumesLeft.push(volumeId);
    ok(awsCli(['create-tags', '--resources', volumeId, '--tags', `Key=Name,Value=${name}`]));
    await eventually(async () => ((await volumeState(volumeId)) === 'available' ? true : undefined), 'the volume', 120_000, 1500);
    const volumeUuid = await uuidOf(volumeId);
    expect(await cinderVolume(volumeUuid)).toMatchObject({ status: 'available' });

    const snapshot = ok(awsCli(['create-snapshot', '--volume-id', volumeId, '--tag-specifications', `ResourceType=snapshot,Tags=[{Key=Name,Value=${name}}]`]));
    const snapshotId: string = snapshot.SnapshotId;
    snapshotsLeft.push(snapshotId);
    await eventually(() => snapshotCompleted(snapshotId), 'the snapshot', 120_000, 1500);
    const snapshotUuid = await uuidOf(snapshotId);
    expect((await cinderAsAdmin()).snapshots.find((s) => s.id === snapshotUuid)).toMatchObject({ volume_id: volumeUuid });

    // The volume goes from EC2 at once, with its tags; Cinder keeps it for the snapshot.
    ok(awsCli(['delete-volume', '--volume-id', volumeId]));
    const gone = awsCli(['describe-volumes', '--volume-ids', volumeId]);
    expect(gone.status).not.toBe(0);
    expect(gone.stderr).toContain('InvalidVolume.NotFound');
    const listed = ok(awsCli(['describe-volumes']));
    expect(listed.Volumes.map((v: { VolumeId: string }) => v.VolumeId)).not.toContain(volumeId);
    expect(await tagsOf(volumeId)).toEqual([]);
    expect(await cinderVolume(volumeUuid)).toBeDefined();
    // Its snapshot is usable: a volume restored from it, and it still names the volume it came from.
    const described = ok(awsCli(['describe-snapshots', '--snapshot-ids', snapshotId]));
    expect(described.Snapshots[0]).toMatchObject({ SnapshotId: snapshotId, VolumeId: volumeId, State: 'completed' });
    const restored = ok(awsCli(['create-volume', '--availability-zone', 'nova', '--snapshot-id', snapshotId, '--tag-specifications', `ResourceType=volume,Tags=[{Key=Name,Value=${name}}]`]));
    const restoredId: string = restored.VolumeId;
    volumesLeft.push(restoredId);
    await eventually(async () => ((await volumeState(restoredId)) === 'available' ? true : undefined), 'the restored volume', 120_000, 1500);

    // Deleting the last snapshot deletes the first volume in Cinder.
    ok(awsCli(['delete-snapshot', '--snapshot-id', snapshotId]));
    expect(await tagsOf(snapshotId)).toEqual([]);
    await eventually(async () => ((await cinderVolume(volumeUuid)) ? undefined : true), 'the deleted volume to leave Cinder', 120_000, 2000);
    ok(awsCli(['delete-volume', '--volume-id', restoredId]));
    expect(await tagsOf(restoredId)).toEqual([]);

    await eventually(async () => {
      const { volumes, snapshots } = await cinderAsAdmin();
      const ours = [...volumes.filter((v) => v.id === volumeUuid || v.snapshot_id === snapshotUuid), ...snapshots.filter((s) => s.volume_id === volumeUuid)];
      return ours.length === 0 ? true : undefined;
    }, 'nothing of the workflow left in Cinder', 120_000, 2000);
    expect(await allTagsWith(name)).toEqual([]);
  });
});

describe('an instance\'s delete-on-termination root volume with a snapshot from CreateImage (boto3)', () => {
  it('is pending while Nova builds it; its volume leaves EC2 on termination and Cinder after the snapshot', async () => {
    fx ??= await networkFixture(os, demo, prefix);
    // An EBS root: a bootable volume's snapshot, delete-on-termination (as after CreateImage of an EBS instance).
    const source = ok(awsCli(['create-volume', '--availability-zone', 'nova', '--size', '1']));
    volumesLeft.push(source.VolumeId);
    await eventually(async () => ((await volumeState(source.VolumeId)) === 'available' ? true : undefined), 'the source volume', 120_000, 1500);
    await os.cinder.post(`volumes/${await uuidOf(source.VolumeId)}/action`, { 'os-set_bootable': { bootable: true } });
    const rootSnapshot = ok(awsCli(['create-snapshot', '--volume-id', source.VolumeId]));
    snapshotsLeft.push(rootSnapshot.SnapshotId);
    await eventually(() => snapshotCompleted(rootSnapshot.SnapshotId), 'the root snapshot', 120_000, 1500);

    // The first DescribeInstances comes right after RunInstances, while Nova is building.
    const launch = boto3(`
out = ec2.run_instances(ImageId='${fx.imageId}', InstanceType='${TINY}', MinCount=1, MaxCount=1, SubnetId='${fx.subnetId}',
    BlockDeviceMappings=[{'DeviceName': '/dev/sda1', 'Ebs': {'SnapshotId': '${rootSnapshot.SnapshotId}', 'DeleteOnTermination': True}}])
iid = out['Instances'][0]['InstanceId']
first = ec2.describe_instances(InstanceIds=[iid])['Reservations'][0]['Instances'][0]['State']['Name']
print(json.dumps({'id': iid, 'launched': out['Instances'][0]['State']['Name'], 'first': first}))
`);
    expect(launch.status, launch.stderr).toBe(0);
    const { id, launched: atLaunch, first } = launch.json as { id: string; launched: string; first: string };
    launched.push(id);
    expect(atLaunch).toBe('pending');
    expect(['pending', 'running']).toContain(first);

    const seen = new Set([first]);
    const volumeId = await eventually(async () => {
      const { Reservations } = await demo.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
      const instance = Reservations![0]!.Instances![0]!;
      seen.add(instance.State!.Name!);
      if (instance.State?.Name === 'terminated') throw new Error('terminated while starting');
      if (instance.State?.Name !== 'running') return undefined;
      const root = instance.BlockDeviceMappings?.find((m) => m.DeviceName === instance.RootDeviceName);
      return root?.Ebs?.DeleteOnTermination ? root.Ebs.VolumeId : undefined;
    }, 'the instance running with its root volume', 300_000, 2000);
    expect([...seen].every((state) => state === 'pending' || state === 'running')).toBe(true);
    const volumeUuid = await uuidOf(volumeId!);

    // An image of the EBS-backed instance: a snapshot of its root volume; the root mapping names its type.
    const imaged = boto3(`print(json.dumps(ec2.create_image(InstanceId='${id}', Name='${prefix}-ebs', NoReboot=True)['ImageId']))`);
    expect(imaged.status, imaged.stderr).toBe(0);
    const imageId = imaged.json as string;
    imagesLeft.push(imageId);
    const rootMapping = await eventually(async () => {
      const { Images } = await demo.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
      const image = Images?.[0];
      return image?.State === 'available' ? image.BlockDeviceMappings?.find((m) => m.DeviceName === image.RootDeviceName) : undefined;
    }, 'the image', 180_000, 2000);
    expect(rootMapping?.Ebs).toMatchObject({ VolumeType: 'gp2', DeleteOnTermination: true });
    const snapshotId = rootMapping!.Ebs!.SnapshotId!;
    snapshotsLeft.push(snapshotId);
    await eventually(() => snapshotCompleted(snapshotId), 'the snapshot', 120_000, 1500);

    const ended = boto3(`ec2.terminate_instances(InstanceIds=['${id}'])
try:
    ec2.describe_volumes(VolumeIds=['${volumeId}'])
    print(json.dumps('still there'))
except botocore.exceptions.ClientError as e:
    print(json.dumps(e.response['Error']['Code']))
`);
    expect(ended.status, ended.stderr).toBe(0);
    expect(ended.json).toBe('InvalidVolume.NotFound');
    // Nova cannot delete it while the snapshot lives: Cinder keeps it, detached.
    await eventually(async () => ((await cinderVolume(volumeUuid))?.status === 'available' ? true : undefined), 'the volume detached', 180_000, 2000);
    const listed = boto3(`print(json.dumps([v['VolumeId'] for v in ec2.describe_volumes()['Volumes']]))`);
    expect(listed.json).not.toContain(volumeId);

    const deleted = boto3(`ec2.deregister_image(ImageId='${imageId}'); ec2.delete_snapshot(SnapshotId='${snapshotId}'); print(json.dumps(True))`);
    expect(deleted.status, deleted.stderr).toBe(0);
    await eventually(async () => ((await cinderVolume(volumeUuid)) ? undefined : true), 'the volume to leave Cinder', 120_000, 2000);
  });
});

/** One sweeper run, invoked as its schedule does (serverless-offline's Lambda API). */
async function sweepOnce(): Promise<Record<string, unknown>> {
  const info = endpointInfo();
  const port = info.serverEnv['EC2_LAMBDA_PORT'] ?? new URL(info.serverEnv['EC2_LAMBDA_ENDPOINT']!).port;
  const response = await fetch(`http://127.0.0.1:${port}/2015-03-31/functions/ec2-api-dev-sweeper/invocations`, { method: 'POST', body: '{}' });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe('the sweeper, after requests that stopped half way', () => {
  it('forgets the id and tags of a volume Cinder deleted, and deletes a volume whose snapshot went outside EC2', async () => {
    const name = `${prefix}-sweep`;
    const half = ok(awsCli(['create-volume', '--availability-zone', 'nova', '--size', '1', '--tag-specifications', `ResourceType=volume,Tags=[{Key=Name,Value=${name}}]`]));
    const waiting = ok(awsCli(['create-volume', '--availability-zone', 'nova', '--size', '1', '--tag-specifications', `ResourceType=volume,Tags=[{Key=Name,Value=${name}}]`]));
    volumesLeft.push(half.VolumeId, waiting.VolumeId);
    for (const id of [half.VolumeId, waiting.VolumeId]) {
      await eventually(async () => ((await volumeState(id)) === 'available' ? true : undefined), id, 120_000, 1500);
    }
    const halfUuid = await uuidOf(half.VolumeId);
    const waitingUuid = await uuidOf(waiting.VolumeId);

    // DeleteVolume stopped after Cinder's delete: the volume is gone, its id and tags are not (until
    // a sweep: the scheduled one may come first, which is what this shows as well).
    const table = await demoTable();
    expect(await table.query(`tag#${half.VolumeId}#`)).toHaveLength(1);
    await os.cinder.delete(`volumes/${halfUuid}`);
    await eventually(async () => ((await cinderVolume(halfUuid)) ? undefined : true), 'the volume gone from Cinder', 120_000, 1500);

    // A volume deleted through EC2 while it had a snapshot; the snapshot then deleted in Cinder directly.
    const snapshot = ok(awsCli(['create-snapshot', '--volume-id', waiting.VolumeId]));
    await eventually(() => snapshotCompleted(snapshot.SnapshotId), 'the snapshot', 120_000, 1500);
    const snapshotUuid = await uuidOf(snapshot.SnapshotId);
    ok(awsCli(['delete-volume', '--volume-id', waiting.VolumeId]));
    await os.cinder.delete(`snapshots/${snapshotUuid}`);
    await eventually(async () => ((await cinderAsAdmin()).snapshots.some((s) => s.id === snapshotUuid) ? undefined : true), 'the snapshot gone', 120_000, 1500);
    expect(await cinderVolume(waitingUuid)).toBeDefined();

    const runs: Array<Record<string, unknown>> = [];
    await eventually(async () => {
      runs.push(await sweepOnce());
      const idLeft = await table.get(`id#${half.VolumeId}`);
      const tagsLeft = await table.query(`tag#${half.VolumeId}#`);
      // Cinder deletes the volume after one run; the next run finds it gone and drops its record.
      const waitingLeft = (await cinderVolume(waitingUuid)) ?? (await table.get(`volume-gc#${waitingUuid}`));
      return !idLeft && tagsLeft.length === 0 && !waitingLeft ? true : undefined;
    }, 'the sweeper to clean up', 180_000, 3000);
    expect(runs[0]).toMatchObject({ msg: 'sweep', failedProjects: 0, mappingsChecked: expect.any(Number) });
    expect(await table.get(`os#volume#${halfUuid}`)).toBeUndefined();
    expect(await table.get(`os#volume#${waitingUuid}`)).toBeUndefined();
    expect(await allTagsWith(name)).toEqual([]);
  });
});

describe('device names as the client wrote them (aws cli)', () => {
  it('shows sdh for a RunInstances mapping and /dev/xvdj for AttachVolume, also while attaching', async () => {
    fx ??= await networkFixture(os, demo, prefix);
    const run = ok(awsCli(['run-instances', '--image-id', fx.imageId, '--instance-type', TINY, '--subnet-id', fx.subnetId, '--block-device-mappings', 'DeviceName=sdh,Ebs={VolumeSize=1,DeleteOnTermination=true}']));
    const id: string = run.Instances[0].InstanceId;
    launched.push(id);
    const describeInstance = async () => ok(awsCli(['describe-instances', '--instance-ids', id])).Reservations[0].Instances[0];
    const running = await eventually(async () => {
      const i = await describeInstance();
      return i.State.Name === 'running' && i.BlockDeviceMappings.length > 0 ? i : undefined;
    }, 'the instance running with its volume', 300_000, 3000);
    expect(running.BlockDeviceMappings.map((m: { DeviceName: string }) => m.DeviceName)).toContain('sdh');

    const volume = ok(awsCli(['create-volume', '--availability-zone', running.Placement.AvailabilityZone, '--size', '1']));
    volumesLeft.push(volume.VolumeId);
    await eventually(async () => ((await volumeState(volume.VolumeId)) === 'available' ? true : undefined), 'the volume', 120_000, 1500);
    const attached = ok(awsCli(['attach-volume', '--volume-id', volume.VolumeId, '--instance-id', id, '--device', '/dev/xvdj']));
    expect(attached).toMatchObject({ Device: '/dev/xvdj', State: 'attaching' });
    // Every name DescribeInstances and DescribeVolumes show for it, from the first look until attached.
    const names = new Set<string>();
    await eventually(async () => {
      const mapping = (await describeInstance()).BlockDeviceMappings.find((m: { Ebs: { VolumeId: string } }) => m.Ebs.VolumeId === volume.VolumeId);
      if (mapping) names.add(mapping.DeviceName);
      const { Volumes } = await demo.send(new DescribeVolumesCommand({ VolumeIds: [volume.VolumeId] }));
      const attachment = Volumes![0]!.Attachments?.[0];
      if (attachment) names.add(attachment.Device ?? '');
      return mapping?.Ebs.Status === 'attached' && attachment?.State === 'attached' ? true : undefined;
    }, 'the volume attached', 180_000, 1500);
    expect([...names]).toEqual(['/dev/xvdj']);
    const detached = ok(awsCli(['detach-volume', '--volume-id', volume.VolumeId, '--device', '/dev/xvdj']));
    expect(detached).toMatchObject({ Device: '/dev/xvdj', State: 'detaching' });
    await eventually(async () => ((await volumeState(volume.VolumeId)) === 'available' ? true : undefined), 'the volume detached', 180_000, 2000);
  });
});

describe('errors as AWS words them (aws cli, boto3)', () => {
  it('answers AuthFailure for attributes of an image owned elsewhere, InvalidParameterCombination for no attribute, MissingParameter for an empty key', async () => {
    fx ??= await networkFixture(os, demo, prefix);
    // The fixture image is public and owned by the admin project.
    for (const attribute of ['description', 'kernel', 'blockDeviceMapping', 'launchPermission']) {
      const answer = awsCli(['describe-image-attribute', '--image-id', fx.imageId, '--attribute', attribute]);
      expect(answer.status).not.toBe(0);
      expect(answer.stderr).toContain('(AuthFailure)');
    }
    const codes = boto3(`
def code(call):
    try:
        call()
        return 'ok'
    except botocore.exceptions.ClientError as e:
        return e.response['Error']['Code']
print(json.dumps({
    'instance': code(lambda: ec2.modify_instance_attribute(InstanceId='${fx.helper.instanceId}')),
    'image': code(lambda: ec2.modify_image_attribute(ImageId='${fx.imageId}')),
    'key': code(lambda: ec2.import_key_pair(KeyName='${prefix}-empty', PublicKeyMaterial=b'')),
}))
`);
    expect(codes.status, codes.stderr).toBe(0);
    expect(codes.json).toEqual({ instance: 'InvalidParameterCombination', image: 'InvalidParameterCombination', key: 'MissingParameter' });
  });
});

describe('the local profile files (aws cli)', () => {
  it('writes ec2rc.alt for the second project, and prints no secret key on the terminal', async () => {
    const info = endpointInfo();
    const rc = (name: string) => join(runDir, name);
    const exportsOf = (file: string) =>
      Object.fromEntries(
        readFileSync(file, 'utf8')
          .split('\n')
          .flatMap((line) => {
            const match = /^export (\w+)=(.*)$/.exec(line);
            return match ? [[match[1]!, match[2]!]] : [];
          }),
      ) as Record<string, string>;
    const alt = exportsOf(rc('ec2rc.alt'));
    expect(alt['AWS_ACCESS_KEY_ID']).toBe(profileOf('alt').ec2.access);
    expect(statSync(rc('ec2rc.alt')).mode & 0o077).toBe(0);
    expect(statSync(rc('ec2rc')).mode & 0o077).toBe(0);
    // The alt project's own keys, sourced the way a newcomer would, reach the alt project.
    const zones = spawnSync('/bin/sh', ['-c', `. ${rc('ec2rc.alt')} && /usr/bin/aws --endpoint-url "$EC2_URL" --output json ec2 describe-key-pairs`], {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: process.env['HOME'] ?? '/root', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' },
      encoding: 'utf8',
    });
    expect(zones.status, zones.stderr).toBe(0);
    expect(JSON.parse(zones.stdout)).toHaveProperty('KeyPairs');

    // What `npm start` prints at its end (the profile writer), with the server's settings, writing
    // its files to a scratch folder so the running endpoint's stay as they are.
    const scratch = mkdtempSync(join(tmpdir(), 'ec2-profile-'));
    const printed = spawnSync(join(repo, 'node_modules/.bin/tsx'), [join(repo, 'local/write-profile.ts')], {
      env: { ...process.env, ...info.serverEnv, EC2_RUN_DIR: scratch, EC2OS_STATE_DIR: stateDir },
      encoding: 'utf8',
    });
    expect(readFileSync(join(scratch, 'ec2rc.alt'), 'utf8')).toContain(profileOf('alt').ec2.secret);
    rmSync(scratch, { recursive: true, force: true });
    expect(printed.status, printed.stderr).toBe(0);
    expect(printed.stdout).toContain(profileOf('demo').ec2.access);
    for (const project of ['demo', 'alt'] as const) expect(printed.stdout + printed.stderr).not.toContain(profileOf(project).ec2.secret);
  });
});

describe('metadata paths the EC2 tree does not serve go to Nova (the agent\'s signed headers)', () => {
  it('answers /openstack and meta_data.json from Nova for the instance the agent names', async () => {
    fx ??= await networkFixture(os, demo, prefix);
    const info = endpointInfo();
    const agent = (path: string, signature?: string) => {
      const id = fx!.helper.serverId;
      return fetch(new URL(path.replace(/^\//, ''), info.metadataUrl), {
        headers: {
          'X-Forwarded-For': fx!.helper.ip,
          'X-Instance-ID': id,
          'X-Tenant-ID': profileOf('demo').projectId,
          'X-Instance-ID-Signature': signature ?? createHmac('sha256', info.metadataSecret).update(id).digest('hex'),
        },
      });
    };
    const versions = await agent('/openstack');
    expect(versions.status).toBe(200);
    expect((await versions.text()).split('\n')).toContain('latest');
    const document = await agent('/openstack/latest/meta_data.json');
    expect(document.status).toBe(200);
    expect(await document.json()).toMatchObject({ uuid: fx.helper.serverId, project_id: profileOf('demo').projectId });
    // The EC2 tree is still ours, and a forged signature never reaches Nova.
    expect(await (await agent('/latest/meta-data/instance-id')).text()).toBe(fx.helper.instanceId);
    expect((await agent('/openstack/latest/meta_data.json', '0'.repeat(64))).status).toBe(403);
  });
});

describe('one AMI id in the region for a public image (boto3, JS SDK)', () => {
  it('shows the fixture image under the same id to the demo and the alt project', async () => {
    const name = fixtures().imageName;
    const demoSees = boto3(`print(json.dumps([i['ImageId'] for i in ec2.describe_images(Filters=[{'Name': 'name', 'Values': ['${name}']}])['Images']]))`, 'demo');
    expect(demoSees.status, demoSees.stderr).toBe(0);
    const { Images } = await ec2Client('alt').send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: [name] }] }));
    expect((demoSees.json as string[]).length).toBe(1);
    expect(Images?.map((i) => i.ImageId)).toEqual(demoSees.json);
    // Each project resolves the shared id, and DescribeInstances-style lookups by id work in both.
    const altById = await ec2Client('alt').send(new DescribeImagesCommand({ ImageIds: demoSees.json as string[] }));
    expect(altById.Images?.[0]?.Name).toBe(name);
  });
});

describe('the fixtures\' EBS-backed image (aws cli)', () => {
  it('describes with a snapshot root of a named volume type, and launches an instance booted from a volume', async () => {
    const ebs = (fixtures() as ReturnType<typeof fixtures> & { ebsImage?: { imageName: string } }).ebsImage;
    expect(ebs, 'fixtures.json names the EBS-backed image').toBeDefined();
    const images = ok(awsCli(['describe-images', '--owners', 'self', '--filters', `Name=name,Values=${ebs!.imageName}`])).Images;
    expect(images).toHaveLength(1);
    const image = images[0];
    expect(image).toMatchObject({ RootDeviceType: 'ebs', State: 'available' });
    const root = image.BlockDeviceMappings.find((m: { DeviceName: string }) => m.DeviceName === image.RootDeviceName);
    expect(root.Ebs).toMatchObject({ SnapshotId: expect.stringMatching(/^snap-/), VolumeType: 'gp2' });

    fx ??= await networkFixture(os, demo, prefix);
    const run = ok(awsCli(['run-instances', '--image-id', image.ImageId, '--instance-type', TINY, '--subnet-id', fx.subnetId, '--block-device-mappings', `DeviceName=${image.RootDeviceName},Ebs={DeleteOnTermination=true}`]));
    const id: string = run.Instances[0].InstanceId;
    launched.push(id);
    const running = await eventually(async () => {
      const i = ok(awsCli(['describe-instances', '--instance-ids', id])).Reservations[0].Instances[0];
      return i.State.Name === 'running' && i.BlockDeviceMappings.length > 0 ? i : undefined;
    }, 'the instance from the EBS image', 300_000, 3000);
    expect(running).toMatchObject({ RootDeviceType: 'ebs', ImageId: image.ImageId });
    expect(running.BlockDeviceMappings[0].Ebs).toMatchObject({ DeleteOnTermination: true });
  });
});
