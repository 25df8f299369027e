/**
 * Makes an EC2 bundle the way ec2-bundle-image / euca-bundle-image do: tar of the image file,
 * gzip, AES-128-CBC with a random key and IV, split into parts; a manifest with the SHA-1 of the
 * tar archive and of each part, and the key and IV as hex text RSA-encrypted (PKCS#1 v1.5) for
 * the cloud's certificate.
 */
import { constants, createCipheriv, createHash, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { gzipSync } from 'node:zlib';

function octal(value: number, length: number): string {
  return value.toString(8).padStart(length - 1, '0') + '\0';
}

/** A ustar archive of one file (or of the entries given). */
export function tarOf(entries: Array<{ name: string; data: Buffer; type?: string }>): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const header = Buffer.alloc(512);
    header.write(entry.name, 0, 100, 'utf8');
    header.write(octal(0o644, 8), 100);
    header.write(octal(0, 8), 108);
    header.write(octal(0, 8), 116);
    header.write(octal(entry.data.length, 12), 124);
    header.write(octal(Math.floor(Date.now() / 1000), 12), 136);
    header.write('        ', 148);
    header.write(entry.type ?? '0', 156);
    header.write('ustar\u000000', 257, 'latin1');
    let sum = 0;
    for (const b of header) sum += b;
    header.write(octal(sum, 7) + ' ', 148, 'latin1');
    blocks.push(header, entry.data, Buffer.alloc((512 - (entry.data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export interface Bundle {
  manifest: string;
  manifestName: string;
  parts: Array<{ name: string; data: Buffer }>;
  image: Buffer;
}

export interface BundleOptions {
  imageName?: string;
  partSize?: number;
  /** Replaces the archive (to test archives with other contents). */
  tar?: Buffer;
  type?: 'machine' | 'kernel' | 'ramdisk';
  architecture?: string;
  /** Part file names as the manifest gives them. */
  partName?: (i: number) => string;
}

export function makeBundle(image: Buffer, publicKey: KeyObject, options: BundleOptions = {}): Bundle {
  const imageName = options.imageName ?? 'disk.img';
  const tar = options.tar ?? tarOf([{ name: imageName, data: image }]);
  const key = randomBytes(16);
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-128-cbc', key, iv);
  const encrypted = Buffer.concat([cipher.update(gzipSync(tar)), cipher.final()]);
  const partSize = options.partSize ?? 10 * 1024 * 1024;
  const parts: Bundle['parts'] = [];
  for (let i = 0, at = 0; at < encrypted.length; i++, at += partSize) {
    parts.push({ name: options.partName?.(i) ?? `${imageName}.part.${i}`, data: encrypted.subarray(at, at + partSize) });
  }
  const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');
  const rsa = (text: string) => publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(text)).toString('hex');
  const manifest = `<?xml version="1.0" ?>
<manifest>
  <version>2007-10-10</version>
  <bundler><name>ec2-api-tests</name><version>1.0</version><release>1</release></bundler>
  <machine_configuration>
    <architecture>${options.architecture ?? 'x86_64'}</architecture>
    <block_device_mapping>
      <mapping><virtual>ami</virtual><device>sda1</device></mapping>
      <mapping><virtual>root</virtual><device>/dev/sda1</device></mapping>
      <mapping><virtual>ephemeral0</virtual><device>sdb</device></mapping>
    </block_device_mapping>
  </machine_configuration>
  <image>
    <name>${imageName}</name>
    <user>000000000000</user>
    <type>${options.type ?? 'machine'}</type>
    <digest algorithm="SHA1">${sha1(tar)}</digest>
    <size>${image.length}</size>
    <bundled_size>${encrypted.length}</bundled_size>
    <ec2_encrypted_key algorithm="AES-128-CBC">${rsa(key.toString('hex'))}</ec2_encrypted_key>
    <user_encrypted_key algorithm="AES-128-CBC">${rsa(key.toString('hex'))}</user_encrypted_key>
    <ec2_encrypted_iv>${rsa(iv.toString('hex'))}</ec2_encrypted_iv>
    <user_encrypted_iv>${rsa(iv.toString('hex'))}</user_encrypted_iv>
    <parts count="${parts.length}">
${parts.map((p, i) => `      <part index="${i}"><filename>${p.name}</filename><digest algorithm="SHA1">${sha1(p.data)}</digest></part>`).join('\n')}
    </parts>
  </image>
  <signature>00</signature>
</manifest>
`;
  return { manifest, manifestName: `${imageName}.manifest.xml`, parts, image };
}
