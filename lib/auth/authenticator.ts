/**
 * Who sent this request? Keystone decides the first time it sees a credential (POST /v3/ec2tokens
 * with our service token) and gives a token scoped to the credential's project. We then read the
 * credential's secret and keep it with that token, so the following requests are verified locally.
 * After `credentialTtlSeconds` Keystone is asked again, so a deleted or disabled credential stops
 * working within that time; the token is renewed before it expires.
 */
import { config } from '../config.js';
import { selectEndpoints, type ServiceEndpoints } from '../openstack/catalog.js';
import { OpenStackError, OpenStackUnavailable } from '../openstack/http.js';
import { ec2Secret, ec2Tokens, isFresh, readCredentialWithServiceToken, type KeystoneToken } from '../openstack/keystone.js';
import { Ec2Error, authFailure, serviceUnavailable } from '../protocol/errors.js';
import { UNSIGNED_PAYLOAD, payloadHashes, sha256Hex, verifyLocally } from './local-signature.js';
import { checkTime, signatureInfo, type IncomingRequest, type SigV4Info, type SignatureInfo } from './signed-request.js';
import { signSyntheticRequest } from './synthetic.js';

export interface Caller {
  accessKey: string;
  projectId: string;
  projectName: string;
  userId: string;
  userName: string;
  roles: string[];
  token: string;
  tokenExpiresAt: string;
  endpoints: ServiceEndpoints;
}

interface CacheEntry {
  caller: Caller;
  token: KeystoneToken;
  secret: string | undefined;
  checkedAt: number;
}

const MAX_CACHED_CREDENTIALS = 10_000;

/** Keystone looks headers up by their usual capitalisation (`Authorization`, `X-Amz-Date`). */
function keystoneHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const canonical = name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
    out[canonical] = value;
  }
  return out;
}

function withoutSignature(params: Record<string, string>, name: string): Record<string, string> {
  const { [name]: _omitted, ...rest } = params;
  return rest;
}

/** The Keystone calls authentication needs (an interface so tests can count and fake them). */
export interface KeystoneEc2Api {
  ec2Tokens: typeof ec2Tokens;
  ec2Secret: typeof ec2Secret;
  readCredentialWithServiceToken: typeof readCredentialWithServiceToken;
}

const realKeystone: KeystoneEc2Api = { ec2Tokens, ec2Secret, readCredentialWithServiceToken };

export class Authenticator {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly keystone: KeystoneEc2Api = realKeystone,
    private readonly now: () => number = Date.now,
  ) {}

  async authenticate(request: IncomingRequest, params: Record<string, string>): Promise<Caller> {
    const info = signatureInfo(request, params);
    checkTime(info, config().auth.maxClockSkewSeconds, new Date(this.now()));
    const cached = this.cache.get(info.accessKey);
    if (cached?.secret && this.isCurrent(cached)) {
      if (await verifyLocally(request, params, info, cached.secret)) return cached.caller;
      // A mismatch may mean the secret changed: Keystone has the last word.
    }
    const { token, secret } = await this.validate(request, params, info);
    return this.remember(info.accessKey, token, secret);
  }

  /** Forget every cached credential (tests, or an operator's signal). */
  clear(): void {
    this.cache.clear();
  }

  private isCurrent(entry: CacheEntry): boolean {
    const ttlMs = config().auth.credentialTtlSeconds * 1000;
    return this.now() - entry.checkedAt < ttlMs && isFresh(entry.token, this.now());
  }

  private remember(accessKey: string, token: KeystoneToken, secret: string | undefined): Caller {
    const { interface: iface, region } = config().openstack;
    const caller: Caller = {
      accessKey,
      projectId: token.projectId,
      projectName: token.projectName,
      userId: token.userId,
      userName: token.userName,
      roles: token.roles,
      token: token.id,
      tokenExpiresAt: token.expiresAt.toISOString(),
      endpoints: selectEndpoints(token.catalog, iface, region),
    };
    this.cache.delete(accessKey);
    if (this.cache.size >= MAX_CACHED_CREDENTIALS) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(accessKey, { caller, token, secret, checkedAt: this.now() });
    return caller;
  }

  private async validate(
    request: IncomingRequest,
    params: Record<string, string>,
    info: SignatureInfo,
  ): Promise<{ token: KeystoneToken; secret: string | undefined }> {
    try {
      if (info.version === 2 && info.method === 'HmacSHA1') return await this.validateSecretFirst(request, params, info);
      const token = await this.askKeystone(request, params, info);
      const secret = await this.keystone.ec2Secret(token.userId, info.accessKey, token.id).catch(() => undefined);
      return { token, secret };
    } catch (error) {
      throw asAuthError(error);
    }
  }

  private async askKeystone(
    request: IncomingRequest,
    params: Record<string, string>,
    info: SignatureInfo,
  ): Promise<KeystoneToken> {
    const host = request.headers['host'] ?? '';
    const base = { access: info.accessKey, signature: info.signature, host, verb: request.method.toUpperCase(), path: request.path || '/' };
    if (info.version === 2) {
      return this.keystone.ec2Tokens({ ...base, params: withoutSignature(params, 'Signature'), headers: { Host: host }, body_hash: sha256Hex(request.body) });
    }
    const headers = keystoneHeaders({ host, ...request.headers });
    const query = withoutSignature(request.query, 'X-Amz-Signature');
    if (info.location === 'header') {
      const [bodyHash] = payloadHashes(request, info) as [string];
      return this.keystone.ec2Tokens({ ...base, params: query, headers, body_hash: bodyHash });
    }
    // Presigned: Keystone cannot tell which payload hash the client used, so offer each in turn.
    let lastError: unknown;
    for (const bodyHash of payloadHashes(request, info as SigV4Info)) {
      try {
        return await this.keystone.ec2Tokens({ ...base, params: query, headers: { Host: host }, body_hash: bodyHash });
      } catch (error) {
        lastError = error;
        if (bodyHash !== UNSIGNED_PAYLOAD || !(error instanceof OpenStackError) || error.status !== 401) break;
      }
    }
    throw lastError;
  }

  /**
   * Keystone's signer recomputes SigV2 only with HmacSHA256. For HmacSHA1 we read the credential
   * with our service token, verify here, and obtain the user's token by presenting Keystone a
   * request we sign ourselves with that same credential.
   */
  private async validateSecretFirst(
    request: IncomingRequest,
    params: Record<string, string>,
    info: SignatureInfo,
  ): Promise<{ token: KeystoneToken; secret: string }> {
    const credential = await this.keystone.readCredentialWithServiceToken(info.accessKey);
    if (!credential || !(await verifyLocally(request, params, info, credential.secret))) throw authFailure();
    const token = await this.keystone.ec2Tokens(await signSyntheticRequest(info.accessKey, credential.secret));
    return { token, secret: credential.secret };
  }
}

function asAuthError(error: unknown): Error {
  if (error instanceof Ec2Error) return error;
  if (error instanceof OpenStackError && [400, 401, 403, 404].includes(error.status)) return authFailure();
  if (error instanceof OpenStackUnavailable) return serviceUnavailable('The identity service is unreachable. Try again later.');
  if (error instanceof OpenStackError) return serviceUnavailable(`The identity service failed: ${error.message}`);
  return error instanceof Error ? error : new Error(String(error));
}

export const authenticator = new Authenticator();
