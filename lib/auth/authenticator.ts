/**
 * Who sent this request? Keystone decides the first time it sees a credential (POST /v3/ec2tokens
 * with our service token) and gives a token scoped to the credential's project. We then read the
 * credential's secret, verify that same request with it here too (Keystone's SigV4 check ignores
 * the query of a POST: it must never be the only check of what we execute), and keep secret and
 * token, so the following requests are verified locally. On an access key this process has not
 * seen, the credential is read beside the ec2tokens call rather than after it (a cold process's
 * first request waits for one round trip, not two); Keystone's verdict still comes first, and a
 * secret is used only if it belongs to the user and project Keystone's token names. After `credentialTtlSeconds` Keystone is
 * asked again, so a deleted or disabled credential stops working within that time; the token is
 * renewed before it expires.
 *
 * A signature that fails costs Keystone at most one round trip (two calls side by side the first
 * time this process sees its access key, then one): Keystone's refusals are remembered
 * per (access key, signature), a signature that does not match a secret confirmed within the TTL is
 * refused here, and Keystone checks that fail are rationed per access key (and for all keys
 * together) by token buckets. The owner is never locked out by them once we hold the secret: a
 * request that verifies with it never waits for a bucket.
 */
import { config } from '../config.js';
import { deferred } from '../deferred.js';
import { selectEndpoints, type ServiceEndpoints } from '../openstack/catalog.js';
import { OpenStackError, OpenStackUnavailable } from '../openstack/http.js';
import { ec2Secret, ec2Tokens, isFresh, readCredentialWithServiceToken, type KeystoneToken } from '../openstack/keystone.js';
import { Ec2Error, authFailure, requestLimitExceeded, serviceUnavailable } from '../protocol/errors.js';
import { LruMap } from '../bounded.js';
import { ExpiringSet, TokenBuckets, type BucketSettings } from './limits.js';
import { UNSIGNED_PAYLOAD, checkDeclaredPayloadHash, payloadHashes, sha256Hex, verifyLocally } from './local-signature.js';
import {
  checkSigV4Rules,
  checkTime,
  signatureInfo,
  type IncomingRequest,
  type SigV4Info,
  type SignatureInfo,
} from './signed-request.js';
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

/** The caller a Keystone token (from ec2tokens or a password) stands for. */
export function callerOf(accessKey: string, token: KeystoneToken, endpoints: ServiceEndpoints): Caller {
  return {
    accessKey,
    projectId: token.projectId,
    projectName: token.projectName,
    userId: token.userId,
    userName: token.userName,
    roles: token.roles,
    token: token.id,
    tokenExpiresAt: token.expiresAt.toISOString(),
    endpoints,
  };
}

interface CacheEntry {
  caller: Caller;
  token: KeystoneToken;
  secret: string | undefined;
  checkedAt: number;
}

const MAX_CACHED_CREDENTIALS = 10_000;

/** A request waits for at most this many other checks of its access key before making its own. */
const MAX_WAITS_FOR_ANOTHER_CHECK = 3;

/** How Keystone checks that fail are rationed. */
export interface KeystoneCheckLimits {
  /** Per access key: a few back to back, then one every few seconds. */
  perAccessKey: BucketSettings;
  /** For all access keys of this process together (forgers can make up access keys). */
  overall: BucketSettings;
  /** How long a signature Keystone refused is refused without asking again. */
  refusedSignatureTtlSeconds: number;
  /** Memory bound of each of the three tables (access keys, refused signatures). */
  maxEntries: number;
}

export const defaultKeystoneCheckLimits: KeystoneCheckLimits = {
  perAccessKey: { capacity: 5, refillPerSecond: 1 / 6 },
  overall: { capacity: 50, refillPerSecond: 20 },
  // Past twice the clock-skew window a header-signed request is refused on its date alone.
  refusedSignatureTtlSeconds: 900,
  maxEntries: 10_000,
};

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
  private readonly cache: LruMap<string, CacheEntry>;
  private readonly refusedSignatures: ExpiringSet;
  private readonly checksPerKey: TokenBuckets;
  private readonly checksOverall: TokenBuckets;
  /** The Keystone check under way per access key (settles, never rejects). */
  private readonly checksInFlight = new Map<string, Promise<void>>();
  /** Access keys whose credential was read beside a Keystone check: once each, not per forgery. */
  private readonly credentialsReadAhead: ExpiringSet;

  constructor(
    private readonly keystone: KeystoneEc2Api = realKeystone,
    private readonly now: () => number = Date.now,
    limits: KeystoneCheckLimits = defaultKeystoneCheckLimits,
  ) {
    this.cache = new LruMap(MAX_CACHED_CREDENTIALS);
    this.refusedSignatures = new ExpiringSet(limits.refusedSignatureTtlSeconds * 1000, limits.maxEntries, now);
    this.credentialsReadAhead = new ExpiringSet(limits.refusedSignatureTtlSeconds * 1000, limits.maxEntries, now);
    this.checksPerKey = new TokenBuckets(limits.perAccessKey, limits.maxEntries, now);
    this.checksOverall = new TokenBuckets(limits.overall, 1, now);
  }

  async authenticate(request: IncomingRequest, params: Record<string, string>): Promise<Caller> {
    const info = signatureInfo(request, params);
    checkTime(info, config().auth.maxClockSkewSeconds, new Date(this.now()));
    if (info.version === 4) {
      checkSigV4Rules(info);
      checkDeclaredPayloadHash(request, info);
    }
    for (let waits = 0; ; waits++) {
      const cached = this.cache.get(info.accessKey);
      const verified = cached?.secret !== undefined && (await verifyLocally(request, params, info, cached.secret));
      if (cached && verified && this.isCurrent(cached)) return cached.caller;
      // Keystone confirmed this secret within the TTL: a signature it does not produce is wrong.
      if (cached?.secret && !verified && this.withinTtl(cached)) throw authFailure();
      // A burst of first requests (or of requests past the TTL) asks Keystone once: the others
      // wait for that answer and are then verified here.
      const inFlight = this.checksInFlight.get(info.accessKey);
      if (inFlight && waits < MAX_WAITS_FOR_ANOTHER_CHECK) {
        await inFlight;
        continue;
      }
      return this.checkOnce(info.accessKey, () =>
        verified
          ? // The owner's own request: Keystone confirms the credential still stands, unrationed.
            this.revalidate(request, params, info)
          : this.validateRationed(request, params, info, cached?.secret !== undefined),
      );
    }
  }

  private checkOnce(accessKey: string, check: () => Promise<Caller>): Promise<Caller> {
    const result = check();
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.checksInFlight.set(accessKey, settled);
    void settled.then(() => {
      if (this.checksInFlight.get(accessKey) === settled) this.checksInFlight.delete(accessKey);
    });
    return result;
  }

  /** Forget every cached credential, refusal and bucket (tests, or an operator's signal). */
  clear(): void {
    this.cache.clear();
    this.refusedSignatures.clear();
    this.credentialsReadAhead.clear();
    this.checksPerKey.clear();
    this.checksOverall.clear();
  }

  private withinTtl(entry: CacheEntry): boolean {
    return this.now() - entry.checkedAt < config().auth.credentialTtlSeconds * 1000;
  }

  private isCurrent(entry: CacheEntry): boolean {
    return this.withinTtl(entry) && isFresh(entry.token, this.now());
  }

  /**
   * A Keystone check of a signature we cannot confirm ourselves. A signature Keystone refused is
   * refused again without asking; each check takes a token, given back when the signature proves
   * good, so only failures use the budget up. With the budget gone: AuthFailure if we hold a secret
   * the signature does not match, else RequestLimitExceeded (503), which SDKs retry with backoff:
   * the owner of a credential we have not verified yet is delayed, never told the key is wrong.
   */
  private async validateRationed(
    request: IncomingRequest,
    params: Record<string, string>,
    info: SignatureInfo,
    holdSecret: boolean,
  ): Promise<Caller> {
    const refusalKey = refusalKeyOf(request, info);
    if (this.refusedSignatures.has(refusalKey)) throw authFailure();
    if (!this.checksPerKey.take(info.accessKey)) throw this.rationed(holdSecret);
    if (!this.checksOverall.take('')) {
      this.checksPerKey.refund(info.accessKey);
      throw this.rationed(holdSecret);
    }
    const readAhead = !holdSecret && this.firstCheckOf(info.accessKey);
    const verdict = await this.askKeystoneForVerdict(request, params, info, readAhead).catch((error: unknown) => {
      const refusal = asAuthError(error);
      if (refusal instanceof Ec2Error && refusal.code === 'AuthFailure') this.refusedSignatures.add(refusalKey);
      throw refusal;
    });
    // A request Keystone accepts but we refuse (a query added to a signed POST) keeps its cost.
    const caller = await this.accept(request, params, info, verdict);
    this.checksPerKey.refund(info.accessKey);
    this.checksOverall.refund('');
    return caller;
  }

  /** True the first time (within the refusal TTL) this process checks the access key with Keystone. */
  private firstCheckOf(accessKey: string): boolean {
    if (this.credentialsReadAhead.has(accessKey)) return false;
    this.credentialsReadAhead.add(accessKey);
    return true;
  }

  private rationed(holdSecret: boolean): Ec2Error {
    return holdSecret
      ? authFailure()
      : requestLimitExceeded('Too many requests with signatures that could not be validated for this access key. Retry later.');
  }

  private remember(accessKey: string, token: KeystoneToken, secret: string | undefined): Caller {
    const { interface: iface, region } = config().openstack;
    const caller = callerOf(accessKey, token, selectEndpoints(token.catalog, iface, region));
    this.cache.set(accessKey, { caller, token, secret, checkedAt: this.now() });
    return caller;
  }

  /**
   * Keystone's verdict on a request whose signature verified with the secret we hold. A refusal
   * means the credential itself is gone: forget it, so that its former holder goes through the
   * rationed checks from now on.
   */
  private async revalidate(request: IncomingRequest, params: Record<string, string>, info: SignatureInfo): Promise<Caller> {
    const verdict = await this.askKeystoneForVerdict(request, params, info).catch((error: unknown) => {
      const refusal = asAuthError(error);
      if (refusal instanceof Ec2Error && refusal.code === 'AuthFailure') this.cache.delete(info.accessKey);
      throw refusal;
    });
    return this.accept(request, params, info, verdict);
  }

  /**
   * After Keystone's verdict, ours on the very same request with the secret Keystone's answer lets
   * us read. Without a secret, a part Keystone does not check (the query of a POST) is refused.
   */
  private async accept(
    request: IncomingRequest,
    params: Record<string, string>,
    info: SignatureInfo,
    { token, secret }: { token: KeystoneToken; secret: string | undefined },
  ): Promise<Caller> {
    const caller = this.remember(info.accessKey, token, secret);
    if (secret) {
      if (!(await verifyLocally(request, params, info, secret))) {
        throw authFailure('The request signature does not cover this request (was it changed after signing?).');
      }
    } else if (info.version === 4 && request.method.toUpperCase() === 'POST' && Object.keys(request.query).length > 0) {
      throw authFailure('A signed POST must carry its parameters in the body: query parameters cannot be verified here.');
    }
    return caller;
  }

  /**
   * Keystone's verdict (its token) and the credential's secret. With `readAhead`, the credential is
   * read with the service token while Keystone checks the signature; whatever that read gives
   * (nothing, a failure, another user's credential) ends in today's read by user id after the
   * verdict, and a refused signature discards it unread.
   */
  private async askKeystoneForVerdict(
    request: IncomingRequest,
    params: Record<string, string>,
    info: SignatureInfo,
    readAhead = false,
  ): Promise<{ token: KeystoneToken; secret: string | undefined }> {
    if (info.version === 2 && info.method === 'HmacSHA1') return this.validateSecretFirst(request, params, info);
    const credentialRead = deferred(readAhead ? this.keystone.readCredentialWithServiceToken(info.accessKey) : Promise.resolve(undefined));
    const token = await this.askKeystone(request, params, info);
    const credential = await credentialRead.catch(() => undefined);
    if (credential && credential.userId === token.userId && credential.projectId === token.projectId) {
      return { token, secret: credential.secret };
    }
    const secret = await this.keystone.ec2Secret(token.userId, info.accessKey, token.id).catch(() => undefined);
    return { token, secret };
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

/**
 * What a refusal is remembered by: the signature together with everything it was checked against,
 * so that a tampered copy of a genuine request, refused first, cannot get the genuine one refused.
 */
function refusalKeyOf(request: IncomingRequest, info: SignatureInfo): string {
  const sorted = (record: Record<string, string>) => JSON.stringify(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
  const material = [request.method, request.path, sorted(request.query), sorted(request.headers), request.body].join('\n');
  return `${info.accessKey}\n${info.signature}\n${sha256Hex(material)}`;
}

function asAuthError(error: unknown): Error {
  if (error instanceof Ec2Error) return error;
  if (error instanceof OpenStackError && [400, 401, 403, 404].includes(error.status)) return authFailure();
  if (error instanceof OpenStackUnavailable) return serviceUnavailable('The identity service is unreachable. Try again later.');
  if (error instanceof OpenStackError) return serviceUnavailable(`The identity service failed: ${error.message}`);
  return error instanceof Error ? error : new Error(String(error));
}

export const authenticator = new Authenticator();
