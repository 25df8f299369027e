/**
 * Key pair fingerprints exactly as EC2 shows them (EC2 user guide, "Verify the fingerprint"):
 * - RSA key pairs EC2 created: SHA-1 of the DER PKCS#8 private key, colon-separated hex
 *   (`openssl pkcs8 -topk8 -nocrypt -outform DER | openssl sha1 -c`); sshpk fingerprints public
 *   keys only, so this one is node:crypto's;
 * - imported RSA keys: MD5 of the DER SubjectPublicKeyInfo, colon-separated hex
 *   (`openssl rsa -pubout -outform DER | openssl md5 -c`);
 * - ED25519 keys, created or imported: base64 SHA-256 of the SSH public key blob, as OpenSSH ≥ 6.8
 *   prints it but with the base64 `=` padding EC2 keeps and without the `SHA256:` prefix.
 */
import { createHash, type KeyObject } from 'node:crypto';
import type { SshPublicKey } from './public-keys.js';

const colonHex = (digest: Buffer) => digest.toString('hex').match(/../g)!.join(':');

export function importedFingerprint(key: SshPublicKey): string {
  if (key.type === 'ed25519') return ed25519Fingerprint(key);
  return colonHex(key.ssh.fingerprint('md5', 'spki').hash);
}

export function createdFingerprint(privateKey: KeyObject, key: SshPublicKey): string {
  if (key.type === 'ed25519') return ed25519Fingerprint(key);
  return colonHex(createHash('sha1').update(privateKey.export({ format: 'der', type: 'pkcs8' })).digest());
}

function ed25519Fingerprint(key: SshPublicKey): string {
  return key.ssh.fingerprint('sha256', 'ssh').hash.toString('base64');
}
