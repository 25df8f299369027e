/**
 * Images end to end against the running endpoint and the real Glance: images made in Glance
 * directly appear as AMIs/AKIs with filters answered through aws cli v2, boto3 and
 * @aws-sdk/client-ec2; launch permissions move the image between Glance visibilities and members
 * and the second project sees it or not; descriptions, copies, registration from snapshots and
 * from URLs, deregistration; EC2's errors for unknown, malformed and foreign ids and for invalid
 * attribute combinations. Glance is checked directly at each step.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import {
  CopyImageCommand,
  CreateTagsCommand,
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  ModifyImageAttributeCommand,
  RegisterImageCommand,
  ResetImageAttributeCommand,
  type Image,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImage, deleteImage, imageIfVisible, getImage, type GlanceImage, listImages, listMembers, uploadImage } from '../../lib/openstack/glance.js';
import type { ServiceClient } from '../../lib/openstack/http.js';
import { awsCli, boto3, ec2Client } from './support/clients.js';
import { fixtures, uniqueName } from './support/env.js';
import { eventually, openstackAs } from './support/openstack.js';

const demo = ec2Client('demo');
const alt = ec2Client('alt');
const prefix = uniqueName('it-img');
const made: string[] = []; // Glance UUIDs to delete afterwards
let glance: ServiceClient; // as demo
let altProject: string;
let demoProject: string;

async function glanceImage(body: Record<string, unknown>, data?: Buffer): Promise<GlanceImage> {
  const image = await createImage(glance, { visibility: 'private', disk_format: 'raw', container_format: 'bare', ...body });
  made.push(image.id);
  if (data) await uploadImage(glance, image.id, data);
  return image;
}

async function describeByName(client: typeof demo, name: string): Promise<Image[]> {
  return (await client.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: [name] }] }))).Images ?? [];
}

async function errorOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { name: string }).name;
  }
  return 'no error';
}

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');
const data = randomBytes(64 * 1024);
let machine: GlanceImage;
let kernel: GlanceImage;
let amiId: string;
let akiId: string;

beforeAll(async () => {
  const f = fixtures();
  demoProject = f.projects['demo']!.projectId;
  altProject = f.projects['alt']!.projectId;
  glance = (await openstackAs('demo')).glance;
  kernel = await glanceImage({ name: `${prefix}-kernel`, disk_format: 'aki', container_format: 'aki' }, randomBytes(1024));
  machine = await glanceImage(
    { name: `${prefix}-machine`, architecture: 'aarch64', description: 'made in Glance', kernel_id: kernel.id, os_distro: 'cirros' },
    data,
  );
  const listed = await describeByName(demo, `${prefix}-*`);
  amiId = listed.find((i) => i.Name === `${prefix}-machine`)!.ImageId!;
  akiId = listed.find((i) => i.Name === `${prefix}-kernel`)!.ImageId!;
});

afterAll(async () => {
  // Everything this run made, including what a failed step left behind.
  const mine = (await listImages(glance, { owner: demoProject })).filter((i) => i.name?.startsWith(prefix)).map((i) => i.id);
  for (const id of new Set([...made, ...mine])) await deleteImage(glance, id).catch(() => undefined);
});

describe('DescribeImages', () => {
  it('shows images made in Glance as AMIs and AKIs with their fields (aws cli)', async () => {
    const out = awsCli(['describe-images', '--owners', 'self', '--filters', `Name=name,Values=${prefix}-*`]);
    expect(out.status, out.stderr).toBe(0);
    const images = (out.json as { Images: Image[] }).Images;
    const byName = Object.fromEntries(images.map((i) => [i.Name, i]));
    expect(byName[`${prefix}-machine`]).toMatchObject({
      ImageId: amiId,
      ImageType: 'machine',
      Architecture: 'arm64',
      Description: 'made in Glance',
      OwnerId: demoProject,
      Public: false,
      State: 'available',
      KernelId: akiId,
      RootDeviceType: 'instance-store',
      VirtualizationType: 'hvm',
      PlatformDetails: 'Linux/UNIX',
    });
    expect(amiId).toMatch(/^ami-[0-9a-f]{17}$/);
    expect(byName[`${prefix}-kernel`]).toMatchObject({ ImageId: akiId, ImageType: 'kernel' });
    expect(akiId).toMatch(/^aki-[0-9a-f]{17}$/);
  });

  it('answers filters, Owner and ExecutableBy (boto3)', () => {
    const out = boto3(`
def names(**kw):
    return sorted(i['Name'] for i in ec2.describe_images(**kw)['Images'])
p = ${JSON.stringify(prefix)}
print(json.dumps({
  'kernel': names(Filters=[{'Name': 'image-type', 'Values': ['kernel']}, {'Name': 'name', 'Values': [p + '-*']}]),
  'arm': names(Filters=[{'Name': 'architecture', 'Values': ['arm64']}, {'Name': 'name', 'Values': [p + '-*']}]),
  'kernelRef': names(Filters=[{'Name': 'kernel-id', 'Values': [${JSON.stringify(akiId)}]}]),
  'public': names(ExecutableUsers=['all'], Filters=[{'Name': 'name', 'Values': ['${fixtures().imageName}']}]),
  'amazon': names(Owners=['amazon']),
  'selfNotPublic': names(Owners=['self'], Filters=[{'Name': 'is-public', 'Values': ['false']}, {'Name': 'name', 'Values': [p + '-*']}]),
  'state': names(Filters=[{'Name': 'state', 'Values': ['available']}, {'Name': 'name', 'Values': [p + '-machine']}]),
  'pendingOnly': names(Filters=[{'Name': 'state', 'Values': ['pending']}, {'Name': 'name', 'Values': [p + '-machine']}]),
}))
`);
    expect(out.status, out.stderr).toBe(0);
    expect(out.json).toEqual({
      kernel: [`${prefix}-kernel`],
      arm: [`${prefix}-machine`],
      kernelRef: [`${prefix}-machine`],
      public: [fixtures().imageName],
      amazon: [],
      selfNotPublic: [`${prefix}-kernel`, `${prefix}-machine`],
      state: [`${prefix}-machine`],
      pendingOnly: [],
    });
  });

  it('refuses unknown filters and answers EC2 errors for unknown and malformed ids (JS SDK)', async () => {
    expect(await errorOf(demo.send(new DescribeImagesCommand({ Filters: [{ Name: 'flavour', Values: ['x'] }] })))).toBe('InvalidParameterValue');
    expect(await errorOf(demo.send(new DescribeImagesCommand({ ImageIds: ['ami-0123456789abcdef0'] })))).toBe('InvalidAMIID.NotFound');
    expect(await errorOf(demo.send(new DescribeImagesCommand({ ImageIds: ['ami-nothex'] })))).toBe('InvalidAMIID.Malformed');
    const byId = await demo.send(new DescribeImagesCommand({ ImageIds: [amiId, akiId] }));
    expect(byId.Images?.map((i) => i.ImageId).sort()).toEqual([akiId, amiId].sort());
  });

  it('keeps another project\'s private image from the second project', async () => {
    expect(await describeByName(alt, `${prefix}-machine`)).toEqual([]);
    expect(await errorOf(alt.send(new DescribeImagesCommand({ ImageIds: [amiId] })))).toBe('InvalidAMIID.NotFound');
    expect(await errorOf(alt.send(new DescribeImageAttributeCommand({ ImageId: amiId, Attribute: 'description' })))).toBe('InvalidAMIID.NotFound');
  });
});

describe('image attributes and launch permissions', () => {
  it('makes an image public (community), shares it with an account, and private again', async () => {
    await demo.send(new ModifyImageAttributeCommand({ ImageId: amiId, LaunchPermission: { Add: [{ Group: 'all' }] } }));
    expect((await getImage(glance, machine.id)).visibility).toBe('community');
    const seen = await describeByName(alt, `${prefix}-machine`);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ Public: true, OwnerId: demoProject });
    const altId = seen[0]!.ImageId!;
    // Ids are per project: the second project has its own id for the same image.
    expect(altId).not.toBe(amiId);
    expect((await alt.send(new DescribeImagesCommand({ ExecutableUsers: ['all'], ImageIds: [altId] }))).Images).toHaveLength(1);
    expect(await errorOf(alt.send(new ModifyImageAttributeCommand({ ImageId: altId, Description: { Value: 'mine now' } })))).toBe('AuthFailure');

    // An account's permission waits in the table while the image is public, and becomes a member after.
    const add = awsCli(['modify-image-attribute', '--image-id', amiId, '--launch-permission', `Add=[{UserId=${altProject}}]`]);
    expect(add.status, add.stderr).toBe(0);
    const attr = await demo.send(new DescribeImageAttributeCommand({ ImageId: amiId, Attribute: 'launchPermission' }));
    expect(attr.LaunchPermissions).toEqual(expect.arrayContaining([{ Group: 'all' }, { UserId: altProject }]));

    const remove = awsCli(['modify-image-attribute', '--image-id', amiId, '--attribute', 'launchPermission', '--operation-type', 'remove', '--user-groups', 'all']);
    expect(remove.status, remove.stderr).toBe(0);
    expect((await getImage(glance, machine.id)).visibility).toBe('shared');
    expect((await listMembers(glance, machine.id)).map((m) => m.member_id)).toEqual([altProject]);
    const shared = await describeByName(alt, `${prefix}-machine`);
    expect(shared.map((i) => [i.ImageId, i.Public])).toEqual([[altId, false]]);
    const executable = await alt.send(new DescribeImagesCommand({ ExecutableUsers: ['self'], ImageIds: [altId] }));
    expect(executable.Images).toHaveLength(1);

    await demo.send(new ModifyImageAttributeCommand({ ImageId: amiId, LaunchPermission: { Remove: [{ UserId: altProject }] } }));
    expect(await listMembers(glance, machine.id)).toEqual([]);
    expect(await describeByName(alt, `${prefix}-machine`)).toEqual([]);
    expect(await errorOf(alt.send(new DescribeImagesCommand({ ImageIds: [altId] })))).toBe('InvalidAMIID.NotFound');

    await demo.send(new ModifyImageAttributeCommand({ ImageId: amiId, LaunchPermission: { Add: [{ Group: 'all' }, { UserId: altProject }] } }));
    await demo.send(new ResetImageAttributeCommand({ ImageId: amiId, Attribute: 'launchPermission' }));
    expect((await getImage(glance, machine.id)).visibility).toBe('private');
    expect((await demo.send(new DescribeImageAttributeCommand({ ImageId: amiId, Attribute: 'launchPermission' }))).LaunchPermissions).toEqual([]);
    expect(await describeByName(alt, `${prefix}-machine`)).toEqual([]);
  });

  it('changes and describes the description, kernel and mapping attributes', async () => {
    const out = awsCli(['modify-image-attribute', '--image-id', amiId, '--description', 'Value=changed through EC2']);
    expect(out.status, out.stderr).toBe(0);
    expect((await getImage(glance, machine.id))['description']).toBe('changed through EC2');
    const described = boto3(`print(json.dumps([ec2.describe_image_attribute(ImageId=${JSON.stringify(amiId)}, Attribute=a) for a in ['description', 'kernel', 'blockDeviceMapping', 'productCodes']], default=str))`);
    expect(described.status, described.stderr).toBe(0);
    const [description, kernelAttr, mapping, codes] = described.json as Array<Record<string, unknown>>;
    expect(description!['Description']).toEqual({ Value: 'changed through EC2' });
    expect(kernelAttr!['KernelId']).toEqual({ Value: akiId });
    expect(mapping!['BlockDeviceMappings']).toEqual([]);
    expect(codes!['ProductCodes']).toEqual([]);
  });

  it('refuses invalid attribute combinations with EC2 errors', async () => {
    const modify = (input: Record<string, unknown>) => errorOf(demo.send(new ModifyImageAttributeCommand({ ImageId: amiId, ...input })));
    expect(await modify({ Description: { Value: 'x' }, LaunchPermission: { Add: [{ Group: 'all' }] } })).toBe('InvalidParameterCombination');
    expect(await modify({ Attribute: 'kernel', Value: akiId })).toBe('InvalidParameterValue');
    expect(await modify({ ProductCodes: ['abcdefgh'] })).toBe('UnsupportedOperation');
    expect(await modify({ LaunchPermission: { Add: [{ Group: 'all' }], Remove: [{ Group: 'all' }] } })).toBe('InvalidParameterCombination');
    expect(await modify({ LaunchPermission: { Add: [{ UserId: 'not an account' }] } })).toBe('InvalidAMIAttributeItemValue');
    expect(await modify({ Attribute: 'launchPermission', UserIds: [altProject] })).toBe('MissingParameter');
    expect(await modify({})).toBe('InvalidParameterCombination');
    const cirros = (await describeByName(demo, fixtures().imageName))[0]!.ImageId!;
    expect(await errorOf(demo.send(new DescribeImageAttributeCommand({ ImageId: cirros, Attribute: 'launchPermission' })))).toBe('AuthFailure');
    expect((await getImage(glance, machine.id)).visibility).toBe('private');
  });
});

describe('CopyImage, RegisterImage, DeregisterImage', () => {
  it('copies an image with its data, properties and (on request) tags', async () => {
    await demo.send(new CreateTagsCommand({ Resources: [amiId], Tags: [{ Key: 'team', Value: 'images' }] }));
    const copy = await demo.send(
      new CopyImageCommand({ SourceImageId: amiId, SourceRegion: fixtures().region, Name: `${prefix}-copy`, CopyImageTags: true, ClientToken: `${prefix}-token` }),
    );
    const again = await demo.send(
      new CopyImageCommand({ SourceImageId: amiId, SourceRegion: fixtures().region, Name: `${prefix}-copy`, CopyImageTags: true, ClientToken: `${prefix}-token` }),
    );
    expect(again.ImageId).toBe(copy.ImageId);
    const [image] = (await demo.send(new DescribeImagesCommand({ ImageIds: [copy.ImageId!] }))).Images!;
    expect(image).toMatchObject({ Name: `${prefix}-copy`, State: 'available', Architecture: 'arm64', KernelId: akiId, Tags: [{ Key: 'team', Value: 'images' }] });
    const copied = (await listImages(glance, { name: `${prefix}-copy` }))[0]!;
    made.push(copied.id);
    expect(copied).toMatchObject({ checksum: md5(data), size: data.length, owner: demoProject, ec2_copied_from: machine.id });
    expect(await errorOf(demo.send(new CopyImageCommand({ SourceImageId: amiId, SourceRegion: 'elsewhere-1', Name: `${prefix}-x` })))).toBe('InvalidParameterValue');
    expect(await errorOf(demo.send(new CopyImageCommand({ SourceImageId: amiId, SourceRegion: fixtures().region, Name: `${prefix}-copy` })))).toBe('InvalidAMIName.Duplicate');
  });

  it('registers an EBS-backed image over a volume snapshot', async () => {
    const zone = 'nova';
    const volume = awsCli(['create-volume', '--size', '1', '--availability-zone', zone]);
    expect(volume.status, volume.stderr).toBe(0);
    const volumeId = (volume.json as { VolumeId: string }).VolumeId;
    try {
      await eventually(async () => {
        const v = awsCli(['describe-volumes', '--volume-ids', volumeId]).json as { Volumes: Array<{ State: string }> };
        return v.Volumes[0]?.State === 'available' ? true : undefined;
      }, 'volume available');
      const snap = awsCli(['create-snapshot', '--volume-id', volumeId]);
      expect(snap.status, snap.stderr).toBe(0);
      const snapshotId = (snap.json as { SnapshotId: string }).SnapshotId;
      await eventually(async () => {
        const s = awsCli(['describe-snapshots', '--snapshot-ids', snapshotId]).json as { Snapshots: Array<{ State: string }> };
        return s.Snapshots[0]?.State === 'completed' ? true : undefined;
      }, 'snapshot completed');

      const registered = await demo.send(
        new RegisterImageCommand({
          Name: `${prefix}-ebs`,
          RootDeviceName: '/dev/sda1',
          Architecture: 'x86_64',
          BlockDeviceMappings: [
            { DeviceName: '/dev/sda1', Ebs: { SnapshotId: snapshotId, DeleteOnTermination: true } },
            { DeviceName: '/dev/sdb', VirtualName: 'ephemeral0' },
          ],
        }),
      );
      const [image] = (await demo.send(new DescribeImagesCommand({ ImageIds: [registered.ImageId!] }))).Images!;
      expect(image).toMatchObject({
        State: 'available',
        RootDeviceType: 'ebs',
        RootDeviceName: '/dev/sda1',
        BlockDeviceMappings: [
          { DeviceName: '/dev/sda1', Ebs: { SnapshotId: snapshotId, VolumeSize: 1, DeleteOnTermination: true, Encrypted: false } },
          { DeviceName: '/dev/sdb', VirtualName: 'ephemeral0' },
        ],
      });
      const inGlance = (await listImages(glance, { name: `${prefix}-ebs` }))[0]!;
      made.push(inGlance.id);
      expect(inGlance['bdm_v2']).toBe('True');
      expect(JSON.parse(String(inGlance['block_device_mapping']))[0]).toMatchObject({ boot_index: 0, source_type: 'snapshot', destination_type: 'volume' });
      const bySnapshot = awsCli(['describe-images', '--filters', `Name=block-device-mapping.snapshot-id,Values=${snapshotId}`]);
      expect((bySnapshot.json as { Images: Image[] }).Images.map((i) => i.ImageId)).toEqual([registered.ImageId]);

      expect(
        await errorOf(demo.send(new RegisterImageCommand({ Name: `${prefix}-bad`, RootDeviceName: '/dev/sda1', BlockDeviceMappings: [{ DeviceName: '/dev/sdb', Ebs: { SnapshotId: snapshotId } }] }))),
      ).toBe('InvalidBlockDeviceMapping');
      expect(
        await errorOf(demo.send(new RegisterImageCommand({ Name: `${prefix}-bad`, RootDeviceName: '/dev/sda1', BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { SnapshotId: 'snap-0123456789abcdef0' } }] }))),
      ).toBe('InvalidSnapshot.NotFound');
      await demo.send(new DeregisterImageCommand({ ImageId: registered.ImageId! }));
      awsCli(['delete-snapshot', '--snapshot-id', snapshotId]);
    } finally {
      await eventually(async () => (awsCli(['delete-volume', '--volume-id', volumeId]).status === 0 ? true : undefined), 'volume deleted', 60_000, 2000).catch(() => undefined);
    }
  });

  it('registers from an http URL through Glance web-download', async () => {
    // Glance's import filtering allows ports 80/443 only, and loopback because the local stack
    // lists 127.0.0.1 in [import_filtering_opts] allowed_hosts.
    const server: Server = createServer((req, res) => {
      // Glance's web-download reads the size from Content-Length, as static file servers send it.
      if (req.url === '/disk.img') res.writeHead(200, { 'content-length': data.length }).end(data);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(80, '127.0.0.1', () => resolve());
    });
    try {
      const { ImageId } = await demo.send(new RegisterImageCommand({ Name: `${prefix}-url`, ImageLocation: 'http://127.0.0.1/disk.img' }));
      made.push(...(await listImages(glance, { name: `${prefix}-url` })).map((i) => i.id));
      const image = await eventually(async () => {
        const [i] = (await demo.send(new DescribeImagesCommand({ ImageIds: [ImageId!] }))).Images!;
        return i?.State === 'available' ? i : undefined;
      }, 'web-download import');
      expect(image.ImageLocation).toBe('http://127.0.0.1/disk.img');
      const [inGlance] = await listImages(glance, { name: `${prefix}-url` });
      expect(inGlance!.checksum).toBe(md5(data));
    } finally {
      server.close();
    }
  });

  it('refuses a URL Glance will not import from, leaving nothing behind', async () => {
    const error = await demo
      .send(new RegisterImageCommand({ Name: `${prefix}-badurl`, ImageLocation: 'http://127.0.0.1:9/disk.img' }))
      .then(() => undefined)
      .catch((e: { name: string; message: string }) => e);
    expect(error?.name).toBe('InvalidParameterValue');
    expect(await listImages(glance, { name: `${prefix}-badurl` })).toEqual([]);
  });

  it('deregisters: DryRun leaves the image, then Glance deletes it and the id is gone', async () => {
    const extra = await glanceImage({ name: `${prefix}-doomed` }, randomBytes(512));
    const [found] = await describeByName(demo, `${prefix}-doomed`);
    const id = found!.ImageId!;
    expect(await errorOf(demo.send(new DeregisterImageCommand({ ImageId: id, DryRun: true })))).toBe('DryRunOperation');
    expect((await getImage(glance, extra.id)).status).toBe('active');
    expect(await errorOf(alt.send(new DeregisterImageCommand({ ImageId: id })))).toBe('InvalidAMIID.NotFound');
    const out = awsCli(['deregister-image', '--image-id', id]);
    expect(out.status, out.stderr).toBe(0);
    expect(await imageIfVisible(glance, extra.id)).toBeUndefined();
    expect(await errorOf(demo.send(new DescribeImagesCommand({ ImageIds: [id] })))).toBe('InvalidAMIID.NotFound');
    expect(await errorOf(demo.send(new DeregisterImageCommand({ ImageId: id })))).toBe('InvalidAMIID.NotFound');
  });
});
