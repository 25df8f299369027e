/**
 * Hand-built requests for what SDKs will not send: unknown actions, unknown parameters, presigned
 * GETs, SigV2. Signed with the AWS SDK's own SigV4 signer, or botocore's SigV2 signer.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { XMLParser } from 'fast-xml-parser';
import { spawnSync } from 'node:child_process';
import { endpointInfo, profileOf } from './env.js';

export interface RawResponse {
  status: number;
  body: string;
  /** The parsed XML document. */
  doc: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Error code, for error documents. */
  code?: string;
  requestId?: string;
}

const parser = new XMLParser();

async function send(url: string, init: RequestInit): Promise<RawResponse> {
  const response = await fetch(url, init);
  const body = await response.text();
  const doc = parser.parse(body) as RawResponse['doc'];
  return {
    status: response.status,
    body,
    doc,
    code: doc['Response']?.Errors?.Error?.Code,
    requestId: response.headers.get('x-amzn-requestid') ?? undefined,
  };
}

export interface Ec2Credential {
  access: string;
  secret: string;
}

function signer(project: 'demo' | 'alt' | Ec2Credential, secret?: string) {
  const p = typeof project === 'string' ? profileOf(project).ec2 : project;
  return new SignatureV4({
    credentials: { accessKeyId: p.access, secretAccessKey: secret ?? p.secret },
    region: endpointInfo().region,
    service: 'ec2',
    sha256: Sha256,
  });
}

function target() {
  const url = new URL(endpointInfo().endpoint);
  return { url, hostname: url.hostname, port: Number(url.port), host: url.host };
}

/** A SigV4-signed form POST with exactly these parameters. */
export async function signedPost(
  params: Record<string, string>,
  project: 'demo' | 'alt' = 'demo',
  options: { secret?: string } = {},
): Promise<RawResponse> {
  return signedFormPost(new URLSearchParams({ Version: '2016-11-15', ...params }).toString(), project, options);
}

/** A SigV4-signed form POST of exactly this body, by a project's profile or any EC2 credential. */
export async function signedFormPost(
  body: string,
  project: 'demo' | 'alt' | Ec2Credential = 'demo',
  options: { secret?: string } = {},
): Promise<RawResponse> {
  const { url, hostname, port, host } = target();
  const request = await signer(project, options.secret).sign(
    new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname,
      port,
      path: url.pathname,
      headers: { host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body,
    }),
  );
  return send(url.toString(), { method: 'POST', headers: request.headers, body });
}

/** A presigned GET URL carrying the action in its query string. */
export async function presignedGetUrl(params: Record<string, string>, project: 'demo' | 'alt' = 'demo', expiresIn = 300): Promise<string> {
  const { url, hostname, port, host } = target();
  const presigned = await signer(project).presign(
    new HttpRequest({
      method: 'GET',
      protocol: url.protocol,
      hostname,
      port,
      path: url.pathname,
      query: { Version: '2016-11-15', ...params },
      headers: { host },
    }),
    { expiresIn },
  );
  const query = new URLSearchParams(presigned.query as Record<string, string>).toString();
  return `${url.origin}${url.pathname}?${query}`;
}

export const getUrl = (url: string) => send(url, { method: 'GET' });

/** A SigV2 (HmacSHA256) request signed by botocore's SigV2Auth, sent as a form POST. */
export function sigV2Body(params: Record<string, string>, project: 'demo' | 'alt' = 'demo'): string {
  const p = profileOf(project);
  const { url } = target();
  const script = `
import json, sys
from botocore.auth import SigV2Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
params = json.loads(sys.argv[1])
req = AWSRequest(method='POST', url=sys.argv[2], data=params)
SigV2Auth(Credentials(sys.argv[3], sys.argv[4])).add_auth(req)
print(json.dumps(req.data))
`;
  const result = spawnSync('/usr/bin/python3', ['-c', script, JSON.stringify({ Version: '2016-11-15', ...params }), url.toString(), p.ec2.access, p.ec2.secret], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`botocore SigV2 signing failed: ${result.stderr}`);
  return new URLSearchParams(JSON.parse(result.stdout) as Record<string, string>).toString();
}

export function postForm(body: string): Promise<RawResponse> {
  return send(endpointInfo().endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
  });
}
