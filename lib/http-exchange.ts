/**
 * One HTTP request and its whole answer over a keep-alive agent, with node:http alone: the transport
 * under the OpenStack clients (lib/openstack/http.ts) and the state table's and Lambda's signed
 * calls (lib/aws-http.ts). Measured (issue 15, `bench/openstack-calls.ts`): got spent about twice
 * this path's CPU on a small Nova GET (its option normalisation, hooks and stream layers), which a
 * family pays on every OpenStack call it makes.
 *
 * Retries, error translation and parsing are the callers'; this only sends, waits and decompresses.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';

export interface Exchange {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  agent: HttpAgent | HttpsAgent;
  /** The whole exchange fails with ETIMEDOUT past this (connecting, sending, the answer's last byte). */
  deadlineMs?: number;
  /** The exchange fails with ETIMEDOUT when its socket stays silent this long. */
  idleTimeoutMs?: number;
}

export interface ExchangeAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** The body as sent, decompressed when the server compressed it (gzip, deflate, br). */
  body: Buffer;
}

/** What a request says it accepts when compression is welcome (big listings cross real networks). */
export const ACCEPT_COMPRESSED = 'gzip, deflate, br';

const timedOut = (what: string) => Object.assign(new Error(what), { code: 'ETIMEDOUT' });

/** Keep-alive agents for one kind of peer (HTTP and HTTPS), chosen by each URL's protocol. */
export class KeepAliveAgents {
  readonly http: HttpAgent;
  readonly https: HttpsAgent;
  constructor(maxSockets: number) {
    this.http = new HttpAgent({ keepAlive: true, maxSockets });
    this.https = new HttpsAgent({ keepAlive: true, maxSockets });
  }
  for(url: URL): HttpAgent | HttpsAgent {
    return url.protocol === 'https:' ? this.https : this.http;
  }
  destroy(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

export function exchange(request: Exchange): Promise<ExchangeAnswer> {
  const { url, method, agent, body } = request;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers = body === undefined ? request.headers : { ...request.headers, 'content-length': String(Buffer.byteLength(body)) };
  return new Promise<ExchangeAnswer>((resolve, reject) => {
    let deadline: NodeJS.Timeout | undefined;
    const settle = <T>(fn: (value: T) => void) => (value: T) => {
      if (deadline) clearTimeout(deadline);
      fn(value);
    };
    const fail = settle(reject);
    const req = send(url, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', fail);
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const answer = (decoded: Buffer) => settle(resolve)({ statusCode: res.statusCode ?? 0, headers: res.headers, body: decoded });
        const decode = decoderOf(res.headers['content-encoding']);
        if (!decode || raw.length === 0) return answer(raw);
        decode(raw, (error, decoded) => (error ? fail(error) : answer(decoded)));
      });
    });
    if (request.deadlineMs !== undefined) {
      const ms = request.deadlineMs;
      deadline = setTimeout(() => req.destroy(timedOut(`no whole answer from ${url.host} in ${ms} ms`)), ms);
    }
    if (request.idleTimeoutMs !== undefined) {
      const ms = request.idleTimeoutMs;
      req.setTimeout(ms, () => req.destroy(timedOut(`no answer from ${url.host} in ${ms} ms`)));
    }
    req.on('error', fail);
    req.end(body);
  });
}

type Decoder = (data: Buffer, callback: (error: Error | null, result: Buffer) => void) => void;

function decoderOf(encoding: string | undefined): Decoder | undefined {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return gunzip;
    case 'deflate':
      return inflate;
    case 'br':
      return brotliDecompress;
    default:
      return undefined;
  }
}
