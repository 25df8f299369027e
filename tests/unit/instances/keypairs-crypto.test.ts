import { spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createdFingerprint, importedFingerprint } from '../../../functions/instances/key-fingerprints.js';
import {
  generateKeyPair,
  openSshPrivateKey,
  privateKeyMaterial,
  puttyKeyFile,
  type GeneratedKeyPair,
} from '../../../functions/instances/key-generation.js';
import { fromKeyObject, openSshLine, parsePublicKeyMaterial } from '../../../functions/instances/public-keys.js';
import { SshReader } from './ssh-reader.js';
import * as v from './key-vectors.js';

const pairOf = (pem: string): GeneratedKeyPair => {
  const privateKey = createPrivateKey(pem);
  return { privateKey, publicKey: fromKeyObject(privateKey) };
};
const rsa = pairOf(v.rsaPrivatePem);
const ed25519 = pairOf(v.ed25519PrivatePkcs8);
const bytes = (text: string) => new Uint8Array(Buffer.from(text));

const work = mkdtempSync(join(tmpdir(), 'keypairs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
function keyFile(name: string, content: string): string {
  const path = join(work, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

describe('fingerprints as EC2 computes them (vectors from openssl and ssh-keygen)', () => {
  it('RSA created by EC2: SHA-1 of the DER PKCS#8 private key', () => {
    expect(createdFingerprint(rsa.privateKey, rsa.publicKey)).toBe(v.rsaCreatedFingerprint);
  });

  it('RSA imported: MD5 of the DER SubjectPublicKeyInfo', () => {
    expect(importedFingerprint(parsePublicKeyMaterial(bytes(v.rsaOpenSsh)))).toBe(v.rsaImportedFingerprint);
  });

  it('ED25519, created or imported: padded base64 SHA-256 of the SSH blob', () => {
    expect(createdFingerprint(ed25519.privateKey, ed25519.publicKey)).toBe(v.ed25519Fingerprint);
    expect(importedFingerprint(parsePublicKeyMaterial(bytes(v.ed25519OpenSsh)))).toBe(v.ed25519Fingerprint);
    expect(v.ed25519Fingerprint).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });
});

describe('public keys', () => {
  it('writes the OpenSSH line ssh-keygen writes', () => {
    expect(openSshLine(rsa.publicKey)).toBe(v.rsaOpenSsh);
    expect(openSshLine(ed25519.publicKey)).toBe(v.ed25519OpenSsh);
    expect(openSshLine(rsa.publicKey, 'my key')).toBe(`${v.rsaOpenSsh} my key`);
  });

  it.each([
    ['an OpenSSH line with a comment', `${v.rsaOpenSsh} someone@host\n`],
    ['an RFC 4716 SSH2 public key', v.rsaRfc4716],
    ['a PEM SubjectPublicKeyInfo', v.rsaSpkiPem],
    ['a PEM PKCS#1 public key', v.rsaPkcs1Pem],
    ['base64 DER', v.rsaSpkiDerBase64],
    ['an OpenSSH line base64-encoded once more', Buffer.from(v.rsaOpenSsh).toString('base64')],
  ])('imports %s', (_what, material) => {
    const key = parsePublicKeyMaterial(bytes(material));
    expect(key.type).toBe('rsa');
    expect(openSshLine(key)).toBe(v.rsaOpenSsh);
    expect(importedFingerprint(key)).toBe(v.rsaImportedFingerprint);
  });

  it('imports raw DER bytes', () => {
    const der = createPublicKey(v.rsaSpkiPem).export({ format: 'der', type: 'spki' });
    expect(openSshLine(parsePublicKeyMaterial(new Uint8Array(der)))).toBe(v.rsaOpenSsh);
  });

  it.each([
    ['empty material', ''],
    ['text that is no key', 'hello world'],
    ['a truncated key', v.rsaOpenSsh.slice(0, 60)],
    ['a line whose type disagrees with its blob', v.rsaOpenSsh.replace('ssh-rsa', 'ssh-ed25519')],
    ['an ECDSA key (EC2 has RSA and ED25519 only)', v.ecdsaOpenSsh],
    ['a 512-bit RSA key', v.rsa512SpkiPem],
    ['a private key', v.rsaPrivatePem],
  ])('refuses %s with InvalidKey.Format', (_what, material) => {
    expect(() => parsePublicKeyMaterial(bytes(material))).toThrow(expect.objectContaining({ code: 'InvalidKey.Format' }));
  });
});

describe('private key material', () => {
  it('RSA PEM is PKCS#1, as EC2 hands it out', () => {
    const pem = privateKeyMaterial(rsa, 'pem', 'k');
    expect(pem.startsWith('-----BEGIN RSA PRIVATE KEY-----\n')).toBe(true);
    expect(createPrivateKey(pem).export({ format: 'der', type: 'pkcs1' })).toEqual(
      rsa.privateKey.export({ format: 'der', type: 'pkcs1' }),
    );
  });

  it('PPK version 2 is byte for byte what puttygen writes for the same key and comment', () => {
    expect(puttyKeyFile(rsa, 'vector-key')).toBe(v.rsaPpk);
    expect(puttyKeyFile(ed25519, 'vector-key')).toBe(v.ed25519Ppk);
    expect(privateKeyMaterial(ed25519, 'ppk', 'vector-key')).toBe(v.ed25519Ppk);
  });

  it('ED25519 PEM is an OpenSSH private key holding the seed and the public key', () => {
    const text = privateKeyMaterial(ed25519, 'pem', 'ignored');
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('-----BEGIN OPENSSH PRIVATE KEY-----');
    expect(lines[lines.length - 1]).toBe('-----END OPENSSH PRIVATE KEY-----');
    for (const line of lines.slice(1, -1)) expect(line.length).toBeLessThanOrEqual(70);
    const body = Buffer.from(lines.slice(1, -1).join(''), 'base64');
    const magic = 'openssh-key-v1\0';
    expect(body.subarray(0, magic.length).toString('latin1')).toBe(magic);
    const outer = new SshReader(body.subarray(magic.length));
    expect([outer.text(), outer.text(), outer.text(), outer.uint32()]).toEqual(['none', 'none', '', 1]);
    expect(outer.bytes()).toEqual(ed25519.publicKey.blob);
    const secret = outer.bytes();
    expect(outer.done).toBe(true);
    expect(secret.length % 8).toBe(0);
    const inner = new SshReader(secret);
    expect(inner.uint32()).toBe(inner.uint32());
    expect(inner.text()).toBe('ssh-ed25519');
    const publicKey = inner.bytes();
    const both = inner.bytes();
    const seed = createPrivateKey(v.ed25519PrivatePkcs8).export({ format: 'der', type: 'pkcs8' }).subarray(-32);
    expect(both).toEqual(Buffer.concat([seed, publicKey]));
    expect(`ssh-ed25519 ${ed25519.publicKey.blob.toString('base64')}`).toBe(v.ed25519OpenSsh);
  });

  it('ssh-keygen reads the ED25519 private key back to the same public key', () => {
    const path = keyFile('ed25519', openSshPrivateKey(ed25519, ''));
    const out = spawnSync('ssh-keygen', ['-y', '-f', path], { encoding: 'utf8' });
    expect(out.stdout.trim()).toBe(v.ed25519OpenSsh);
  });

  it('puttygen loads freshly generated PPK files of both types (MAC and key checked)', async () => {
    for (const type of ['rsa', 'ed25519'] as const) {
      const pair = await generateKeyPair(type);
      const path = keyFile(`${type}.ppk`, privateKeyMaterial(pair, 'ppk', 'fresh'));
      const out = spawnSync('puttygen', [path, '-L'], { encoding: 'utf8' });
      expect(out.stdout.trim()).toBe(`${openSshLine(pair.publicKey)} fresh`);
    }
  });

  it('generates 2048-bit RSA and ED25519 keys', async () => {
    expect((await generateKeyPair('rsa')).privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const ed = await generateKeyPair('ed25519');
    expect(ed.publicKey.type).toBe('ed25519');
    expect(ed.publicKey.blob.length).toBe(4 + 11 + 4 + 32);
  });
});
