/**
 * CopyImage within this region: a new Glance image with the source's properties. Image data is
 * streamed from Glance to Glance; the volume snapshots of an EBS-backed image are copied as
 * CopySnapshot copies them, so the copy outlives the source and its snapshots.
 */
import type { Readable } from 'node:stream';
import type { ActionContext } from '../../lib/context.js';
import { action, type Input } from '../../lib/family.js';
import { getSnapshot } from '../../lib/openstack/cinder.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { downloadImage, type GlanceImage, uploadImage, uploadImageStream } from '../../lib/openstack/glance.js';
import { Ec2Error, invalidParameterValue } from '../../lib/protocol/errors.js';
import { putTags, tagsOf } from '../../lib/store/tags.js';
import { copySnapshot } from '../../lib/domain/volumes/snapshot-copies.js';
import { findImage } from './image-lookup.js';
import { checkDescription, checkImageName, checkNameFree } from './image-names.js';
import { novaBdmOf, stateOf, type NovaBdm } from '../../lib/domain/images/image-model.js';
import { glanceOf } from './image-resource.js';
import { createGlanceImage, discardImage, inheritedProperties } from './new-image.js';

const tokenKey = (token: string) => `imgcopy#${token}`;

function checkRequest(input: Input<'CopyImage'>, ctx: ActionContext): void {
  checkImageName(input.Name);
  checkDescription(input.Description);
  if (input.SourceRegion !== ctx.config.ec2Region) {
    throw invalidParameterValue(`Images can only be copied within this cloud's region ${ctx.config.ec2Region}, not from ${input.SourceRegion}`);
  }
  if (input.Encrypted || input.KmsKeyId) throw new Ec2Error('UnsupportedOperation', 'Encrypted image copies are not supported by this cloud.');
  if (input.DestinationOutpostArn) throw new Ec2Error('UnsupportedOperation', 'Outposts do not exist in this cloud.');
  if (input.ClientToken !== undefined && (input.ClientToken.length === 0 || input.ClientToken.length > 64)) {
    throw invalidParameterValue('ClientToken must be 1 to 64 characters long');
  }
}

async function sourceOf(input: Input<'CopyImage'>, ctx: ActionContext): Promise<GlanceImage> {
  const source = await findImage(ctx, glanceOf(ctx), input.SourceImageId);
  if (stateOf(source).state !== 'available') {
    throw new Ec2Error('IncorrectState', `Image ${input.SourceImageId} is not available (${stateOf(source).state}) and cannot be copied`);
  }
  return source;
}

/** The source's mapping with each snapshot replaced by a copy of it. */
async function copiedMapping(ctx: ActionContext, bdms: NovaBdm[], name: string): Promise<NovaBdm[]> {
  const out: NovaBdm[] = [];
  for (const b of bdms) {
    if (!b.snapshot_id) {
      out.push(b);
      continue;
    }
    const snapshot = await mapErrors(() => getSnapshot(ctx.openstack.cinder, b.snapshot_id!), {
      notFound: () => new Ec2Error('InvalidSnapshot.NotFound', `A snapshot of the image is not visible to this project and cannot be copied`),
    });
    const copy = await copySnapshot(ctx, snapshot, { name: `${name} ${b.device_name ?? ''}`.trim(), description: `Copied for ${name}` });
    out.push({ ...b, snapshot_id: copy.id });
  }
  return out;
}

/** The copy an earlier request with the same ClientToken made (idempotency). */
async function copiedBefore(input: Input<'CopyImage'>, ctx: ActionContext): Promise<string | undefined> {
  if (!input.ClientToken) return undefined;
  return (await ctx.store.getJson<{ imageId: string }>(tokenKey(input.ClientToken)))?.imageId;
}

const hasData = (image: GlanceImage) => (image.size ?? 0) > 0;

export default action(
  'CopyImage',
  async (input, ctx) => {
    checkRequest(input, ctx);
    const done = await copiedBefore(input, ctx);
    if (done) return { ImageId: done };
    const source = await sourceOf(input, ctx);
    const glance = glanceOf(ctx);
    await checkNameFree(ctx, glance, input.Name);
    const bdms = novaBdmOf(source);
    const mapping = bdms.length ? await copiedMapping(ctx, bdms, input.Name) : [];
    const { image, ec2Id } = await createGlanceImage(ctx, glance, {
      name: input.Name,
      disk_format: source.disk_format ?? 'raw',
      container_format: source.container_format ?? 'bare',
      min_disk: source.min_disk ?? 0,
      min_ram: source.min_ram ?? 0,
      ...inheritedProperties(source),
      ...(input.Description !== undefined ? { description: input.Description } : source['description'] ? { description: source['description'] } : {}),
      ...(mapping.length ? { bdm_v2: 'True', block_device_mapping: JSON.stringify(mapping) } : {}),
      ec2_copied_from: source.id,
    });
    try {
      if (hasData(source)) {
        const data: Readable = downloadImage(glance, source.id);
        await mapErrors(() => uploadImageStream(glance, image.id, data));
      } else {
        await mapErrors(() => uploadImage(glance, image.id, Buffer.alloc(0)));
      }
    } catch (error) {
      await discardImage(glance, image.id);
      throw error;
    }
    if (input.CopyImageTags) {
      const tags = (await tagsOf(ctx.store, [input.SourceImageId])).get(input.SourceImageId) ?? [];
      if (tags.length) await putTags(ctx.store, [ec2Id], tags);
    }
    if (input.ClientToken) await ctx.store.putJson(tokenKey(input.ClientToken), { imageId: ec2Id }, { ttlSeconds: 7 * 24 * 3600 });
    return { ImageId: ec2Id };
  },
  {
    check: async (input, ctx) => {
      checkRequest(input, ctx);
      if (await copiedBefore(input, ctx)) return;
      await sourceOf(input, ctx);
      await checkNameFree(ctx, glanceOf(ctx), input.Name);
    },
  },
);
