/**
 * RegisterImage from an S3 bundle, as the EC2 bundle format specifies: fetch the manifest and its
 * parts from the configured S3-compatible endpoint, check each part's SHA-1, decrypt the AES key
 * and IV with the cloud's RSA key, AES-CBC-decrypt the joined parts, gunzip, take the one file
 * out of the tar archive (checking its name), check the archive's SHA-1 and the image size, and
 * stream the image into Glance. The upload is only completed once everything has been verified;
 * otherwise it is aborted and the image removed.
 *
 * The work runs inside the RegisterImage request, so a bundle must fit in the function's time;
 * the image shows as pending meanwhile.
 */
import { createHash } from 'node:crypto';
import { PassThrough, Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { KeyObject } from 'node:crypto';
import type { ActionContext } from '../../lib/context.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { patchPath, updateImage, uploadImageStream } from '../../lib/openstack/glance.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { imageMappingProperties } from './bdm-input.js';
import { bundleSettings } from './bundle-config.js';
import { bundleDecipher } from './bundle-crypto.js';
import { invalidManifest, parseManifest, partKey, splitLocation, type BundleManifest, type BundlePart } from './bundle-manifest.js';
import { REGISTRATION_STATE, glanceArchitecture, type NovaBdm } from '../../lib/domain/images/image-model.js';
import { glanceOf } from './image-resource.js';
import { createGlanceImage, discardImage, kernelOrRamdisk } from './new-image.js';
import { getObjectStream, getObjectText } from './s3-fetch.js';
import { SingleFileTarReader, TarFormatError } from './tar-reader.js';

export const isBundleLocation = (location: string) => /^(s3:\/\/)?[^/\s]+\/\S+\.xml$/i.test(location);

export const undecryptable = () => invalidManifest('the bundle could not be decrypted and verified with this cloud\'s key');

export interface Extracted {
  fileName: string;
  size: number;
}

/**
 * Decrypts and unpacks a bundle into `target` (left open: the caller ends it on success).
 * `openPart` reads one part as stored.
 */
export async function unpackBundle(
  manifest: BundleManifest,
  privateKey: KeyObject,
  openPart: (part: BundlePart) => Promise<Readable>,
  target: Writable,
): Promise<Extracted> {
  async function* parts() {
    for (const part of manifest.parts) {
      const hash = createHash('sha1');
      for await (const chunk of await openPart(part)) {
        hash.update(chunk as Buffer);
        yield chunk as Buffer;
      }
      if (hash.digest('hex') !== part.digest) throw invalidManifest(`part ${part.filename} does not match its digest`);
    }
  }
  const tarHash = createHash('sha1');
  const hasher = new Transform({
    transform(chunk: Buffer, _enc, done) {
      tarHash.update(chunk);
      done(null, chunk);
    },
  });
  const reader = new SingleFileTarReader(target);
  try {
    await pipeline(Readable.from(parts()), bundleDecipher(privateKey, manifest.cipher, manifest.encryptedKey, manifest.encryptedIv), createGunzip(), hasher, reader);
  } catch (error) {
    if (error instanceof Ec2Error) throw error;
    if (error instanceof TarFormatError) throw invalidManifest(error.message);
    throw undecryptable();
  }
  if (tarHash.digest('hex') !== manifest.digest) throw undecryptable();
  if (manifest.size !== undefined && reader.fileSize !== manifest.size) {
    throw invalidManifest(`the image is ${reader.fileSize} bytes, the manifest says ${manifest.size}`);
  }
  return { fileName: reader.fileName!, size: reader.fileSize };
}

const FORMATS: Record<BundleManifest['type'], { disk_format: string; container_format: string }> = {
  machine: { disk_format: 'ami', container_format: 'ami' },
  kernel: { disk_format: 'aki', container_format: 'aki' },
  ramdisk: { disk_format: 'ari', container_format: 'ari' },
};

/** Properties the manifest itself brings, unless the request set them. */
async function manifestProperties(ctx: ActionContext, manifest: BundleManifest, props: Record<string, string>): Promise<Record<string, string>> {
  const glance = glanceOf(ctx);
  const out: Record<string, string> = {};
  if (!props['architecture'] && manifest.architecture) out['architecture'] = glanceArchitecture(manifest.architecture);
  if (!props['kernel_id'] && manifest.kernelId && /^aki-/.test(manifest.kernelId)) out['kernel_id'] = await kernelOrRamdisk(ctx, glance, manifest.kernelId, 'aki');
  if (!props['ramdisk_id'] && manifest.ramdiskId && /^ari-/.test(manifest.ramdiskId)) out['ramdisk_id'] = await kernelOrRamdisk(ctx, glance, manifest.ramdiskId, 'ari');
  const root = manifest.mappings.find((m) => m.virtual === 'root');
  if (!props['root_device_name'] && root) out['root_device_name'] = root.device.startsWith('/dev/') ? root.device : `/dev/${root.device}`;
  return out;
}

export async function registerBundle(
  ctx: ActionContext,
  location: string,
  options: { name: string; props: Record<string, string>; extra: NovaBdm[] },
): Promise<string> {
  const settings = bundleSettings();
  const { bucket, key } = splitLocation(location);
  const manifest = parseManifest(await getObjectText(settings.s3, bucket, key));
  const glance = glanceOf(ctx);
  const { image, ec2Id } = await createGlanceImage(ctx, glance, {
    name: options.name,
    ...FORMATS[manifest.type],
    ...options.props,
    ...(await manifestProperties(ctx, manifest, options.props)),
    ...imageMappingProperties(options.extra, manifest.mappings),
    image_location: location,
    [REGISTRATION_STATE]: 'pending',
  });

  const upload = new PassThrough();
  let uploadError: unknown;
  const uploaded = mapErrors(() => uploadImageStream(glance, image.id, upload));
  uploaded.catch((error: unknown) => {
    uploadError = error;
    upload.destroy();
  });
  try {
    await unpackBundle(manifest, settings.privateKey, (part) => getObjectStream(settings.s3, bucket, partKey(key, part)), upload);
    upload.end();
    await uploaded;
    await mapErrors(() => updateImage(glance, image.id, [{ op: 'remove', path: patchPath(REGISTRATION_STATE) }]));
  } catch (error) {
    // A failed upload stops the unpacking too: then the upload's error is the one to report.
    const cause = uploadError ?? error;
    upload.destroy(error as Error);
    await uploaded.catch(() => undefined);
    await discardImage(glance, image.id);
    throw cause;
  }
  return ec2Id;
}
