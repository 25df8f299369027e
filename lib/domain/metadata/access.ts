/**
 * The checks every metadata request passes before anything is looked up: the agent's signed
 * identity, then the IMDSv2 token (required when the cloud says so, verified whenever present).
 */
import type { IncomingRequest } from '../../auth/signed-request.js';
import { identify, type Identity } from './identity.js';
import { MetadataFailure } from './responses.js';
import { TOKEN_HEADER, verifyToken } from './tokens.js';

export interface MetadataSettings {
  sharedSecret: string;
  requireToken: boolean;
  cacheSeconds: number;
  /** Nova's metadata API and its shared secret, for `/openstack/…` (nova-passthrough.ts). */
  novaUrl?: string;
  novaSecret?: string;
}

export function checkAccess(request: Pick<IncomingRequest, 'headers'>, settings: MetadataSettings, now = Date.now()): Identity {
  const identity = identify(request.headers, settings.sharedSecret);
  const token = request.headers[TOKEN_HEADER];
  if (token !== undefined) {
    verifyToken(settings.sharedSecret, token, identity.instanceId, identity.tenantId, now);
  } else if (settings.requireToken) {
    throw new MetadataFailure(401, 'a session token is required');
  }
  return identity;
}
