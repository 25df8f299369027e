import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { describe as suite, expect, it } from 'vitest';
import { parseManifest, partKey, splitLocation } from '../../../functions/images/bundle-manifest.js';
import { unpackBundle } from '../../../functions/images/bundle-registration.js';
import { unpadPkcs1 } from '../../../functions/images/bundle-crypto.js';
import { makeBundle, tarOf, type Bundle } from './bundle-fixture.js';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

class Collector extends Writable {
  chunks: Buffer[] = [];
  override _write(chunk: Buffer, _e: BufferEncoding, done: () => void) {
    this.chunks.push(chunk);
    done();
  }
  get data() {
    return Buffer.concat(this.chunks);
  }
}

async function unpack(bundle: Bundle, tamper?: (name: string, data: Buffer) => Buffer) {
  const manifest = parseManifest(bundle.manifest);
  const target = new Collector();
  const byName = new Map(bundle.parts.map((p) => [p.name, p.data]));
  const result = await unpackBundle(manifest, privateKey, async (part) => {
    const data = byName.get(part.filename)!;
    return Readable.from([tamper ? tamper(part.filename, data) : data]);
  }, target);
  return { result, data: target.data };
}

suite('EC2 bundles', () => {
  it('decrypts, unpacks and verifies a bundle of several parts', async () => {
    const image = randomBytes(300_000);
    const bundle = makeBundle(image, publicKey, { partSize: 64 * 1024 });
    expect(bundle.parts.length).toBeGreaterThan(3);
    const { result, data } = await unpack(bundle);
    expect(result).toEqual({ fileName: 'disk.img', size: image.length });
    expect(data.equals(image)).toBe(true);
  });

  it('reads what the manifest says about the image', () => {
    const m = parseManifest(makeBundle(randomBytes(10), publicKey, { type: 'kernel', architecture: 'i386' }).manifest);
    expect(m).toMatchObject({ type: 'kernel', architecture: 'i386', imageName: 'disk.img', size: 10, cipher: 'aes-128-cbc' });
    expect(m.mappings).toContainEqual({ virtual: 'ephemeral0', device: 'sdb' });
  });

  it('refuses a part that does not match its digest', async () => {
    const bundle = makeBundle(randomBytes(100_000), publicKey, { partSize: 32 * 1024 });
    const flip = (name: string, data: Buffer) => {
      if (!name.endsWith('.1')) return data;
      const copy = Buffer.from(data);
      copy[10]! ^= 1;
      return copy;
    };
    await expect(unpack(bundle, flip)).rejects.toMatchObject({ code: 'InvalidManifest', message: expect.stringContaining('digest') });
  });

  it('refuses a bundle encrypted for another key with the same error as any undecryptable one', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const bundle = makeBundle(randomBytes(5000), other.publicKey);
    await expect(unpack(bundle)).rejects.toMatchObject({ code: 'InvalidManifest', message: expect.stringContaining('could not be decrypted and verified') });
  });

  it('refuses archives whose file climbs out or that hold more than one file', async () => {
    const evil = makeBundle(Buffer.alloc(0), publicKey, { tar: tarOf([{ name: '../../etc/evil', data: Buffer.from('x') }]) });
    await expect(unpack(evil)).rejects.toMatchObject({ message: expect.stringContaining('names its file') });
    const two = makeBundle(Buffer.alloc(0), publicKey, {
      tar: tarOf([
        { name: 'a.img', data: Buffer.from('a') },
        { name: 'b.img', data: Buffer.from('b') },
      ]),
    });
    await expect(unpack(two)).rejects.toMatchObject({ message: expect.stringContaining('more than one file') });
    const link = makeBundle(Buffer.alloc(0), publicKey, { tar: tarOf([{ name: 'disk.img', data: Buffer.alloc(0), type: '2' }]) });
    await expect(unpack(link)).rejects.toMatchObject({ message: expect.stringContaining('not a plain file') });
  });

  it('refuses manifests naming parts outside their folder', () => {
    const bundle = makeBundle(randomBytes(10), publicKey, { partName: () => '../other/part' });
    expect(() => parseManifest(bundle.manifest)).toThrow(/not a plain file name/);
    expect(() => parseManifest('<manifest><image><type>machine</type></image></manifest>')).toThrow(/no image name/);
    expect(() => parseManifest('not xml <')).toThrow(/Invalid bundle manifest/);
  });

  it('finds parts beside the manifest', () => {
    expect(splitLocation('s3://bucket/dir/x.manifest.xml')).toEqual({ bucket: 'bucket', key: 'dir/x.manifest.xml' });
    expect(splitLocation('bucket/x.manifest.xml')).toEqual({ bucket: 'bucket', key: 'x.manifest.xml' });
    expect(partKey('dir/sub/x.manifest.xml', { index: 0, filename: 'x.part.0', digest: '' })).toBe('dir/sub/x.part.0');
    expect(() => splitLocation('bucket/../x.manifest.xml')).toThrow();
  });

  it('checks PKCS#1 v1.5 padding itself', () => {
    expect(unpadPkcs1(Buffer.from([0, 2, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0x41]))?.toString()).toBe('A');
    expect(unpadPkcs1(Buffer.from([0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0x41]))).toBeUndefined();
    expect(unpadPkcs1(Buffer.from([0, 2, 1, 2, 0, 4, 5, 6, 7, 8, 9, 0x41]))).toBeUndefined();
  });
});
