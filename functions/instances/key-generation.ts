/**
 * Key pairs CreateKeyPair makes, and their private key in the formats EC2 hands out:
 * - `pem` for RSA: PKCS#1 ("-----BEGIN RSA PRIVATE KEY-----"), 2048 bits (node:crypto);
 * - `pem` for ED25519: the OpenSSH private key format ("-----BEGIN OPENSSH PRIVATE KEY-----",
 *   written by sshpk);
 * - `ppk`: an unencrypted PuTTY key file, version 2 (read by every PuTTY since 0.52; version 3
 *   needs PuTTY ≥ 0.75). Ours: sshpk writes PuTTY files of public keys only.
 */
import { createHash, createHmac, generateKeyPair as generateKeyPairCallback, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import sshpk from 'sshpk';
import type { KeyFormat, KeyType } from '../../schemas/types.js';
import { fromKeyObject, sshName, type SshPublicKey } from './public-keys.js';
import { sshMpint, sshString } from './ssh-wire.js';

export interface GeneratedKeyPair {
  privateKey: KeyObject;
  publicKey: SshPublicKey;
}

export const RSA_BITS = 2048;

const generate = promisify(generateKeyPairCallback);

/** A new key pair; RSA generation takes a while, so it runs off the event loop. */
export async function generateKeyPair(type: KeyType): Promise<GeneratedKeyPair> {
  const { privateKey } =
    type === 'rsa'
      ? await generate('rsa', { modulusLength: RSA_BITS, publicExponent: 0x10001 })
      : await generate('ed25519', {});
  return { privateKey, publicKey: fromKeyObject(privateKey) };
}

/** The private key as CreateKeyPair's KeyMaterial. */
export function privateKeyMaterial(pair: GeneratedKeyPair, format: KeyFormat, comment: string): string {
  if (format === 'ppk') return puttyKeyFile(pair, comment);
  if (pair.publicKey.type === 'rsa') return pair.privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();
  return openSshPrivateKey(pair, '');
}

const b64url = (value: string | undefined) => Buffer.from(value ?? '', 'base64url');

function wrap(text: string, width: number): string[] {
  return text.match(new RegExp(`.{1,${width}}`, 'g')) ?? [];
}

/** ED25519 secret as OpenSSH keeps it: the 32-byte seed followed by the 32-byte public key. */
function ed25519Secret(pair: GeneratedKeyPair): { seed: Buffer; publicKey: Buffer } {
  const jwk = pair.privateKey.export({ format: 'jwk' });
  return { seed: b64url(jwk.d), publicKey: b64url(jwk.x) };
}

/** OpenSSH's "openssh-key-v1" container (PROTOCOL.key), unencrypted, holding one ED25519 key. */
export function openSshPrivateKey(pair: GeneratedKeyPair, comment: string): string {
  const key = sshpk.parsePrivateKey(pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), 'pkcs8');
  key.comment = comment;
  return key.toString('openssh');
}

/** The private half of a PuTTY key: RSA d, p, q, q⁻¹ mod p; ED25519 the 32-byte seed. */
function puttyPrivateBlob(pair: GeneratedKeyPair): Buffer {
  if (pair.publicKey.type === 'ed25519') return sshString(ed25519Secret(pair).seed);
  const jwk = pair.privateKey.export({ format: 'jwk' });
  return Buffer.concat([jwk.d, jwk.p, jwk.q, jwk.qi].map((v) => sshMpint(b64url(v))));
}

/** PuTTY-User-Key-File-2, unencrypted: the MAC is HMAC-SHA-1 keyed with SHA-1 of a fixed phrase. */
export function puttyKeyFile(pair: GeneratedKeyPair, comment: string): string {
  const algorithm = sshName(pair.publicKey.type);
  const encryption = 'none';
  const publicBlob = pair.publicKey.blob;
  const privateBlob = puttyPrivateBlob(pair);
  const macKey = createHash('sha1').update('putty-private-key-file-mac-key').digest();
  const mac = createHmac('sha1', macKey)
    .update(
      Buffer.concat([
        sshString(algorithm),
        sshString(encryption),
        sshString(comment),
        sshString(publicBlob),
        sshString(privateBlob),
      ]),
    )
    .digest('hex');
  const publicLines = wrap(publicBlob.toString('base64'), 64);
  const privateLines = wrap(privateBlob.toString('base64'), 64);
  return [
    `PuTTY-User-Key-File-2: ${algorithm}`,
    `Encryption: ${encryption}`,
    `Comment: ${comment}`,
    `Public-Lines: ${publicLines.length}`,
    ...publicLines,
    `Private-Lines: ${privateLines.length}`,
    ...privateLines,
    `Private-MAC: ${mac}`,
    '',
  ].join('\n');
}
