/**
 * A SigV4-signed JSON POST to an AWS API over a keep-alive connection, with the AWS SDK's retry
 * rules: what the state table's hot calls (lib/store/table-client.ts) are sent with instead of the
 * SDK's client. Measured (`bench/table-calls.ts`, issue 15): a small GetItem costs the SDK v3 client
 * about 1.1–1.9 ms of this process's CPU in a young process (a family's container) and 0.4–1.4 ms
 * once V8 has optimised it; this path costs about 0.5 and 0.15–0.45 ms, of which Node's HTTP client
 * alone is 0.3 and 0.1. Most of the difference is the SDK's per-call machinery (middleware stack, schema-driven
 * serialisation, endpoint rules, user agent), which no client option turns off.
 *
 * The signing is the SDK's own signer (@smithy/signature-v4), so a request is signed exactly as the
 * SDK signs it; only the transport and the JSON around it are ours.
 */
import { createHash, createHmac, type BinaryLike, type Hash, type Hmac } from 'node:crypto';
import { Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { exchange } from './http-exchange.js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/** The signer's credentials: fixed ones, or a provider (the SDK's chain, which refreshes them). */
export type SigningCredentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];
type SourceData = string | ArrayBuffer | ArrayBufferView;

/** SHA-256 and HMAC-SHA-256 for the signer, from node:crypto (the signer's interface). */
export class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBinary(this.secret));
  }
  update(data: Uint8Array | string): void {
    this.hash.update(toBinary(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.fresh();
  }
}
const toBinary = (data: SourceData): BinaryLike =>
  typeof data === 'string' ? data : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);

/** An AWS error answer (or a failure to get one), shaped like the SDK's service exceptions. */
export class AwsServiceError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode?: number; requestId?: string; attempts: number };
  constructor(name: string, message: string, statusCode: number | undefined, requestId: string | undefined, attempts: number) {
    super(message || name);
    this.name = name;
    this.$fault = statusCode !== undefined && statusCode < 500 ? 'client' : 'server';
    this.$metadata = { httpStatusCode: statusCode, requestId, attempts };
  }
}

/** Throttling errors: the SDK's list (its standard retry strategy) and the HTTP status that means it. */
const THROTTLING = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'Throttling',
  'SlowDown',
  'BandwidthLimitExceeded',
  'TransactionInProgressException',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);
/** Transient failures the SDK retries: these codes, any 5xx in TRANSIENT_STATUS, and network errors. */
const TRANSIENT = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'InternalServerError', 'ServiceUnavailable']);
const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);
/** Answers that mean the signature's time is off: the SDK's list (it corrects its clock on these). */
const CLOCK_SKEW_ERRORS = new Set(['AuthFailure', 'InvalidSignatureException', 'RequestExpired', 'RequestInTheFuture', 'RequestTimeTooSkewed', 'SignatureDoesNotMatch']);
const MAX_CLOCK_SKEW_MS = 300_000;
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNABORTED']);

export function isRetryable(error: unknown): boolean {
  if (error instanceof AwsServiceError) {
    return THROTTLING.has(error.name) || TRANSIENT.has(error.name) || TRANSIENT_STATUS.has(error.$metadata.httpStatusCode ?? 0);
  }
  return NETWORK_CODES.has((error as { code?: string }).code ?? '');
}

export interface AwsJsonTarget {
  /** The service's endpoint, e.g. http://127.0.0.1:8840, or how to find it (asked once, on the first call). */
  endpoint: string | (() => Promise<string>);
  region: string;
  /** The SigV4 signing name: 'dynamodb', 'lambda'. */
  service: string;
  credentials: SigningCredentials;
  /** Attempts per call, the first included (the SDK's default for DynamoDB: 3, or 4 with its 2026 retry). */
  maxAttempts?: number;
  /** Base of the full-jitter backoff between attempts (the SDK's: 100 ms, 25 ms with its 2026 retry). */
  baseDelayMs?: number;
  /** A socket silent this long fails the attempt (the SDK's default socket timeout is 5 minutes). */
  socketTimeoutMs?: number;
}

export interface AwsJsonRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface AwsJsonAnswer {
  statusCode: number;
  headers: IncomingMessage['headers'];
  body: string;
  attempts: number;
}

/**
 * Sends signed requests to one endpoint over one keep-alive agent (50 sockets, as the SDK's).
 * `post` retries what the SDK would retry, with full-jitter exponential backoff; the answer of the
 * last attempt (any status) is returned, and the caller turns an error answer into an error with
 * `errorOf` (which is what decides whether it was worth another attempt).
 */
interface Connection {
  url: URL;
  /** The endpoint's own path, without its last slash: requests' paths go below it, as the SDK sends them. */
  basePath: string;
  agent: HttpAgent | HttpsAgent;
}

export class AwsJsonPoster {
  private connection: Connection | undefined;
  private readonly connecting: Promise<Connection>;
  private readonly signer: SignatureV4;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly socketTimeoutMs: number;
  /** The service's clock minus ours, once it said our signature's time was off (see correctedClock). */
  private clockOffsetMs = 0;

  constructor(target: AwsJsonTarget) {
    const connectTo = (endpoint: string): Connection => {
      const url = new URL(endpoint);
      const secure = url.protocol === 'https:';
      const agent = secure ? new HttpsAgent({ keepAlive: true, maxSockets: 50 }) : new HttpAgent({ keepAlive: true, maxSockets: 50 });
      return (this.connection = { url, basePath: url.pathname.replace(/\/$/, ''), agent });
    };
    const { endpoint } = target;
    this.connecting = typeof endpoint === 'string' ? Promise.resolve(connectTo(endpoint)) : endpoint().then(connectTo);
    // A failure to find the endpoint is the first call's to report, not an unhandled rejection.
    this.connecting.catch(() => undefined);
    this.signer = new SignatureV4({
      credentials: target.credentials,
      region: target.region,
      service: target.service,
      sha256: NodeSha256,
      // Only S3 signs with the x-amz-content-sha256 header; the payload hash is in the signature anyway.
      applyChecksum: false,
    });
    this.maxAttempts = Math.max(1, target.maxAttempts ?? 4);
    this.baseDelayMs = target.baseDelayMs ?? 25;
    this.socketTimeoutMs = target.socketTimeoutMs ?? 60_000;
  }

  /** One call: signed afresh for each attempt (the date changes); retried while `errorOf` says retryable. */
  async post(request: AwsJsonRequest, errorOf: (answer: AwsJsonAnswer) => Error | undefined): Promise<AwsJsonAnswer> {
    for (let attempt = 1; ; attempt++) {
      let failure: unknown;
      let skewed = false;
      try {
        const answer = await this.once(request, attempt);
        failure = errorOf(answer);
        if (!failure) return answer;
        skewed = this.correctedClock(answer, failure);
      } catch (error) {
        failure = error;
      }
      if (attempt >= this.maxAttempts || !(skewed || isRetryable(failure))) throw failure;
      const delay = Math.random() * Math.min(20_000, this.baseDelayMs * 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /**
   * As the SDK does: when the service refuses the signature's time and its own clock (the answer's
   * Date) is more than 5 minutes from ours, later requests are signed with its time, and this one
   * is tried again. Says whether it corrected the clock.
   */
  private correctedClock(answer: AwsJsonAnswer, failure: unknown): boolean {
    if (!CLOCK_SKEW_ERRORS.has((failure as { name?: string }).name ?? '')) return false;
    const serverTime = Date.parse(String(answer.headers.date ?? ''));
    if (Number.isNaN(serverTime)) return false;
    const offset = serverTime - Date.now();
    if (Math.abs(offset - this.clockOffsetMs) < MAX_CLOCK_SKEW_MS) return false;
    this.clockOffsetMs = offset;
    return true;
  }

  private async once(request: AwsJsonRequest, attempt: number): Promise<AwsJsonAnswer> {
    const { url, basePath, agent } = this.connection ?? (await this.connecting);
    const path = `${basePath}${request.path}`;
    const signed = await this.signer.sign(
      new HttpRequest({
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path,
        headers: { ...request.headers, host: url.host },
        body: request.body,
      }),
      { signingDate: new Date(Date.now() + this.clockOffsetMs) },
    );
    const answer = await exchange({
      url: new URL(path, url),
      method: 'POST',
      agent,
      headers: signed.headers,
      body: request.body,
      idleTimeoutMs: this.socketTimeoutMs,
    });
    return { statusCode: answer.statusCode, headers: answer.headers, body: answer.body.toString('utf8'), attempts: attempt };
  }

  destroy(): void {
    this.connection?.agent.destroy();
  }
}
