/**
 * Recomputes a request's signature with a known secret, so that once Keystone has vouched for a
 * credential, later requests are verified here without a Keystone round trip. The SigV4 canonical
 * forms come from @smithy/signature-v4 (the AWS SDK's own signer).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { createScope, getCanonicalHeaders, getCanonicalQuery, getSigningKey } from '@smithy/signature-v4';
import { authFailure } from '../protocol/errors.js';
import type { IncomingRequest, SigV2Info, SigV4Info } from './signed-request.js';

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');

export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Non-S3 services sign the path normalized (no empty, `.` or `..` segments, as RFC 3986 and the
 * AWS signers do) and URI-encoded once more, segment by segment.
 */
function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of (path || '/').split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `/${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return normalized
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

/**
 * The payload hashes a SigV4 request may have been signed with. Always the hash of the body we
 * received, never a hash the request declares: what we act on is that body. A presigned URL comes
 * without a body, and botocore signs it as UNSIGNED-PAYLOAD; with nothing to leave unsigned, that
 * is accepted too.
 */
export function payloadHashes(request: IncomingRequest, info: SigV4Info): string[] {
  const bodyHash = sha256Hex(request.body);
  return info.location === 'query' && request.body === '' ? [UNSIGNED_PAYLOAD, bodyHash] : [bodyHash];
}

/**
 * Refuses a declared `x-amz-content-sha256` that is not the hash of the body we received, and
 * UNSIGNED-PAYLOAD wherever there is a payload (the EC2 API carries the action in it). EC2 computes
 * the payload hash itself, so for AWS such a request is simply one whose signature does not match:
 * AuthFailure, 401. Checked before Keystone is asked, so it costs no round trip.
 */
export function checkDeclaredPayloadHash(request: IncomingRequest, info: SigV4Info): void {
  const declared = request.headers['x-amz-content-sha256'];
  if (declared === undefined) return;
  if (declared === UNSIGNED_PAYLOAD) {
    if (info.location === 'query' && request.body === '') return;
    throw authFailure('UNSIGNED-PAYLOAD is not accepted by the EC2 API: sign the payload (x-amz-content-sha256 must be its SHA-256).');
  }
  if (declared.toLowerCase() !== sha256Hex(request.body)) {
    throw authFailure('The x-amz-content-sha256 header does not match the SHA-256 of the request body.');
  }
}

function amzDateOf(info: SigV4Info): string {
  return info.amzDate || info.signedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export async function sigV4Signature(
  request: IncomingRequest,
  info: SigV4Info,
  secret: string,
  payloadHash: string,
): Promise<string> {
  const signedHeaderValues: Record<string, string> = {};
  for (const name of info.signedHeaders) signedHeaderValues[name] = request.headers[name] ?? '';
  const httpRequest = new HttpRequest({
    method: request.method,
    path: request.path,
    headers: signedHeaderValues,
    query: request.query,
  });
  const headers = getCanonicalHeaders(httpRequest, undefined, new Set(info.signedHeaders));
  const names = Object.keys(headers).sort();
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(request.path),
    getCanonicalQuery(httpRequest),
    names.map((n) => `${n}:${headers[n]}`).join('\n') + '\n',
    names.join(';'),
    payloadHash,
  ].join('\n');
  const scope = createScope(info.scopeDate, info.region, info.service);
  const stringToSign = ['AWS4-HMAC-SHA256', amzDateOf(info), scope, sha256Hex(canonicalRequest)].join('\n');
  const key = await getSigningKey(
    Sha256,
    { accessKeyId: info.accessKey, secretAccessKey: secret },
    info.scopeDate,
    info.region,
    info.service,
  );
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}

/** RFC 3986 encoding, as SigV2 requires. */
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function sigV2StringToSign(request: IncomingRequest, params: Record<string, string>): string {
  const query = Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${rfc3986(k)}=${rfc3986(params[k] ?? '')}`)
    .join('&');
  return [request.method.toUpperCase(), (request.headers['host'] ?? '').toLowerCase(), request.path || '/', query].join('\n');
}

export function sigV2Signature(
  request: IncomingRequest,
  params: Record<string, string>,
  info: SigV2Info,
  secret: string,
): string {
  const algorithm = info.method === 'HmacSHA1' ? 'sha1' : 'sha256';
  return createHmac(algorithm, secret).update(sigV2StringToSign(request, params), 'utf8').digest('base64');
}

/** True when `info.signature` is what `secret` produces for this request. */
export async function verifyLocally(
  request: IncomingRequest,
  params: Record<string, string>,
  info: SigV4Info | SigV2Info,
  secret: string,
): Promise<boolean> {
  if (info.version === 2) return constantTimeEqual(sigV2Signature(request, params, info, secret), info.signature);
  for (const hash of payloadHashes(request, info)) {
    if (constantTimeEqual(await sigV4Signature(request, info, secret, hash), info.signature)) return true;
  }
  return false;
}
