import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { IncomingRequest } from '../../../lib/auth/signed-request.js';

/** A DescribeRegions POST to 127.0.0.1:3000, SigV4-signed with the given credential, as the front door receives it. */
export async function signedTestRequest(
  accessKeyId: string,
  secretAccessKey: string,
  body = 'Action=DescribeRegions&Version=2016-11-15',
): Promise<IncomingRequest> {
  const signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey }, region: 'RegionOne', service: 'ec2', sha256: Sha256 });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      hostname: '127.0.0.1',
      port: 3000,
      path: '/',
      headers: { host: '127.0.0.1:3000', 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body,
    }),
  );
  const headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method: 'POST', path: '/', query: {}, headers, body };
}
