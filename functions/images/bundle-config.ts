/**
 * Where bundles are read from and the key that decrypts them, from the images function's
 * environment:
 *   EC2_S3_URL                     S3-compatible endpoint, e.g. https://s3.example.org
 *   EC2_S3_ACCESS_KEY_ID / EC2_S3_SECRET_ACCESS_KEY   credentials (unsigned requests without)
 *   EC2_S3_REGION                  SigV4 region (default us-east-1)
 *   EC2_BUNDLE_PRIVATE_KEY         PEM of the cloud's RSA private key (bundles are encrypted for
 *   EC2_BUNDLE_PRIVATE_KEY_FILE    its certificate), inline or as a file
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ec2Error } from '../../lib/protocol/errors.js';

export interface S3Settings {
  url: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
}

export interface BundleSettings {
  s3: S3Settings;
  privateKey: KeyObject;
}

const env = (name: string, source: Record<string, string | undefined>) => (source[name] ? source[name] : undefined);

let cached: { key: string; settings: BundleSettings } | undefined;

export function bundleSettings(source: Record<string, string | undefined> = process.env): BundleSettings {
  const url = env('EC2_S3_URL', source);
  const pem = env('EC2_BUNDLE_PRIVATE_KEY', source) ?? (env('EC2_BUNDLE_PRIVATE_KEY_FILE', source) && readFileSync(env('EC2_BUNDLE_PRIVATE_KEY_FILE', source)!, 'utf8'));
  if (!url || !pem) throw new Ec2Error('UnsupportedOperation', 'Registering S3 bundles is not configured on this cloud (no S3 endpoint or bundle key).');
  const cacheKey = `${url}\n${pem}\n${env('EC2_S3_ACCESS_KEY_ID', source) ?? ''}`;
  if (cached?.key === cacheKey) return cached.settings;
  const settings: BundleSettings = {
    s3: {
      url,
      region: env('EC2_S3_REGION', source) ?? 'us-east-1',
      accessKeyId: env('EC2_S3_ACCESS_KEY_ID', source),
      secretAccessKey: env('EC2_S3_SECRET_ACCESS_KEY', source),
    },
    privateKey: createPrivateKey(pem),
  };
  cached = { key: cacheKey, settings };
  return settings;
}
