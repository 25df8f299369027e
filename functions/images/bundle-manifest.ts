/**
 * The EC2 bundle manifest (`*.manifest.xml` written by ec2-bundle-image / euca-bundle-image):
 * image name, size and SHA-1 digest of its tar archive, the AES key and IV encrypted for the
 * cloud, and the parts the encrypted archive was split into. Paths are checked so a manifest
 * can only name parts beside itself.
 */
import { XMLParser } from 'fast-xml-parser';
import { Ec2Error } from '../../lib/protocol/errors.js';

export interface BundlePart {
  index: number;
  filename: string;
  /** Hex SHA-1 of the part as stored. */
  digest: string;
}

export interface BundleManifest {
  imageName: string;
  type: 'machine' | 'kernel' | 'ramdisk';
  architecture?: string;
  kernelId?: string;
  ramdiskId?: string;
  /** EC2-style device mappings (`ami`, `root`, `ephemeral0`, `swap` -> device). */
  mappings: Array<{ virtual: string; device: string }>;
  /** Size in bytes of the image file. */
  size?: number;
  /** Hex SHA-1 of the tar archive holding the image. */
  digest: string;
  /** AES-128-CBC (or -256) key and IV, RSA-encrypted for the cloud, hex. */
  encryptedKey: string;
  encryptedIv: string;
  cipher: 'aes-128-cbc' | 'aes-256-cbc';
  parts: BundlePart[];
}

export const invalidManifest = (message: string) => new Ec2Error('InvalidManifest', `Invalid bundle manifest: ${message}`);

const HEX = /^[0-9a-fA-F]+$/;

type Node = Record<string, unknown>;
const text = (node: unknown): string | undefined => {
  if (node === undefined || node === null) return undefined;
  if (typeof node === 'object') {
    const t = (node as Node)['#text'];
    return t === undefined ? undefined : String(t).trim();
  }
  return String(node).trim();
};
const attr = (node: unknown, name: string): string | undefined =>
  node && typeof node === 'object' ? ((node as Node)[`@_${name}`] as string | undefined) : undefined;
const list = (node: unknown): unknown[] => (node === undefined ? [] : Array.isArray(node) ? node : [node]);

function hexField(value: string | undefined, what: string): string {
  if (!value || !HEX.test(value)) throw invalidManifest(`${what} is missing or not hexadecimal`);
  return value.toLowerCase();
}

/** A part's file name: a plain name in the manifest's folder, nothing that climbs or roots. */
export function checkPartName(name: string | undefined): string {
  if (!name || name.includes('/') || name.includes('\\') || name === '.' || name === '..' || name.includes('\0')) {
    throw invalidManifest(`part file name ${JSON.stringify(name ?? '')} is not a plain file name`);
  }
  return name;
}

export function parseManifest(xml: string): BundleManifest {
  let doc: Node;
  try {
    doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, processEntities: false }).parse(xml) as Node;
  } catch (error) {
    throw invalidManifest(`not XML (${(error as Error).message})`);
  }
  const manifest = doc['manifest'] as Node | undefined;
  if (!manifest || typeof manifest !== 'object') throw invalidManifest('no <manifest> element');
  const image = manifest['image'] as Node | undefined;
  if (!image) throw invalidManifest('no <image> element');
  const machine = (manifest['machine_configuration'] ?? {}) as Node;

  const type = (text(image['type']) ?? 'machine') as BundleManifest['type'];
  if (!['machine', 'kernel', 'ramdisk'].includes(type)) throw invalidManifest(`unknown image type ${type}`);
  const imageName = text(image['name']);
  if (!imageName) throw invalidManifest('no image name');

  const keyNode = image['ec2_encrypted_key'];
  const algorithm = (attr(keyNode, 'algorithm') ?? 'AES-128-CBC').toLowerCase();
  if (algorithm !== 'aes-128-cbc' && algorithm !== 'aes-256-cbc') throw invalidManifest(`unsupported cipher ${algorithm}`);

  const digestNode = image['digest'];
  const digestAlgorithm = (attr(digestNode, 'algorithm') ?? 'SHA1').toUpperCase();
  if (digestAlgorithm !== 'SHA1') throw invalidManifest(`unsupported digest ${digestAlgorithm}`);

  const partsNode = image['parts'] as Node | undefined;
  const parts = list(partsNode?.['part']).map((p) => {
    const index = Number(attr(p, 'index'));
    const digest = (p as Node)['digest'];
    if ((attr(digest, 'algorithm') ?? 'SHA1').toUpperCase() !== 'SHA1') throw invalidManifest('part digests must be SHA1');
    return { index, filename: checkPartName(text((p as Node)['filename'])), digest: hexField(text(digest), 'a part digest') };
  });
  if (parts.length === 0) throw invalidManifest('no parts');
  parts.sort((a, b) => a.index - b.index);
  parts.forEach((p, i) => {
    if (p.index !== i) throw invalidManifest('part indexes must run from 0 without gaps');
  });
  const count = attr(partsNode, 'count');
  if (count !== undefined && Number(count) !== parts.length) throw invalidManifest(`parts count ${count} does not match ${parts.length} parts`);

  const mappings = list((machine['block_device_mapping'] as Node | undefined)?.['mapping']).flatMap((m) => {
    const virtual = text((m as Node)['virtual']);
    const device = text((m as Node)['device']);
    return virtual && device ? [{ virtual, device }] : [];
  });
  const size = text(image['size']);
  return {
    imageName,
    type,
    architecture: text(machine['architecture']),
    kernelId: text(machine['kernel_id']),
    ramdiskId: text(machine['ramdisk_id']),
    mappings,
    size: size === undefined ? undefined : Number(size),
    digest: hexField(text(digestNode), 'the image digest'),
    encryptedKey: hexField(text(keyNode), 'ec2_encrypted_key'),
    encryptedIv: hexField(text(image['ec2_encrypted_iv']), 'ec2_encrypted_iv'),
    cipher: algorithm as BundleManifest['cipher'],
    parts,
  };
}

/** `bucket/dir/x.manifest.xml` or `s3://bucket/dir/x.manifest.xml` -> bucket and key. */
export function splitLocation(location: string): { bucket: string; key: string } {
  const path = location.replace(/^s3:\/\//i, '').replace(/^\/+/, '');
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) throw new Ec2Error('InvalidParameterValue', `Invalid ImageLocation ${location}: expected bucket/key`);
  const key = path.slice(slash + 1);
  if (key.split('/').some((s) => s === '..' || s === '.')) throw new Ec2Error('InvalidParameterValue', `Invalid ImageLocation ${location}`);
  return { bucket: path.slice(0, slash), key };
}

/** The key of a part stored beside the manifest. */
export function partKey(manifestKey: string, part: BundlePart): string {
  const dir = manifestKey.includes('/') ? manifestKey.slice(0, manifestKey.lastIndexOf('/') + 1) : '';
  return `${dir}${checkPartName(part.filename)}`;
}
