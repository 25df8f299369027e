/**
 * IMDSv2 session tokens without shared state: a token carries its expiry and an HMAC over the
 * instance and tenant it was issued to, keyed with a key derived from the metadata shared secret,
 * so any function instance can check any token, and a token of one instance is worthless to
 * another. Tokens cannot be revoked before they expire (AWS's cannot either).
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { MetadataFailure } from './responses.js';

export const TOKEN_HEADER = 'x-aws-ec2-metadata-token';
export const TTL_HEADER = 'x-aws-ec2-metadata-token-ttl-seconds';
export const MAX_TTL_SECONDS = 21_600;

const FORMAT = 1;
const NONCE_BYTES = 8;
const MAC_BYTES = 32;
const TOKEN_BYTES = 1 + 4 + NONCE_BYTES + MAC_BYTES;

const keys = new Map<string, Buffer>();
/** A key of its own for tokens, so nothing signed with it is worth anything as an instance signature. */
function tokenKey(secret: string): Buffer {
  let key = keys.get(secret);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), 'ec2-api-metadata', 'imdsv2-session-token', 32));
    keys.set(secret, key);
  }
  return key;
}

const macOf = (secret: string, head: Buffer, instanceId: string, tenantId: string) =>
  createHmac('sha256', tokenKey(secret)).update(head).update(`${instanceId}\n${tenantId}`, 'utf8').digest();

/** The TTL a token PUT asks for: a whole number of seconds from 1 to 21600, else 400. */
export function requestedTtl(value: string | undefined): number {
  const raw = value?.trim();
  if (!raw) throw new MetadataFailure(400, `${TTL_HEADER} header is missing`);
  if (!/^\d{1,6}$/.test(raw)) throw new MetadataFailure(400, `${TTL_HEADER} is not a number of seconds`);
  const ttl = Number(raw);
  if (ttl < 1 || ttl > MAX_TTL_SECONDS) throw new MetadataFailure(400, `${TTL_HEADER} out of range 1-${MAX_TTL_SECONDS}`);
  return ttl;
}

export function issueToken(secret: string, instanceId: string, tenantId: string, ttlSeconds: number, now = Date.now()): string {
  const head = Buffer.alloc(1 + 4 + NONCE_BYTES);
  head.writeUInt8(FORMAT, 0);
  head.writeUInt32BE(Math.floor(now / 1000) + ttlSeconds, 1);
  randomBytes(NONCE_BYTES).copy(head, 5);
  return Buffer.concat([head, macOf(secret, head, instanceId, tenantId)]).toString('base64url');
}

/** Checks a token for this instance: 401 when it is malformed, forged, another's, or expired. */
export function verifyToken(secret: string, token: string, instanceId: string, tenantId: string, now = Date.now()): void {
  const raw = Buffer.from(token.trim().replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), 'base64url');
  if (raw.length !== TOKEN_BYTES || raw.readUInt8(0) !== FORMAT) throw new MetadataFailure(401, 'malformed token');
  const head = raw.subarray(0, TOKEN_BYTES - MAC_BYTES);
  if (!timingSafeEqual(macOf(secret, head, instanceId, tenantId), raw.subarray(TOKEN_BYTES - MAC_BYTES))) {
    throw new MetadataFailure(401, 'token not issued to this instance');
  }
  if (head.readUInt32BE(1) * 1000 <= now) throw new MetadataFailure(401, 'token expired');
}
