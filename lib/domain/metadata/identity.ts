/**
 * Who is asking: the neutron metadata agent (or nova's metadata proxy) names the instance behind a
 * request in headers it signs with the shared secret (`metadata_proxy_shared_secret`):
 * X-Instance-ID-Signature = hex HMAC-SHA256(secret, X-Instance-ID). Instances cannot forge it, so
 * the instance id is the only thing trusted; the tenant is checked against the instance later.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { MetadataFailure } from './responses.js';

export interface Identity {
  /** The Nova server id. */
  instanceId: string;
  /** The project the agent says the instance's port belongs to. */
  tenantId: string;
  /** The instance's address as the agent saw it (a proxy chain shows several). */
  forwardedFor: string;
}

export const signInstanceId = (secret: string, instanceId: string) =>
  createHmac('sha256', Buffer.from(secret, 'utf8')).update(instanceId, 'utf8').digest('hex');

/** Equal strings, in time that depends neither on where they differ nor on their lengths. */
export function constantTimeEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** The verified identity of a request; 400 when a header is missing, 403 when the signature is wrong. */
export function identify(headers: Record<string, string | undefined>, secret: string): Identity {
  const instanceId = headers['x-instance-id']?.trim();
  const tenantId = headers['x-tenant-id']?.trim();
  const signature = headers['x-instance-id-signature']?.trim();
  const forwardedFor = headers['x-forwarded-for']?.trim();
  if (!instanceId) throw new MetadataFailure(400, 'X-Instance-ID header is missing');
  if (!tenantId) throw new MetadataFailure(400, 'X-Tenant-ID header is missing');
  if (!signature) throw new MetadataFailure(400, 'X-Instance-ID-Signature header is missing');
  if (!forwardedFor) throw new MetadataFailure(400, 'X-Forwarded-For header is missing');
  // Without a secret anyone could sign: refuse rather than trust every caller.
  if (!secret) throw new MetadataFailure(403, 'METADATA_SHARED_SECRET is not configured');
  if (!constantTimeEqual(signInstanceId(secret, instanceId), signature.toLowerCase())) {
    throw new MetadataFailure(403, `bad X-Instance-ID-Signature for ${instanceId}`);
  }
  return { instanceId, tenantId, forwardedFor };
}

/** The addresses in X-Forwarded-For, nearest client first. */
export const forwardedAddresses = (forwardedFor: string) =>
  forwardedFor
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
