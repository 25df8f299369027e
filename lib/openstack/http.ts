/**
 * One HTTP client per OpenStack service: keep-alive agents shared by the whole process, JSON in and
 * out, retries only for idempotent methods, and every failure turned into an OpenStackError that
 * says which service answered what. The transport is lib/http-exchange.ts (it replaced got, whose
 * per-call CPU was twice as much: see there).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ACCEPT_COMPRESSED, KeepAliveAgents, exchange, type ExchangeAnswer } from '../http-exchange.js';
import { noteOpenStackCall } from '../log.js';
import { retry } from '../wait.js';

export type Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE' | 'OPTIONS';

const keepAliveAgents = new KeepAliveAgents(64);

export class OpenStackError extends Error {
  constructor(
    readonly service: string,
    readonly status: number,
    message: string,
    /** The fault's type where the service names one (Neutron's `type`, Nova's `itemNotFound`…). */
    readonly type: string | undefined,
    readonly method: string,
    readonly url: string,
  ) {
    super(message);
    this.name = 'OpenStackError';
  }
}

/** A network-level failure reaching a service (refused, reset, timed out). */
export class OpenStackUnavailable extends Error {
  constructor(
    readonly service: string,
    message: string,
  ) {
    super(message);
    this.name = 'OpenStackUnavailable';
  }
}

/** Pulls the human message out of the fault bodies of Nova, Cinder, Neutron, Glance and Keystone. */
export function faultOf(body: unknown): { message?: string; type?: string } {
  if (typeof body === 'string') {
    const text = body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
    return text ? { message: text } : {};
  }
  if (!body || typeof body !== 'object') return {};
  const record = body as Record<string, unknown>;
  if (record['NeutronError'] && typeof record['NeutronError'] === 'object') {
    const e = record['NeutronError'] as { message?: string; type?: string };
    return { message: e.message, type: e.type };
  }
  if (typeof record['message'] === 'string') return { message: record['message'] };
  const [key, value] = Object.entries(record)[0] ?? [];
  if (key && value && typeof value === 'object') {
    const e = value as { message?: string; title?: string };
    return { message: e.message ?? e.title, type: key };
  }
  return {};
}

export interface ServiceClientOptions {
  service: string;
  baseUrl: string;
  headers?: Record<string, string>;
  /** Each attempt's limit, from sending to the answer's last byte (a retried read may take up to 3 of them). */
  timeoutMs: number;
  /**
   * Ask once more after a 401 (default). Off for Keystone's own checks, where a 401 is the answer
   * about the credential and must stay one call.
   */
  retryUnauthorized?: boolean;
}

export interface RequestOptions {
  searchParams?: Record<string, string | number | boolean | undefined> | URLSearchParams;
  json?: unknown;
  body?: Buffer | string;
  headers?: Record<string, string>;
}

export interface ServiceResponse<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

const IDEMPOTENT = new Set<Method>(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const RETRY_401_AFTER_MS = 200;
/** Transient answers and network failures an idempotent call is sent again after (twice at most). */
const RETRIED_STATUS = new Set([408, 502, 503, 504]);
const RETRIED_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);
const TRANSIENT_RETRIES = 2;
/** A Retry-After longer than this is not waited for: the call fails with the service's answer. */
const MAX_RETRY_AFTER_MS = 30_000;

function trace(service: string, method: string, url: string, status: number | string, started: number): void {
  noteOpenStackCall(service, method, url.split('?')[0]!, status, Math.round(performance.now() - started));
}

/** Before transient retry n (1, 2): 1 s, then 2 s, plus up to 100 ms of jitter, or the service's Retry-After. */
function transientDelayMs(retryNumber: number, answer: ExchangeAnswer | undefined): number | undefined {
  const after = answer?.headers['retry-after'];
  if (after !== undefined) {
    const seconds = Number(after);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(after) - Date.now();
    if (Number.isFinite(ms)) return ms > MAX_RETRY_AFTER_MS ? undefined : Math.max(0, ms);
  }
  return 2 ** (retryNumber - 1) * 1000 + Math.random() * 100;
}

export class ServiceClient {
  private readonly prefix: string;
  private readonly headers: Record<string, string>;

  constructor(readonly options: ServiceClientOptions) {
    this.prefix = options.baseUrl.replace(/\/+$/, '');
    this.headers = { accept: 'application/json', 'accept-encoding': ACCEPT_COMPRESSED, ...lowerCased(options.headers) };
  }

  async request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<ServiceResponse<T>> {
    // A 401 is decided before the service does anything, so even a create may be sent again. Keystone
    // refuses valid tokens now and then under load (see README: AuthFailure under load): ask once more.
    return retry(() => this.send<T>(method, path, options), {
      attempts: this.options.retryUnauthorized === false ? 1 : 2,
      intervalMs: RETRY_401_AFTER_MS,
      shouldRetry: (error) => error instanceof OpenStackError && error.status === 401,
    });
  }

  private async send<T>(method: Method, path: string, options: RequestOptions): Promise<ServiceResponse<T>> {
    const relative = path.replace(/^\/+/, '');
    const url = new URL(`${this.prefix}/${relative}`);
    if (options.searchParams) for (const [k, v] of cleanSearchParams(options.searchParams)) url.searchParams.append(k, v);
    const headers = { ...this.headers, ...lowerCased(options.headers) };
    let body: string | Buffer | undefined = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      // Glance's PATCH names its own JSON type (application/openstack-images-v2.1-json-patch).
      headers['content-type'] ??= 'application/json';
    }
    const started = performance.now();
    const idempotent = IDEMPOTENT.has(method);
    for (let retryNumber = 1; ; retryNumber++) {
      let answer: ExchangeAnswer | undefined;
      let failure: unknown;
      try {
        answer = await exchange({ url, method, headers, body, agent: keepAliveAgents.for(url), deadlineMs: this.options.timeoutMs });
        if (answer.statusCode < 400) {
          trace(this.options.service, method, relative, answer.statusCode, started);
          return { status: answer.statusCode, headers: answer.headers, body: parsed(answer) as T };
        }
      } catch (error) {
        failure = error;
      }
      const transient = answer ? RETRIED_STATUS.has(answer.statusCode) : RETRIED_ERRORS.has((failure as { code?: string }).code ?? '');
      const delay = idempotent && transient && retryNumber <= TRANSIENT_RETRIES ? transientDelayMs(retryNumber, answer) : undefined;
      if (delay !== undefined) {
        await sleep(delay);
        continue;
      }
      const error = answer ? this.refusal(answer, method, relative) : this.unreachable(failure);
      trace(this.options.service, method, relative, error instanceof OpenStackError ? error.status : 'unreachable', started);
      throw error;
    }
  }

  async get<T>(path: string, searchParams?: RequestOptions['searchParams']): Promise<T> {
    return (await this.request<T>('GET', path, { searchParams })).body;
  }

  async post<T>(path: string, json?: unknown, headers?: Record<string, string>): Promise<T> {
    return (await this.request<T>('POST', path, { json: json ?? {}, headers })).body;
  }

  async put<T>(path: string, json?: unknown, headers?: Record<string, string>): Promise<T> {
    return (await this.request<T>('PUT', path, { json, headers })).body;
  }

  async patch<T>(path: string, json: unknown, headers?: Record<string, string>): Promise<T> {
    return (await this.request<T>('PATCH', path, { json, headers })).body;
  }

  async delete(path: string, searchParams?: RequestOptions['searchParams']): Promise<void> {
    await this.request('DELETE', path, { searchParams });
  }

  private refusal(answer: ExchangeAnswer, method: string, url: string): OpenStackError {
    const service = this.options.service;
    const text = answer.body.toString('utf8');
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    const fault = faultOf(body);
    return new OpenStackError(
      service,
      answer.statusCode,
      fault.message ?? `${service} answered ${answer.statusCode}`,
      fault.type,
      method,
      `${this.prefix}/${url}`,
    );
  }

  private unreachable(error: unknown): Error {
    const code = (error as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string' || error instanceof Error) {
      const service = this.options.service;
      return new OpenStackUnavailable(service, `${service} is unreachable: ${typeof code === 'string' ? code : (error as Error).message}`);
    }
    return new Error(String(error));
  }
}

/** A JSON answer parsed; any other answer as text. */
function parsed(answer: ExchangeAnswer): unknown {
  const text = answer.body.toString('utf8');
  const type = String(answer.headers['content-type'] ?? '');
  return text && type.includes('json') ? JSON.parse(text) : text;
}

const lowerCased = (headers: Record<string, string> | undefined): Record<string, string> =>
  headers ? Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])) : {};

function cleanSearchParams(params: NonNullable<RequestOptions['searchParams']>): URLSearchParams {
  if (params instanceof URLSearchParams) return params;
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) out.append(k, String(v));
  return out;
}
