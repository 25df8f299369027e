/**
 * Reading bundle objects from the configured S3-compatible endpoint: path-style GETs signed with
 * SigV4 (or unsigned when no credentials are configured), as streams.
 */
import type { Readable } from 'node:stream';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import got from 'got';
import { Ec2Error } from '../../lib/protocol/errors.js';
import type { S3Settings } from './bundle-config.js';

const encodeKey = (key: string) => key.split('/').map(encodeURIComponent).join('/');

async function signedHeaders(s3: S3Settings, url: URL): Promise<Record<string, string>> {
  const headers: Record<string, string> = { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
  if (!s3.accessKeyId || !s3.secretAccessKey) return headers;
  const signer = new SignatureV4({
    service: 's3',
    region: s3.region,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    sha256: Sha256,
    uriEscapePath: false,
  });
  const signed = await signer.sign({
    method: 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    headers,
  });
  return signed.headers as Record<string, string>;
}

export function objectUrl(s3: S3Settings, bucket: string, key: string): URL {
  return new URL(`${s3.url.replace(/\/+$/, '')}/${encodeURIComponent(bucket)}/${encodeKey(key)}`);
}

const missing = (bucket: string, key: string, status: number) =>
  new Ec2Error('InvalidManifest', `The bundle object s3://${bucket}/${key} could not be read (HTTP ${status})`);

export async function getObjectText(s3: S3Settings, bucket: string, key: string, maxBytes = 4 << 20): Promise<string> {
  const url = objectUrl(s3, bucket, key);
  const response = await got(url, { headers: await signedHeaders(s3, url), throwHttpErrors: false, retry: { limit: 2 }, responseType: 'buffer' });
  if (response.statusCode !== 200) throw missing(bucket, key, response.statusCode);
  if (response.body.length > maxBytes) throw new Ec2Error('InvalidManifest', `The manifest s3://${bucket}/${key} is too large`);
  return response.body.toString('utf8');
}

export async function getObjectStream(s3: S3Settings, bucket: string, key: string): Promise<Readable> {
  const url = objectUrl(s3, bucket, key);
  const stream = got.stream(url, { headers: await signedHeaders(s3, url), throwHttpErrors: false, retry: { limit: 0 } });
  await new Promise<void>((resolve, reject) => {
    stream.once('response', (response: { statusCode: number }) => {
      if (response.statusCode === 200) resolve();
      else {
        stream.destroy();
        reject(missing(bucket, key, response.statusCode));
      }
    });
    stream.once('error', reject);
  });
  return stream;
}
