/**
 * Reads how a request was signed: SigV4 in the Authorization header, SigV4 presigned in the query
 * (X-Amz-*), or SigV2 (SignatureVersion=2 with HmacSHA256/HmacSHA1). Checks the request's time
 * window before anything is verified.
 */
import { Ec2Error, authFailure } from '../protocol/errors.js';

/** An incoming HTTP request, as the front door received it. */
export interface IncomingRequest {
  method: string;
  /** The path the client sent (and signed), e.g. `/` or `/dev/`. */
  path: string;
  /** Decoded query parameters. */
  query: Record<string, string>;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The raw body, exactly as received. */
  body: string;
}

export interface SigV4Info {
  version: 4;
  location: 'header' | 'query';
  accessKey: string;
  signature: string;
  /** YYYYMMDD'T'HHMMSS'Z' as signed. */
  amzDate: string;
  signedAt: Date;
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  expiresSeconds?: number;
}

export interface SigV2Info {
  version: 2;
  accessKey: string;
  signature: string;
  method: 'HmacSHA256' | 'HmacSHA1';
  timestamp?: Date;
  expires?: Date;
}

export type SignatureInfo = SigV4Info | SigV2Info;

const missingToken = () =>
  new Ec2Error(
    'MissingAuthenticationToken',
    'The request must contain either a valid (registered) AWS access key ID or X.509 certificate.',
    401,
  );

const requestExpired = (message: string) => new Ec2Error('RequestExpired', message, 400);

/** SigV4 presigned URLs live at most 7 days; SigV2 `Expires` is held to the same bound. */
export const MAX_EXPIRES_SECONDS = 604_800;

function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}

function parseCredentialScope(credential: string) {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !parts[0]) {
    throw new Ec2Error('IncompleteSignature', `Invalid credential scope: ${credential}`, 400);
  }
  const [accessKey, scopeDate, region, service] = parts as [string, string, string, string];
  return { accessKey, scopeDate, region, service };
}

/** `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` */
function fromAuthorizationHeader(header: string, request: IncomingRequest): SigV4Info {
  if (!header.startsWith('AWS4-HMAC-SHA256 ')) {
    throw new Ec2Error('IncompleteSignature', 'Unsupported Authorization header: only AWS4-HMAC-SHA256 is accepted', 400);
  }
  const fields = Object.fromEntries(
    header
      .slice('AWS4-HMAC-SHA256 '.length)
      .split(',')
      .map((kv) => kv.trim().split('=') as [string, string])
      .map(([k, v]) => [k.trim(), (v ?? '').trim()]),
  );
  const credential = fields['Credential'];
  const signature = fields['Signature'];
  const signedHeaders = fields['SignedHeaders'];
  if (!credential || !signature || !signedHeaders) {
    throw new Ec2Error(
      'IncompleteSignature',
      'Authorization header requires Credential, SignedHeaders and Signature parameters',
      400,
    );
  }
  const amzDate = request.headers['x-amz-date'] ?? '';
  const signedAt = parseAmzDate(amzDate) ?? (request.headers['date'] ? new Date(request.headers['date']) : undefined);
  if (!signedAt || Number.isNaN(signedAt.getTime())) {
    throw new Ec2Error('IncompleteSignature', 'Authorization header requires an X-Amz-Date or Date header', 400);
  }
  return {
    version: 4,
    location: 'header',
    signature,
    amzDate,
    signedAt,
    signedHeaders: signedHeaders.split(';').map((h) => h.toLowerCase()),
    ...parseCredentialScope(credential),
  };
}

function fromPresignedQuery(q: Record<string, string>): SigV4Info {
  if (q['X-Amz-Algorithm'] !== 'AWS4-HMAC-SHA256') {
    throw new Ec2Error('IncompleteSignature', 'X-Amz-Algorithm must be AWS4-HMAC-SHA256', 400);
  }
  const amzDate = q['X-Amz-Date'] ?? '';
  const signedAt = parseAmzDate(amzDate);
  if (!q['X-Amz-Credential'] || !q['X-Amz-Signature'] || !q['X-Amz-SignedHeaders'] || !signedAt) {
    throw new Ec2Error(
      'IncompleteSignature',
      'Presigned requests need X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders and X-Amz-Signature',
      400,
    );
  }
  const rawExpires = q['X-Amz-Expires'];
  if (rawExpires !== undefined && !/^\d{1,7}$/.test(rawExpires)) {
    throw authFailure(`X-Amz-Expires must be a whole number of seconds between 1 and ${MAX_EXPIRES_SECONDS}`);
  }
  return {
    version: 4,
    location: 'query',
    signature: q['X-Amz-Signature'],
    amzDate,
    signedAt,
    signedHeaders: q['X-Amz-SignedHeaders'].split(';').map((h) => h.toLowerCase()),
    expiresSeconds: rawExpires === undefined ? undefined : Number(rawExpires),
    ...parseCredentialScope(q['X-Amz-Credential']),
  };
}

function fromSigV2(params: Record<string, string>): SigV2Info {
  const method = params['SignatureMethod'];
  if (method !== 'HmacSHA256' && method !== 'HmacSHA1') {
    throw authFailure(`Unsupported SignatureMethod ${method ?? '(none)'}: use HmacSHA256 or HmacSHA1`);
  }
  const accessKey = params['AWSAccessKeyId'];
  const signature = params['Signature'];
  if (!accessKey || !signature) throw missingToken();
  const timestamp = params['Timestamp'] ? new Date(params['Timestamp']) : undefined;
  const expires = params['Expires'] ? new Date(params['Expires']) : undefined;
  if ((timestamp && Number.isNaN(timestamp.getTime())) || (expires && Number.isNaN(expires.getTime()))) {
    throw new Ec2Error('InvalidParameterValue', 'Timestamp and Expires must be ISO-8601 times', 400);
  }
  if (!timestamp && !expires) throw new Ec2Error('MissingParameter', 'The request must contain the parameter Timestamp or Expires', 400);
  return { version: 2, accessKey, signature, method, timestamp, expires };
}

/**
 * How `request` was signed. `params` are the query and form parameters together (SigV2 signs both
 * sets of names the same way).
 */
export function signatureInfo(request: IncomingRequest, params: Record<string, string>): SignatureInfo {
  const authorization = request.headers['authorization'];
  if (authorization) return fromAuthorizationHeader(authorization, request);
  if (request.query['X-Amz-Algorithm'] !== undefined) return fromPresignedQuery(request.query);
  if (params['SignatureVersion'] !== undefined) {
    if (params['SignatureVersion'] !== '2') {
      throw authFailure(`SignatureVersion ${params['SignatureVersion']} is not supported: use 2 or 4`);
    }
    return fromSigV2(params);
  }
  throw missingToken();
}

/** Rejects requests signed too far from now, and presigned/SigV2 requests past their expiry. */
export function checkTime(info: SignatureInfo, maxSkewSeconds: number, now = new Date()): void {
  const skewMs = maxSkewSeconds * 1000;
  const tooFar = (t: Date) => Math.abs(now.getTime() - t.getTime()) > skewMs;
  if (info.version === 4) {
    if (info.location === 'query' && info.expiresSeconds !== undefined) {
      if (info.expiresSeconds < 1 || info.expiresSeconds > MAX_EXPIRES_SECONDS) {
        throw authFailure(`X-Amz-Expires must be between 1 and ${MAX_EXPIRES_SECONDS} seconds`);
      }
      if (now.getTime() > info.signedAt.getTime() + info.expiresSeconds * 1000) {
        throw requestExpired(`Request has expired. Signed at ${info.amzDate} for ${info.expiresSeconds} seconds.`);
      }
      if (info.signedAt.getTime() - now.getTime() > skewMs) throw requestExpired('Request is signed in the future.');
      return;
    }
    if (tooFar(info.signedAt)) {
      throw requestExpired(
        `Request has expired: signed at ${info.signedAt.toISOString()}, now ${now.toISOString()} (more than ${maxSkewSeconds} s apart).`,
      );
    }
    return;
  }
  if (info.expires) {
    if (now > info.expires) throw requestExpired(`Request has expired at ${info.expires.toISOString()}.`);
    // Otherwise a captured request would stay good for as long as its signer chose.
    if (info.expires.getTime() - now.getTime() > MAX_EXPIRES_SECONDS * 1000) {
      throw authFailure(`Expires ${info.expires.toISOString()} is more than ${MAX_EXPIRES_SECONDS} seconds (7 days) from now.`);
    }
    if (info.timestamp && info.timestamp.getTime() - now.getTime() > skewMs) {
      throw requestExpired(`Request timestamp ${info.timestamp.toISOString()} is in the future.`);
    }
    return;
  }
  if (info.timestamp && tooFar(info.timestamp)) {
    throw requestExpired(`Request timestamp ${info.timestamp.toISOString()} is more than ${maxSkewSeconds} s from now.`);
  }
}

/**
 * Rules of SigV4 that hold before any key is involved: the host is signed (else a request signed
 * for one endpoint could be replayed at another), and the credential scope's date is the day the
 * request was signed (AWS refuses a scope even one second off that day).
 */
export function checkSigV4Rules(info: SigV4Info): void {
  if (!info.signedHeaders.includes('host')) {
    throw new Ec2Error('IncompleteSignature', "'Host' must be a 'SignedHeader' in the AWS Authorization.", 400);
  }
  const signedDay = info.signedAt.toISOString().slice(0, 10).replace(/-/g, '');
  if (info.scopeDate !== signedDay) {
    throw authFailure(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${info.scopeDate}' != '${signedDay}', from '${info.amzDate || info.signedAt.toISOString()}'.`,
    );
  }
}
