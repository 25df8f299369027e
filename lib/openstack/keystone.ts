/**
 * Keystone: the EC2 service's own session (password auth, cached until near expiry), validation of
 * EC2 signatures through /v3/ec2tokens (which, since CVE-2025-65073, must be called with a service
 * token), and reading a user's EC2 secret so later requests can be verified locally.
 */
import { createHash } from 'node:crypto';
import type { ServiceCredentials } from '../config.js';
import { config } from '../config.js';
import type { CatalogEntry } from './catalog.js';
import { OpenStackError, OpenStackUnavailable, ServiceClient } from './http.js';

export interface KeystoneToken {
  id: string;
  expiresAt: Date;
  projectId: string;
  projectName: string;
  userId: string;
  userName: string;
  roles: string[];
  catalog: CatalogEntry[];
}

interface TokenBody {
  token: {
    expires_at: string;
    project?: { id: string; name: string };
    user: { id: string; name: string };
    roles?: Array<{ name: string }>;
    catalog?: CatalogEntry[];
  };
}

/** Counts calls made to Keystone, so the benchmark can report calls per 1,000 requests. */
export const keystoneCalls = { passwordAuth: 0, ec2tokens: 0, credentialReads: 0 };

function tokenFrom(subjectToken: string | string[] | undefined, body: TokenBody): KeystoneToken {
  const t = body.token;
  if (typeof subjectToken !== 'string' || !t.project) {
    throw new Error('Keystone answered without a project-scoped token');
  }
  return {
    id: subjectToken,
    expiresAt: new Date(t.expires_at),
    projectId: t.project.id,
    projectName: t.project.name,
    userId: t.user.id,
    userName: t.user.name,
    roles: (t.roles ?? []).map((r) => r.name),
    catalog: t.catalog ?? [],
  };
}

function identityClient(authUrl: string, token?: string): ServiceClient {
  return new ServiceClient({
    service: 'keystone',
    baseUrl: authUrl,
    headers: token ? { 'x-auth-token': token } : {},
    timeoutMs: config().openstack.timeoutMs,
    retryUnauthorized: false,
  });
}

export async function passwordAuth(c: ServiceCredentials): Promise<KeystoneToken> {
  keystoneCalls.passwordAuth++;
  const response = await identityClient(c.authUrl).request<TokenBody>('POST', 'auth/tokens', {
    json: {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: c.username, password: c.password, domain: { name: c.userDomainName } } },
        },
        scope: { project: { name: c.projectName, domain: { name: c.projectDomainName } } },
      },
    },
  });
  return tokenFrom(response.headers['x-subject-token'], response.body);
}

/** Renew tokens this long before Keystone says they expire. */
const EXPIRY_MARGIN_MS = 5 * 60_000;

export const isFresh = (token: KeystoneToken, now = Date.now()) =>
  token.expiresAt.getTime() - EXPIRY_MARGIN_MS > now;

/**
 * The EC2 service user's token, shared by everything in this process. A cold process's first
 * request waits for it before anything else (ec2tokens needs it), so `warmUp` asks for it as the
 * function loads: the password check, Keystone's slowest call, then runs while the rest of the
 * code loads. A warm-up that fails is never the answer to a request: `get` asks again.
 */
export class ServiceSession {
  private token: KeystoneToken | undefined;
  private pending: Promise<KeystoneToken> | undefined;
  /** The warm-up under way; never rejects (undefined when it failed). */
  private warming: Promise<KeystoneToken | undefined> | undefined;

  constructor(private readonly authenticate: (credentials: ServiceCredentials) => Promise<KeystoneToken> = passwordAuth) {}

  async get(): Promise<KeystoneToken> {
    if (this.token && isFresh(this.token)) return this.token;
    // A warm-up under way: its token, or, if it failed, an attempt of our own below.
    if (this.warming) await this.warming;
    if (this.token && isFresh(this.token)) return this.token;
    this.pending ??= this.authenticate(config().openstack.credentials)
      .then((t) => (this.token = t))
      .finally(() => (this.pending = undefined));
    return this.pending;
  }

  /**
   * Starts getting the token now, without a configuration read that would stay cached (on
   * OpenWhisk the settings arrive with the first invocation): skipped when the environment names
   * no Keystone yet or a token is already held or on its way.
   */
  warmUp(credentials: ServiceCredentials | undefined): void {
    if (!credentials?.authUrl || this.token || this.pending || this.warming) return;
    const warming = this.authenticate(credentials).then(
      (t) => (this.token ??= t),
      () => undefined,
    );
    this.warming = warming;
    void warming.then(() => {
      if (this.warming === warming) this.warming = undefined;
    });
  }

  invalidate(): void {
    this.token = undefined;
    this.warming = undefined;
  }
}

export const serviceSession = new ServiceSession();

/** What /v3/ec2tokens needs to recompute the signature the client sent. */
export interface Ec2TokenCredentials {
  access: string;
  signature: string;
  host: string;
  verb: string;
  path: string;
  params: Record<string, string>;
  headers: Record<string, string>;
  body_hash: string;
}

/** Validates an EC2 signature with Keystone; 401/403 mean the signature or credential is bad. */
export async function ec2Tokens(credentials: Ec2TokenCredentials): Promise<KeystoneToken> {
  const call = async () => {
    const service = await serviceSession.get();
    keystoneCalls.ec2tokens++;
    return identityClient(config().openstack.credentials.authUrl, service.id).request<TokenBody>(
      'POST',
      'ec2tokens',
      { json: { credentials } },
    );
  };
  let response;
  try {
    response = await call();
  } catch (error) {
    // 401: our own service token may have been revoked. 403: Keystone refused our service token
    // (a bad credential or signature is always 401 here); Keystone 22 does so now and then under
    // concurrent load. Renew once and retry.
    if (!(error instanceof OpenStackError) || ![401, 403].includes(error.status)) throw error;
    serviceSession.invalidate();
    try {
      response = await call();
    } catch (again) {
      if (again instanceof OpenStackError && again.status === 403) {
        throw new OpenStackUnavailable('keystone', `Keystone refused the EC2 service's own token for signature checks: ${again.message}`);
      }
      throw again;
    }
  }
  return tokenFrom(response.headers['x-subject-token'], response.body);
}

/** Which token last read a credential's secret: the one to try first next time. */
let credentialReadsWith: 'user' | 'service' | undefined;

/**
 * The secret of an EC2 credential, read with the service token or with the user's own token (a user
 * may read their own credentials by Keystone's default policy, but not with an EC2-derived token).
 */
export async function ec2Secret(userId: string, access: string, userToken: string): Promise<string | undefined> {
  const path = `users/${encodeURIComponent(userId)}/credentials/OS-EC2/${encodeURIComponent(access)}`;
  const authUrl = config().openstack.credentials.authUrl;
  // Keystone 22 refuses every request made with a token obtained from an EC2 credential (403), so the
  // service token usually works where the user's does not; try first whichever worked last time, so
  // a steady state reads the credential once and Keystone's log is not filled with Forbidden.
  const order: Array<'user' | 'service'> = credentialReadsWith === 'user' ? ['user', 'service'] : ['service', 'user'];
  for (const kind of order) {
    keystoneCalls.credentialReads++;
    try {
      const id = kind === 'user' ? userToken : (await serviceSession.get()).id;
      const body = await identityClient(authUrl, id).get<{ credential: { secret: string } }>(path);
      credentialReadsWith = kind;
      return body.credential.secret;
    } catch (error) {
      if (!(error instanceof OpenStackError) || ![401, 403].includes(error.status)) throw error;
    }
  }
  return undefined;
}

/**
 * An EC2 credential read with the service token: Keystone stores it under the SHA-256 of the access
 * key. Needs a service user allowed to read other users' credentials (admin).
 */
export async function readCredentialWithServiceToken(
  access: string,
): Promise<{ secret: string; userId: string; projectId: string } | undefined> {
  const id = createHash('sha256').update(access).digest('hex');
  keystoneCalls.credentialReads++;
  try {
    const service = await serviceSession.get();
    const body = await identityClient(config().openstack.credentials.authUrl, service.id).get<{
      credential: { blob: string; type: string; user_id: string; project_id: string };
    }>(`credentials/${id}`);
    if (body.credential.type !== 'ec2') return undefined;
    const blob = JSON.parse(body.credential.blob) as { access?: string; secret?: string };
    // The id is a convention of Keystone's EC2 API; the blob says which access key it really holds.
    if (!blob.secret || (blob.access !== undefined && blob.access !== access)) return undefined;
    return { secret: blob.secret, userId: body.credential.user_id, projectId: body.credential.project_id };
  } catch (error) {
    if (error instanceof OpenStackError && [401, 403, 404].includes(error.status)) return undefined;
    throw error;
  }
}
