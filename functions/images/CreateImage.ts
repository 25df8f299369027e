/**
 * CreateImage: Nova's createImage of the instance's server. For a server booted from a volume,
 * Nova snapshots its volumes and records them as the image's block device mapping (an EBS-backed
 * AMI); otherwise the hypervisor uploads the disk (an instance-store AMI, pending until the upload
 * ends). Without NoReboot a running instance is stopped for the snapshot and started again.
 * BlockDeviceMapping entries change the mapping Nova recorded (sizes, extra volumes, NoDevice).
 */
import { action, type Input } from '../../lib/family.js';
import type { ActionContext } from '../../lib/context.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { imageIfVisible, type GlanceImage, updateImage } from '../../lib/openstack/glance.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ID_PREFIXES, ec2IdsFor, recordMapping, requireUuid } from '../../lib/store/ids.js';
import { putTags } from '../../lib/store/tags.js';
import { imageMappingProperties, mergeBdms, snapshotUuids, toNovaBdm } from './bdm-input.js';
import { checkDescription, checkImageName, checkNameFree, tagsFromSpecs } from './image-names.js';
import { ec2MappingsOf, novaBdmOf } from '../../lib/domain/images/image-model.js';
import { glanceOf } from './image-resource.js';
import { serverOf, snapshotServer, snapshotWithReboot, type ServerInfo } from './server-images.js';
import { waitFor } from '../../lib/wait.js';


/** Checks shared by DryRun and the real request, done once per request. */
const prepared = new WeakMap<ActionContext, ReturnType<typeof checkRequest>>();
function prepare(input: Input<'CreateImage'>, ctx: ActionContext) {
  let found = prepared.get(ctx);
  if (!found) prepared.set(ctx, (found = checkRequest(input, ctx)));
  return found;
}

async function checkRequest(input: Input<'CreateImage'>, ctx: ActionContext) {
  const name = checkImageName(input.Name);
  checkDescription(input.Description);
  const tags = tagsFromSpecs(input.TagSpecifications, ['image', 'snapshot']);
  const uuid = await requireUuid(ctx.store, input.InstanceId, ID_PREFIXES.instance, ID_ERRORS.instance);
  const server = await serverOf(ctx.openstack.nova, uuid, input.InstanceId);
  if (server.status !== 'ACTIVE' && server.status !== 'SHUTOFF') {
    throw new Ec2Error(
      'IncorrectInstanceState',
      `The instance '${input.InstanceId}' is not in a state from which it can be imaged (${server.status.toLowerCase()}).`,
    );
  }
  const snapshots = await snapshotUuids(ctx, input.BlockDeviceMappings ?? []);
  const requested = (input.BlockDeviceMappings ?? []).map((m) => toNovaBdm(m, snapshots, undefined));
  await checkNameFree(ctx, glanceOf(ctx), name);
  return { name, tags, uuid, server, requested };
}

/** The image as Nova made it: volume-backed ones get their mapping at once; give it a moment. */
async function madeImage(ctx: ActionContext, imageUuid: string): Promise<GlanceImage | undefined> {
  const glance = glanceOf(ctx);
  return waitFor(() => imageIfVisible(glance, imageUuid), { timeoutMs: 3000, intervalMs: 300 });
}

export default action(
  'CreateImage',
  async (input, ctx) => {
    const { name, tags, server, requested } = await prepare(input, ctx);
    const metadata: Record<string, string> = {};
    if (input.Description !== undefined) metadata['description'] = input.Description;
    const imageUuid = await createFrom(ctx, server, input, name, metadata);
    const ec2Id = await recordMapping(ctx.store, 'image', imageUuid, 'ami');

    const image = requested.length || tags.snapshot.length ? await madeImage(ctx, imageUuid) : undefined;
    if (image && requested.length) {
      const merged = mergeBdms(novaBdmOf(image), requested);
      const props = imageMappingProperties(merged, ec2MappingsOf(image));
      const patch = Object.entries(props).map(([name, value]) => ({ op: image[name] === undefined ? ('add' as const) : ('replace' as const), path: `/${name}`, value }));
      if (!props['block_device_mapping'] && image['block_device_mapping'] !== undefined) patch.push({ op: 'replace', path: '/block_device_mapping', value: '[]' });
      await mapErrors(() => updateImage(glanceOf(ctx), imageUuid, patch));
    }
    if (tags.image.length) await putTags(ctx.store, [ec2Id], tags.image);
    if (image && tags.snapshot.length) {
      const snaps = novaBdmOf(image).flatMap((b) => (b.snapshot_id ? [b.snapshot_id] : []));
      const ids = await ec2IdsFor(ctx.store, 'snapshot', snaps);
      if (ids.size) await putTags(ctx.store, [...ids.values()], tags.snapshot);
    }
    return { ImageId: ec2Id };
  },
  {
    check: async (input, ctx) => {
      await prepare(input, ctx);
    },
  },
);

async function createFrom(ctx: ActionContext, server: ServerInfo, input: Input<'CreateImage'>, name: string, metadata: Record<string, string>) {
  if (server.status === 'ACTIVE' && !input.NoReboot) return snapshotWithReboot(ctx, server.id, input.InstanceId, name, metadata);
  return snapshotServer(ctx, server.id, input.InstanceId, name, metadata);
}
