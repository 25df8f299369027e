/**
 * The metadata service's HTTP surface, as AWS's instance metadata service answers it, behind the
 * neutron metadata agent:
 *   GET /                                   versions
 *   GET /<version>/[meta-data/…|user-data|dynamic/…]
 *   PUT /latest/api/token                   IMDSv2 session token
 * Every request first proves where it comes from (the agent's signed headers), then, for GETs,
 * its session token when it has one or the cloud requires one. `/openstack/…` is passed on to
 * Nova's metadata API (nova-passthrough.ts).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingRequest } from '../../lib/auth/signed-request.js';
import { config } from '../../lib/config.js';
import type { HttpResponse } from '../../lib/http/gateway.js';
import { checkAccess, type MetadataSettings } from '../../lib/domain/metadata/access.js';
import { LookupCache, type CacheOutcome } from './cache.js';
import type { InstanceFacts } from './facts.js';
import { forwardedAddresses, identify, type Identity } from '../../lib/domain/metadata/identity.js';
import { logRequest } from '../../lib/domain/metadata/log.js';
import { fromNova, isNovaPath } from './nova-passthrough.js';
import { lookupInstance } from './lookup.js';
import { MetadataFailure, bytes, failure, text } from '../../lib/domain/metadata/responses.js';
import { TTL_HEADER, issueToken, requestedTtl } from '../../lib/domain/metadata/tokens.js';
import { isDir, listing, resolve, versionTree } from './tree.js';
import { isVersion, versionList } from '../../lib/domain/metadata/versions.js';
import { errorFields, logger, requestScope } from '../../lib/log.js';

export type InstanceSource = (identity: Identity) => Promise<{ facts: InstanceFacts | undefined; cache: CacheOutcome }>;

export interface MetadataDeps {
  settings: MetadataSettings;
  source: InstanceSource;
  now?: () => number;
}

const cache = new LookupCache<InstanceFacts | undefined>(() => config().metadata.cacheSeconds * 1000);

/** Lookups with the service's credentials, cached per instance. */
export const cachedLookup: InstanceSource = async ({ instanceId, tenantId }) => {
  const { value, cache: outcome } = await cache.get(`${tenantId}/${instanceId}`, () => lookupInstance(instanceId, tenantId));
  return { facts: value, cache: outcome };
};

/** For the benchmark: forget every cached instance. */
export const clearCache = () => cache.clear();

let defaults: MetadataDeps | undefined;
const defaultDeps = (): MetadataDeps => (defaults ??= { settings: config().metadata, source: cachedLookup });

/** Path segments, percent-decoded (MACs may arrive as `fa%3A16%3A…`). */
function segments(path: string): string[] {
  return path
    .split('?')[0]!
    .split('/')
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

const TOKEN_PATH = ['latest', 'api', 'token'];
const isTokenPath = (parts: string[]) => parts.length === 3 && parts.every((p, i) => p === TOKEN_PATH[i]);

/**
 * IMDSv2 token. AWS refuses a token request that carries X-Forwarded-For: it came through a proxy
 * (an open reverse proxy on the instance, an SSRF relay) and the token must not leave the instance.
 * Here the agent always adds X-Forwarded-For with the one address it saw; a list of addresses means
 * a proxy relayed the request before it reached the agent, and that is refused the same way.
 */
function putToken(request: IncomingRequest, settings: MetadataSettings, now: number): HttpResponse {
  const identity = identify(request.headers, settings.sharedSecret);
  if (forwardedAddresses(identity.forwardedFor).length > 1) {
    throw new MetadataFailure(403, `token request relayed through a proxy (X-Forwarded-For: ${identity.forwardedFor})`);
  }
  const ttl = requestedTtl(request.headers[TTL_HEADER]);
  const token = issueToken(settings.sharedSecret, identity.instanceId, identity.tenantId, ttl, now);
  return text(token, { [TTL_HEADER]: String(ttl) });
}

interface Outcome {
  response: HttpResponse;
  cache?: CacheOutcome;
}

async function get(parts: string[], identity: Identity, deps: MetadataDeps, path: string): Promise<Outcome> {
  if (parts.length === 0) return { response: text(versionList()) };
  if (isNovaPath(parts)) return { response: await fromNova(path, identity, deps.settings) };
  const [version, ...rest] = parts;
  if (!isVersion(version!)) throw new MetadataFailure(404, `no such version: ${version}`);
  if (isTokenPath(parts)) throw new MetadataFailure(405, 'tokens are PUT', { allow: 'PUT' });
  const { facts, cache: outcome } = await deps.source(identity);
  if (!facts) throw new MetadataFailure(404, `tenant ${identity.tenantId} has no instance ${identity.instanceId}`);
  const node = resolve(versionTree(version, facts), rest);
  if (node === undefined) throw new MetadataFailure(404, 'no such path');
  if (isDir(node)) return { response: text(listing(node)), cache: outcome };
  if (typeof node === 'string') return { response: text(node), cache: outcome };
  return { response: bytes(node.bytes), cache: outcome };
}

export async function handleMetadataRequest(request: IncomingRequest, deps: MetadataDeps = defaultDeps()): Promise<HttpResponse> {
  const started = Date.now();
  const now = deps.now?.() ?? Date.now();
  const parts = segments(request.path);
  let outcome: Outcome;
  let reason: string | undefined;
  try {
    if (request.method === 'PUT') {
      if (!isTokenPath(parts)) throw new MetadataFailure(405, 'only the token is PUT', { allow: 'GET' });
      outcome = { response: putToken(request, deps.settings, now) };
    } else if (request.method === 'GET') {
      outcome = await get(parts, checkAccess(request, deps.settings, now), deps, request.path);
    } else {
      throw new MetadataFailure(405, `method ${request.method}`, { allow: 'GET, PUT' });
    }
  } catch (error) {
    if (error instanceof MetadataFailure) {
      reason = error.reason;
      outcome = { response: failure(error.status, error.headers) };
    } else {
      const requestId = requestScope()?.requestId ?? randomUUID();
      logger.error('unexpected failure', errorFields(error));
      reason = `internal error ${requestId}`;
      outcome = { response: failure(500) };
    }
  }
  logRequest({
    method: request.method,
    path: request.path,
    instance: request.headers['x-instance-id'],
    tenant: request.headers['x-tenant-id'],
    status: outcome.response.statusCode,
    reason,
    cache: outcome.cache,
    ms: Date.now() - started,
  });
  return outcome.response;
}
