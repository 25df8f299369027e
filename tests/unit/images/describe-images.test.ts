import { describe as suite, expect, it } from 'vitest';
import { describe } from '../../../lib/describe/engine.js';
import { type GlanceImage, type GlanceMember, type ListParams } from '../../../lib/openstack/glance.js';
import { ec2IdFor } from '../../../lib/store/ids.js';
import type { Image } from '../../../schemas/types.js';
import { imageDescriptor, isoDate, scopeFilters, type DescribeScope } from '../../../functions/images/image-resource.js';
import { glanceClient, type GlanceFake } from './glance-client.js';
import { fakeContext } from '../support/context.js';

const ME = 'project-1';
const OTHER = 'project-2';

function image(id: string, fields: Partial<GlanceImage> = {}): GlanceImage {
  return {
    id,
    name: id,
    status: 'active',
    visibility: 'private',
    owner: ME,
    disk_format: 'raw',
    container_format: 'bare',
    size: 1024,
    created_at: '2024-05-06T07:08:09Z',
    os_hidden: false,
    ...fields,
  };
}

/** Glance as a project member sees it: the given images, filtered by the few params we send. */
class FakeGlance implements GlanceFake {
  calls: ListParams[] = [];
  gets: string[] = [];
  constructor(
    private readonly images: GlanceImage[],
    private readonly membersByImage: Record<string, string[]> = {},
  ) {}

  async list(params: ListParams = {}) {
    this.calls.push(params);
    const inList = (v: unknown) =>
      String(v).replace(/^(in|eq):/, '').split(',').map((s) => s.replace(/^"|"$/g, ''));
    return this.images.filter(
      (i) =>
        Boolean(i.os_hidden) === Boolean(params['os_hidden']) &&
        (!params['id'] || inList(params['id']).includes(i.id)) &&
        (!params['name'] || inList(params['name']).includes(i.name ?? '')) &&
        (!params['status'] || inList(params['status']).includes(i.status)) &&
        (!params['owner'] || i.owner === params['owner']),
    );
  }

  async find(id: string) {
    this.gets.push(id);
    return this.images.find((i) => i.id === id);
  }

  async members(id: string): Promise<GlanceMember[]> {
    return (this.membersByImage[id] ?? []).map((m) => ({ image_id: id, member_id: m, status: 'pending' }));
  }
}

async function run(glance: FakeGlance, request: { ids?: string[]; filters?: Array<{ Name: string; Values: string[] }> } = {}, scope: DescribeScope = {}, ctx = fakeContext()) {
  const filters = [...(request.filters ?? []), ...scopeFilters(scope, ctx.store.projectId)];
  const result = await describe(ctx, 'DescribeImages', imageDescriptor(glanceClient(glance), scope), { ids: request.ids, filters });
  return { ctx, images: result.items };
}

const byName = (images: Image[]) => Object.fromEntries(images.map((i) => [i.Name, i]));

suite('DescribeImages', () => {
  it('names machine, kernel and ramdisk images ami-, aki- and ari-', async () => {
    const glance = new FakeGlance([
      image('m'),
      image('k', { disk_format: 'aki', container_format: 'aki' }),
      image('r', { disk_format: 'ari', container_format: 'ari' }),
    ]);
    const { images } = await run(glance);
    const found = byName(images);
    expect(found['m']).toMatchObject({ ImageType: 'machine', ImageId: expect.stringMatching(/^ami-[0-9a-f]{17}$/) });
    expect(found['k']).toMatchObject({ ImageType: 'kernel', ImageId: expect.stringMatching(/^aki-/) });
    expect(found['r']).toMatchObject({ ImageType: 'ramdisk', ImageId: expect.stringMatching(/^ari-/) });
  });

  it('maps Glance statuses and fields to EC2 ones', async () => {
    const glance = new FakeGlance([
      image('queued', { status: 'queued' }),
      image('importing', { status: 'importing' }),
      image('killed', { status: 'killed' }),
      image('arm', { architecture: 'aarch64', description: 'an arm image', os_type: 'windows', visibility: 'community' }),
    ]);
    const found = byName((await run(glance)).images);
    expect(found['queued']!.State).toBe('pending');
    expect(found['importing']!.State).toBe('pending');
    expect(found['killed']).toMatchObject({ State: 'failed', StateReason: { Code: expect.any(String) } });
    expect(found['queued']).toMatchObject({
      Architecture: 'x86_64',
      Public: false,
      OwnerId: ME,
      CreationDate: '2024-05-06T07:08:09.000Z',
      RootDeviceType: 'instance-store',
      RootDeviceName: '/dev/sda1',
      VirtualizationType: 'hvm',
      PlatformDetails: 'Linux/UNIX',
    });
    expect(found['arm']).toMatchObject({ Architecture: 'arm64', Description: 'an arm image', Public: true, Platform: 'windows', PlatformDetails: 'Windows' });
  });

  it('shows a volume-backed snapshot image as EBS, with snap- ids', async () => {
    const bdm = [
      { boot_index: 0, source_type: 'snapshot', destination_type: 'volume', snapshot_id: 'snap-uuid-1', device_name: '/dev/vda', volume_size: 2, delete_on_termination: true },
      { source_type: 'blank', destination_type: 'local', device_name: '/dev/vdb', guest_format: 'ext4' },
    ];
    const glance = new FakeGlance([
      image('ebs', { size: 0, bdm_v2: 'True', root_device_name: '/dev/vda', block_device_mapping: JSON.stringify(bdm) }),
    ]);
    const { ctx, images } = await run(glance);
    const snapId = await ec2IdFor(ctx.store, 'snapshot', 'snap-uuid-1');
    expect(images[0]).toMatchObject({
      RootDeviceType: 'ebs',
      RootDeviceName: '/dev/vda',
      BlockDeviceMappings: [
        { DeviceName: '/dev/vda', Ebs: { SnapshotId: snapId, VolumeSize: 2, DeleteOnTermination: true, Encrypted: false } },
        { DeviceName: '/dev/vdb', VirtualName: 'ephemeral0' },
      ],
    });
    const filtered = await run(glance, { filters: [{ Name: 'block-device-mapping.snapshot-id', Values: [snapId] }] }, {}, ctx);
    expect(filtered.images).toHaveLength(1);
    const none = await run(glance, { filters: [{ Name: 'root-device-type', Values: ['instance-store'] }] }, {}, ctx);
    expect(none.images).toHaveLength(0);
  });

  it('gives kernel and ramdisk references the ids their images have', async () => {
    const glance = new FakeGlance([
      image('m', { kernel_id: 'k', ramdisk_id: 'r' }),
      image('k', { disk_format: 'aki', container_format: 'aki' }),
      image('r', { disk_format: 'ari', container_format: 'ari' }),
    ]);
    const found = byName((await run(glance)).images);
    expect(found['m']!.KernelId).toBe(found['k']!.ImageId);
    expect(found['m']!.RamdiskId).toBe(found['r']!.ImageId);
  });

  it('answers Owner and ExecutableBy like EC2', async () => {
    const glance = new FakeGlance(
      [
        image('mine-private'),
        image('mine-shared', { visibility: 'shared' }),
        image('theirs-public', { owner: OTHER, visibility: 'public' }),
        image('theirs-community', { owner: OTHER, visibility: 'community' }),
        image('shared-with-me', { owner: OTHER, visibility: 'shared' }),
      ],
      { 'mine-shared': ['project-9'] },
    );
    const names = async (scope: DescribeScope) => (await run(glance, {}, scope)).images.map((i) => i.Name).sort();
    expect(await names({ owners: ['self'] })).toEqual(['mine-private', 'mine-shared']);
    expect(await names({ owners: [OTHER] })).toEqual(['shared-with-me', 'theirs-community', 'theirs-public']);
    expect(await names({ owners: ['amazon'] })).toEqual([]);
    expect(await names({ executableBy: ['all'] })).toEqual(['theirs-community', 'theirs-public']);
    expect(await names({ executableBy: ['self'] })).toEqual(['mine-private', 'mine-shared', 'shared-with-me']);
    expect(await names({ executableBy: ['project-9'] })).toEqual(['mine-shared']);
    expect(await names({ owners: ['self'], executableBy: ['all'] })).toEqual([]);
  });

  it('pushes exact filters down to Glance and skips Glance for unknown ids', async () => {
    const glance = new FakeGlance([image('a'), image('b', { status: 'queued' })]);
    const byFilter = await run(glance, { filters: [{ Name: 'name', Values: ['a'] }, { Name: 'state', Values: ['available'] }] });
    expect(byFilter.images.map((i) => i.Name)).toEqual(['a']);
    expect(glance.calls[0]).toMatchObject({ name: 'eq:a', status: 'in:active', visibility: 'all', member_status: 'all' });

    glance.calls = [];
    const wild = await run(glance, { filters: [{ Name: 'name', Values: ['*'] }] });
    expect(wild.images).toHaveLength(2);
    expect(glance.calls[0]!['name']).toBeUndefined();

    glance.calls = [];
    const unknown = await run(glance, { filters: [{ Name: 'image-id', Values: ['ami-0123456789abcdef0'] }] });
    expect(unknown.images).toEqual([]);
    expect(glance.calls).toEqual([]);
  });

  it('reads images by id with one GET each and answers NotFound for ids it does not show', async () => {
    const glance = new FakeGlance([image('a'), image('gone')]);
    const { ctx, images } = await run(glance);
    const idA = images.find((i) => i.Name === 'a')!.ImageId!;
    const idGone = images.find((i) => i.Name === 'gone')!.ImageId!;
    glance.gets = [];
    const one = await run(glance, { ids: [idA] }, {}, ctx);
    expect(one.images.map((i) => i.Name)).toEqual(['a']);
    expect(glance.gets).toHaveLength(1);
    (glance as unknown as { images: GlanceImage[] }).images.pop();
    await expect(run(glance, { ids: [idA, idGone] }, {}, ctx)).rejects.toMatchObject({ code: 'InvalidAMIID.NotFound' });
    await expect(run(glance, { ids: ['ami-nothex'] }, {}, ctx)).rejects.toMatchObject({ code: 'InvalidAMIID.Malformed' });
  });

  it('leaves hidden (deprecated) images out unless asked for or owned', async () => {
    const glance = new FakeGlance([image('old-mine', { os_hidden: true }), image('old-theirs', { os_hidden: true, owner: OTHER, visibility: 'public' })]);
    expect((await run(glance)).images.map((i) => i.Name)).toEqual(['old-mine']);
    expect((await run(glance, {}, { includeDeprecated: true })).images.map((i) => i.Name).sort()).toEqual(['old-mine', 'old-theirs']);
  });

  it('does not show an admin other projects private images', async () => {
    const glance = new FakeGlance([image('theirs', { owner: OTHER }), image('theirs-shared', { owner: OTHER, visibility: 'shared' })]);
    const ctx = fakeContext();
    ctx.caller.roles = ['admin'];
    expect((await run(glance, {}, {}, ctx)).images).toEqual([]);
  });

  it('formats creation dates as AWS does', () => {
    expect(isoDate('2024-05-06T07:08:09Z')).toBe('2024-05-06T07:08:09.000Z');
    expect(isoDate('2024-05-06T07:08:09')).toBe('2024-05-06T07:08:09.000Z');
  });
});
