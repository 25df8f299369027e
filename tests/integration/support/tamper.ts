/**
 * Signed requests that are then tampered with, sent raw to the endpoint: what an attacker holding a
 * captured request (or only an access key id) can send. Signing is the AWS SDK's own SigV4 signer.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { XMLParser } from 'fast-xml-parser';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { endpointInfo, profileOf, runDir } from './env.js';

export interface TamperResponse {
  status: number;
  body: string;
  code?: string;
  requestId: string;
}

export interface SignOptions {
  body: string | Uint8Array;
  /** Query parameters the signature covers. */
  query?: Record<string, string>;
  /** Headers to sign besides host (left out when `omitHost`), content-type and x-amz-date. */
  headers?: Record<string, string>;
  omitHost?: boolean;
  accessKey?: string;
  secret?: string;
  signingDate?: Date;
}

export interface SignedRequest {
  url: URL;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

const parser = new XMLParser();

export async function signRequest(options: SignOptions): Promise<SignedRequest> {
  const demo = profileOf('demo');
  const url = new URL(endpointInfo().endpoint);
  const signer = new SignatureV4({
    credentials: { accessKeyId: options.accessKey ?? demo.ec2.access, secretAccessKey: options.secret ?? demo.ec2.secret },
    region: endpointInfo().region,
    service: 'ec2',
    sha256: Sha256,
  });
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    ...(options.omitHost ? {} : { host: url.host }),
    ...options.headers,
  };
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: options.query ?? {},
      headers,
      body: options.body,
    }),
    { signingDate: options.signingDate },
  );
  const target = new URL(url);
  for (const [k, v] of Object.entries(options.query ?? {})) target.searchParams.set(k, v);
  return { url: target, headers: { ...signed.headers } as Record<string, string>, body: options.body };
}

/** Sends a request as given (host is set by fetch from the URL). */
export async function send(request: SignedRequest): Promise<TamperResponse> {
  const { host: _host, ...headers } = request.headers;
  const response = await fetch(request.url, { method: 'POST', headers, body: request.body });
  const body = await response.text();
  const doc = parser.parse(body) as { Response?: { Errors?: { Error?: { Code?: string } } } };
  return {
    status: response.status,
    body,
    code: doc.Response?.Errors?.Error?.Code,
    requestId: response.headers.get('x-amzn-requestid') ?? '',
  };
}

export const form = (params: Record<string, string>) => new URLSearchParams({ Version: '2016-11-15', ...params }).toString();

export interface FrontDoorLogLine {
  requestId: string;
  status: number;
  code?: string;
  container: string;
  keystoneCalls: number;
}

/** The front door's log line for a request: which process served it, with its running count of Keystone calls. */
export async function frontDoorLog(requestId: string): Promise<FrontDoorLogLine> {
  // lib/log.ts writes one JSON line per request; the front door's (fn "ec2") counts Keystone calls.
  const isOurs = (line: string) => line.startsWith('{') && line.includes(`"requestId":"${requestId}"`) && line.includes('"keystoneCalls"');
  for (let attempt = 0; attempt < 40; attempt++) {
    const line = readFileSync(join(runDir, 'logs/offline.log'), 'utf8').split('\n').find(isOurs);
    if (line) return JSON.parse(line) as FrontDoorLogLine;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no front-door log line for request ${requestId}`);
}
