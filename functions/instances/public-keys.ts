/**
 * SSH public keys of the two types EC2 key pairs can have (RSA and ED25519): built from a
 * node:crypto key, or read from what ImportKeyPair accepts — an OpenSSH public key line, an RFC 4716
 * "SSH2" public key file, a PEM public key, or base64 DER (SubjectPublicKeyInfo or PKCS#1).
 * sshpk reads and writes the SSH forms; raw DER, which sshpk does not read, goes through node:crypto.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import sshpk from 'sshpk';
import type { KeyType } from '../../schemas/types.js';
import { Ec2Error } from '../../lib/protocol/errors.js';

export interface SshPublicKey {
  type: KeyType;
  /** The key in SSH wire format: what an OpenSSH public key line carries in base64. */
  blob: Buffer;
  key: KeyObject;
  ssh: sshpk.Key;
}

const SSH_NAMES: Record<KeyType, string> = { rsa: 'ssh-rsa', ed25519: 'ssh-ed25519' };
const MIN_RSA_BITS = 1024;
const MAX_RSA_BITS = 16384;

export const sshName = (type: KeyType) => SSH_NAMES[type];

/** `ssh-rsa AAAA… comment`, as authorized_keys and Nova hold it. */
export function openSshLine(key: SshPublicKey, comment?: string): string {
  const line = `${SSH_NAMES[key.type]} ${key.blob.toString('base64')}`;
  return comment ? `${line} ${comment}` : line;
}

export const invalidKeyFormat = (message = 'Key is not in valid OpenSSH public key format') =>
  new Ec2Error('InvalidKey.Format', message);

const unsupportedType = (name: string) =>
  invalidKeyFormat(/^[a-z0-9@.-]+$/i.test(name) && name.length < 64 ? `Key type ${name} is not supported: use an RSA or ED25519 key` : undefined);

/** An sshpk key as ours: RSA or ED25519 only. */
function fromSshpk(ssh: sshpk.Key): SshPublicKey {
  if (ssh.type !== 'rsa' && ssh.type !== 'ed25519') throw unsupportedType(ssh.type === 'ecdsa' ? `ecdsa-sha2-${ssh.curve}` : ssh.type);
  const key = createPublicKey({ key: ssh.toString('pkcs8'), format: 'pem' });
  return { type: ssh.type, blob: ssh.toBuffer('rfc4253'), key, ssh };
}

/** Parses with sshpk; anything it cannot read is InvalidKey.Format. */
function parsed(data: string | Buffer, format: sshpk.KeyFormatType): sshpk.Key {
  try {
    return sshpk.parseKey(data, format);
  } catch {
    throw invalidKeyFormat();
  }
}

/** The SSH form of a node:crypto public (or private) RSA or ED25519 key. */
export function fromKeyObject(key: KeyObject): SshPublicKey {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  if (publicKey.asymmetricKeyType !== 'rsa' && publicKey.asymmetricKeyType !== 'ed25519') {
    throw invalidKeyFormat(`Key type ${publicKey.asymmetricKeyType} is not supported: use an RSA or ED25519 key`);
  }
  return fromSshpk(parsed(publicKey.export({ format: 'pem', type: 'spki' }).toString(), 'pem'));
}

/** Reads an SSH wire blob (e.g. the base64 part of an OpenSSH line). */
export function fromBlob(blob: Buffer): SshPublicKey {
  return checked(fromSshpk(parsed(blob, 'rfc4253')));
}

function checked(key: SshPublicKey): SshPublicKey {
  if (key.type === 'rsa') {
    const bits = key.key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
      throw invalidKeyFormat(`RSA key length ${bits} is not supported: use ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits`);
    }
  }
  return key;
}

/** `[type] base64 [comment]` — the first line that has the form. */
function fromOpenSshLine(text: string): SshPublicKey | undefined {
  for (const line of text.split(/\r?\n/)) {
    const fields = line.trim().split(/\s+/);
    const at = fields.findIndex((f) => /^(ssh-|ecdsa-|sk-)/.test(f));
    if (at < 0 || fields[at + 1] === undefined) continue;
    if (!strictBase64(fields[at + 1]!)) throw invalidKeyFormat();
    if (!Object.values(SSH_NAMES).includes(fields[at]!)) throw unsupportedType(fields[at]!);
    // sshpk checks that the named type is the blob's.
    return fromSshpk(parsed(`${fields[at]} ${fields[at + 1]}`, 'ssh'));
  }
  return undefined;
}

/** RFC 4716: "---- BEGIN SSH2 PUBLIC KEY ----", headers (with "\\" continuations), base64 body. */
function fromRfc4716(text: string): SshPublicKey | undefined {
  const match = /---- BEGIN SSH2 PUBLIC KEY ----\r?\n[\s\S]*?---- END SSH2 PUBLIC KEY ----/.exec(text);
  return match ? fromSshpk(parsed(match[0], 'pem')) : undefined;
}

function fromPem(text: string): SshPublicKey | undefined {
  if (!/-----BEGIN (RSA )?PUBLIC KEY-----/.test(text)) return undefined;
  return checked(fromSshpk(parsed(text, 'pem')));
}

/** Raw DER (SubjectPublicKeyInfo or PKCS#1), which sshpk does not read: node:crypto does. */
function fromDer(der: Buffer): SshPublicKey | undefined {
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      return checked(fromKeyObject(createPublicKey({ key: der, format: 'der', type })));
    } catch (error) {
      if (error instanceof Ec2Error) throw error;
    }
  }
  return undefined;
}

function strictBase64(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '');
  if (!compact || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 === 1) return undefined;
  return Buffer.from(compact, 'base64');
}

/**
 * ImportKeyPair's PublicKeyMaterial (already base64-decoded by the protocol layer). Material that
 * is itself base64 of one of the accepted forms (a client that encoded the key twice) is read too.
 */
export function parsePublicKeyMaterial(material: Uint8Array): SshPublicKey {
  const bytes = Buffer.from(material);
  const direct = parseOnce(bytes);
  if (direct) return direct;
  const inner = strictBase64(bytes.toString('latin1'));
  const nested = inner && parseOnce(inner);
  if (nested) return nested;
  throw invalidKeyFormat();
}

/** Text of printable ASCII, tabs and line breaks (so not raw DER). */
const isPrintable = (text: string) =>
  [...text].every((c) => c === '\t' || c === '\n' || c === '\r' || (c >= ' ' && c <= '~'));

function parseOnce(bytes: Buffer): SshPublicKey | undefined {
  if (bytes.length === 0) return undefined;
  const text = bytes.toString('latin1');
  if (isPrintable(text)) {
    const key = fromRfc4716(text) ?? fromPem(text) ?? fromOpenSshLine(text);
    if (key) return checked(key);
    const der = strictBase64(text);
    return der ? fromDer(der) : undefined;
  }
  return fromDer(bytes);
}
