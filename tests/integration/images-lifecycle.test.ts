/**
 * An AMI's life through the EC2 API only: an EBS-backed AMI registered over a volume snapshot, an
 * instance launched from it, CreateImage of that instance (Nova snapshots its volume), a new
 * instance launched from the new AMI, the AMI made public (community) and seen from the second
 * project, made private and gone there, deregistered. CreateImage of an instance-store instance
 * too. Glance, Nova and Cinder are checked directly at each step.
 *
 * The local cloud's fake hypervisor never uploads snapshot data: an image of an instance-store
 * instance stays queued in Glance (pending in EC2) there, while volume-backed ones are complete
 * at once. A real hypervisor uploads the disk and the image becomes available.
 */
import {
  CreateImageCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  ModifyImageAttributeCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Image,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteImage, imageIfVisible, getImage, listImages } from '../../lib/openstack/glance.js';
import type { ServiceClient } from '../../lib/openstack/http.js';
import { awsCli, boto3, ec2Client } from './support/clients.js';
import { fixtures, uniqueName } from './support/env.js';
import { eventually, openstackAs } from './support/openstack.js';

const demo = ec2Client('demo');
const alt = ec2Client('alt');
const prefix = uniqueName('it-life');
const instances: string[] = [];
const images: string[] = [];
const snapshots: string[] = [];
const volumes: string[] = [];
let glance: ServiceClient;
let cirrosAmi: string;

async function errorOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { name: string }).name;
  }
  return 'no error';
}

async function describeImage(id: string, client = demo): Promise<Image> {
  return (await client.send(new DescribeImagesCommand({ ImageIds: [id] }))).Images![0]!;
}

async function running(instanceId: string) {
  return eventually(async () => {
    const r = await demo.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const instance = r.Reservations?.[0]?.Instances?.[0];
    if (instance?.State?.Name === 'terminated' || instance?.State?.Name === 'shutting-down') throw new Error(`${instanceId} died`);
    return instance?.State?.Name === 'running' ? instance : undefined;
  }, `${instanceId} running`, 180_000, 2000);
}

async function launch(imageId: string): Promise<string> {
  const out = await demo.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: 'm1.tiny' as _InstanceType, MinCount: 1, MaxCount: 1 }));
  const id = out.Instances![0]!.InstanceId!;
  instances.push(id);
  return id;
}

/** Nova's actions on the server whose volume a Glance image's root snapshot was taken of. */
async function actionsOfImagedServer(bdmJson: string): Promise<string[]> {
  const os = await openstackAs('demo');
  const root = (JSON.parse(bdmJson) as Array<{ boot_index: number; snapshot_id: string }>).find((b) => b.boot_index === 0)!;
  const snapshot = (await os.cinder.get<{ snapshot: { volume_id: string } }>(`snapshots/${root.snapshot_id}`)).snapshot;
  const volume = (await os.cinder.get<{ volume: { attachments: Array<{ server_id: string }> } }>(`volumes/${snapshot.volume_id}`)).volume;
  const server = volume.attachments[0]!.server_id;
  const actions = (await os.nova.get<{ instanceActions: Array<{ action: string }> }>(`servers/${server}/os-instance-actions`)).instanceActions;
  return actions.map((a) => a.action);
}

beforeAll(async () => {
  glance = (await openstackAs('demo')).glance;
  const listed = await demo.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: [fixtures().imageName] }] }));
  cirrosAmi = listed.Images![0]!.ImageId!;
});

afterAll(async () => {
  if (instances.length) await demo.send(new TerminateInstancesCommand({ InstanceIds: instances })).catch(() => undefined);
  for (const id of images) await demo.send(new DeregisterImageCommand({ ImageId: id })).catch(() => undefined);
  const projectId = fixtures().projects['demo']!.projectId;
  for (const image of await listImages(glance, { owner: projectId })) {
    if (image.name?.startsWith(prefix)) await deleteImage(glance, image.id).catch(() => undefined);
  }
  // Snapshots Nova made for CreateImage, and ours; volumes once the instances are gone.
  const cinder = (await openstackAs('demo')).cinder;
  const made = (await cinder.get<{ snapshots: Array<{ id: string; name: string | null }> }>('snapshots/detail')).snapshots.filter((s) =>
    (s.name ?? '').includes(prefix),
  );
  for (const s of made) await cinder.delete(`snapshots/${s.id}`).catch(() => undefined);
  for (const id of snapshots) awsCli(['delete-snapshot', '--snapshot-id', id]);
  for (const id of volumes) {
    await eventually(async () => (awsCli(['delete-volume', '--volume-id', id]).status === 0 ? true : undefined), `delete ${id}`, 90_000, 3000).catch(() => undefined);
  }
}, 300_000);

describe('an AMI from an instance, launched, shared and deregistered', () => {
  let ebsAmi: string;
  let firstInstance: string;
  let createdAmi: string;

  it('registers an EBS AMI over a snapshot and launches an instance from it (aws cli)', async () => {
    const volume = awsCli(['create-volume', '--size', '1', '--availability-zone', 'nova']);
    expect(volume.status, volume.stderr).toBe(0);
    const volumeId = (volume.json as { VolumeId: string }).VolumeId;
    volumes.push(volumeId);
    await eventually(async () => {
      const v = awsCli(['describe-volumes', '--volume-ids', volumeId]).json as { Volumes: Array<{ State: string }> };
      return v.Volumes[0]?.State === 'available' ? true : undefined;
    }, 'volume available');
    const snap = awsCli(['create-snapshot', '--volume-id', volumeId, '--description', `${prefix} base`]);
    expect(snap.status, snap.stderr).toBe(0);
    const snapshotId = (snap.json as { SnapshotId: string }).SnapshotId;
    snapshots.push(snapshotId);
    await eventually(async () => {
      const s = awsCli(['describe-snapshots', '--snapshot-ids', snapshotId]).json as { Snapshots: Array<{ State: string }> };
      return s.Snapshots[0]?.State === 'completed' ? true : undefined;
    }, 'snapshot completed');

    const reg = awsCli([
      'register-image',
      '--name',
      `${prefix}-base`,
      '--root-device-name',
      '/dev/sda1',
      '--block-device-mappings',
      `DeviceName=/dev/sda1,Ebs={SnapshotId=${snapshotId},DeleteOnTermination=true}`,
    ]);
    expect(reg.status, reg.stderr).toBe(0);
    ebsAmi = (reg.json as { ImageId: string }).ImageId;
    images.push(ebsAmi);
    expect(await describeImage(ebsAmi)).toMatchObject({ State: 'available', RootDeviceType: 'ebs' });

    firstInstance = await launch(ebsAmi);
    const instance = await running(firstInstance);
    expect(instance).toMatchObject({ ImageId: ebsAmi, RootDeviceType: 'ebs' });
  });

  it('creates an image of the volume-backed instance, rebooting it, and launches a new instance from it (boto3)', async () => {
    const out = boto3(`
r = ec2.create_image(InstanceId=${JSON.stringify(firstInstance)}, Name=${JSON.stringify(`${prefix}-made`)}, Description='made by CreateImage',
    TagSpecifications=[{'ResourceType': 'image', 'Tags': [{'Key': 'purpose', 'Value': 'it'}]}])
print(json.dumps(r['ImageId']))`);
    expect(out.status, out.stderr).toBe(0);
    createdAmi = out.json as string;
    images.push(createdAmi);
    const image = await eventually(async () => {
      const i = await describeImage(createdAmi);
      return i.State === 'available' ? i : undefined;
    }, 'created image available');
    expect(image).toMatchObject({
      Name: `${prefix}-made`,
      Description: 'made by CreateImage',
      RootDeviceType: 'ebs',
      Tags: [{ Key: 'purpose', Value: 'it' }],
    });
    const snapshotId = image.BlockDeviceMappings?.find((b) => b.Ebs?.SnapshotId)?.Ebs?.SnapshotId;
    expect(snapshotId).toMatch(/^snap-/);

    // Glance holds Nova's volume-backed snapshot image; Nova stopped and started the server around it.
    const inGlance = (await listImages(glance, { name: `${prefix}-made` }))[0]!;
    expect(inGlance).toMatchObject({ status: 'active', bdm_v2: 'True', description: 'made by CreateImage' });
    expect(await actionsOfImagedServer(String(inGlance['block_device_mapping']))).toEqual(expect.arrayContaining(['stop', 'createImage', 'start']));
    expect((await running(firstInstance)).State?.Name).toBe('running');

    const second = await launch(createdAmi);
    expect(await running(second)).toMatchObject({ ImageId: createdAmi, RootDeviceType: 'ebs' });
  });

  it('makes the new AMI public for the second project and private again (JS SDK)', async () => {
    await demo.send(new ModifyImageAttributeCommand({ ImageId: createdAmi, LaunchPermission: { Add: [{ Group: 'all' }] } }));
    const inGlance = (await listImages(glance, { name: `${prefix}-made` }))[0]!;
    expect(inGlance.visibility).toBe('community');
    const seen = (await alt.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: [`${prefix}-made`] }] }))).Images!;
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ Public: true, RootDeviceType: 'ebs' });
    const altId = seen[0]!.ImageId!;

    await demo.send(new ModifyImageAttributeCommand({ ImageId: createdAmi, LaunchPermission: { Remove: [{ Group: 'all' }] } }));
    expect((await getImage(glance, inGlance.id)).visibility).not.toMatch(/public|community/);
    expect((await alt.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: [`${prefix}-made`] }] }))).Images).toEqual([]);
    expect(await errorOf(alt.send(new DescribeImagesCommand({ ImageIds: [altId] })))).toBe('InvalidAMIID.NotFound');
  });

  it('images an instance-store instance without reboot; Glance records the snapshot of the server', async () => {
    const instanceId = await launch(cirrosAmi);
    await running(instanceId);
    const out = awsCli(['create-image', '--instance-id', instanceId, '--name', `${prefix}-store`, '--no-reboot']);
    expect(out.status, out.stderr).toBe(0);
    const imageId = (out.json as { ImageId: string }).ImageId;
    images.push(imageId);
    const image = await describeImage(imageId);
    expect(image).toMatchObject({ RootDeviceType: 'instance-store', ImageType: 'machine' });
    expect(['pending', 'available']).toContain(image.State);
    const inGlance = (await listImages(glance, { name: `${prefix}-store` }))[0]!;
    expect(inGlance['image_type']).toBe('snapshot');
    expect(inGlance['instance_uuid']).toBeTruthy();
    expect(await errorOf(demo.send(new CreateImageCommand({ InstanceId: instanceId, Name: `${prefix}-store` })))).toBe('InvalidAMIName.Duplicate');
    expect(await errorOf(demo.send(new CreateImageCommand({ InstanceId: 'i-0123456789abcdef0', Name: `${prefix}-none` })))).toBe('InvalidInstanceID.NotFound');
    expect(await errorOf(demo.send(new CreateImageCommand({ InstanceId: instanceId, Name: 'x' })))).toBe('InvalidAMIName.Malformed');
    expect(await errorOf(alt.send(new CreateImageCommand({ InstanceId: instanceId, Name: `${prefix}-alt` })))).toBe('InvalidInstanceID.NotFound');
  });

  it('deregisters the AMIs: Glance deletes them, their ids are gone', async () => {
    for (const id of [createdAmi, ebsAmi]) {
      const uuid = (await listImages(glance, { name: id === createdAmi ? `${prefix}-made` : `${prefix}-base` }))[0]!.id;
      await demo.send(new DeregisterImageCommand({ ImageId: id }));
      expect(await imageIfVisible(glance, uuid)).toBeUndefined();
      expect(await errorOf(demo.send(new DescribeImagesCommand({ ImageIds: [id] })))).toBe('InvalidAMIID.NotFound');
    }
  });
});
