/**
 * One HTTP client per OpenStack service: got with keep-alive agents shared by the whole process,
 * JSON in and out, retries only for idempotent methods, and every failure turned into an
 * OpenStackError that says which service answered what.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import got, { HTTPError, RequestError, type Got, type Method, type OptionsInit } from 'got';
import { noteOpenStackCall } from '../log.js';
import { retry } from '../wait.js';

const keepAliveAgents = {
  http: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
  https: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
};

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

const IDEMPOTENT: Method[] = ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'];
const RETRY_401_AFTER_MS = 200;

function trace(service: string, method: string, url: string, status: number | string, started: number): void {
  noteOpenStackCall(service, method, url.split('?')[0]!, status, Math.round(performance.now() - started));
}

export class ServiceClient {
  private readonly http: Got;

  constructor(readonly options: ServiceClientOptions) {
    this.http = got.extend({
      prefixUrl: options.baseUrl.replace(/\/+$/, ''),
      headers: { accept: 'application/json', ...options.headers },
      agent: keepAliveAgents,
      timeout: { request: options.timeoutMs },
      throwHttpErrors: true,
      retry: {
        limit: 2,
        methods: IDEMPOTENT,
        statusCodes: [408, 502, 503, 504],
        errorCodes: ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN'],
      },
    });
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
    const init: OptionsInit = { method, headers: options.headers };
    if (options.searchParams) init.searchParams = cleanSearchParams(options.searchParams);
    if (options.json !== undefined) init.json = options.json;
    if (options.body !== undefined) init.body = options.body;
    const url = path.replace(/^\/+/, '');
    const started = performance.now();
    try {
      const response = await this.http(url, { ...init, isStream: false, resolveBodyOnly: false });
      trace(this.options.service, method, url, response.statusCode, started);
      const text = response.body as unknown as string;
      const type = String(response.headers['content-type'] ?? '');
      const body = (text && type.includes('json') ? JSON.parse(text) : text) as T;
      return { status: response.statusCode, headers: response.headers, body };
    } catch (error) {
      const failure = this.translate(error, method, url);
      trace(this.options.service, method, url, failure instanceof OpenStackError ? failure.status : 'unreachable', started);
      throw failure;
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

  private translate(error: unknown, method: string, url: string): Error {
    const service = this.options.service;
    if (error instanceof HTTPError) {
      const raw = error.response.body as unknown;
      let parsed: unknown = raw;
      if (typeof raw === 'string') {
        try {
          parsed = JSON.parse(raw);
        } catch {
          parsed = raw;
        }
      }
      const fault = faultOf(parsed);
      return new OpenStackError(
        service,
        error.response.statusCode,
        fault.message ?? `${service} answered ${error.response.statusCode}`,
        fault.type,
        method,
        `${this.options.baseUrl}/${url}`,
      );
    }
    if (error instanceof RequestError) {
      return new OpenStackUnavailable(service, `${service} is unreachable: ${error.code ?? error.message}`);
    }
    return error instanceof Error ? error : new Error(String(error));
  }
}

function cleanSearchParams(params: NonNullable<RequestOptions['searchParams']>): URLSearchParams {
  if (params instanceof URLSearchParams) return params;
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) out.append(k, String(v));
  return out;
}
