/**
 * A request we sign ourselves with a credential whose secret we already verified, so that Keystone
 * hands out the credential owner's token (used where Keystone cannot check the client's own
 * signature, i.e. SigV2 with HmacSHA1).
 */
import type { Ec2TokenCredentials } from '../openstack/keystone.js';
import { sha256Hex, sigV4Signature } from './local-signature.js';
import type { IncomingRequest, SigV4Info } from './signed-request.js';

export async function signSyntheticRequest(accessKey: string, secret: string): Promise<Ec2TokenCredentials> {
  const now = new Date();
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const host = 'ec2-api.internal';
  const body = 'Action=DescribeRegions&Version=2016-11-15';
  const request: IncomingRequest = {
    method: 'POST',
    path: '/',
    query: {},
    headers: { host, 'x-amz-date': amzDate },
    body,
  };
  const info: SigV4Info = {
    version: 4,
    location: 'header',
    accessKey,
    signature: '',
    amzDate,
    signedAt: now,
    scopeDate: amzDate.slice(0, 8),
    region: 'RegionOne',
    service: 'ec2',
    signedHeaders: ['host', 'x-amz-date'],
  };
  const bodyHash = sha256Hex(body);
  const signature = await sigV4Signature(request, info, secret, bodyHash);
  const scope = `${accessKey}/${info.scopeDate}/${info.region}/${info.service}/aws4_request`;
  return {
    access: accessKey,
    signature,
    host,
    verb: 'POST',
    path: '/',
    params: {},
    headers: {
      Host: host,
      'X-Amz-Date': amzDate,
      Authorization: `AWS4-HMAC-SHA256 Credential=${scope}, SignedHeaders=host;x-amz-date, Signature=${signature}`,
    },
    body_hash: bodyHash,
  };
}
