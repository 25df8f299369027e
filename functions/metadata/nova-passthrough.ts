/**
 * The paths the EC2 tree does not serve (`/openstack`, `/openstack/<version>/meta_data.json`,
 * `network_data.json`, `vendor_data2.json`, `user_data`, …), passed on to Nova's metadata API, as
 * the seed system did: cloud-init's OpenStack datasource, the default on most OpenStack images,
 * reads them. The request has already proved the agent's signature; Nova gets the agent's headers
 * signed again with its own `metadata_proxy_shared_secret` (the same secret where the cloud uses
 * one for both) and checks the tenant against the instance itself.
 */
import type { HttpResponse } from '../../lib/http/gateway.js';
import type { MetadataSettings } from '../../lib/domain/metadata/access.js';
import { signInstanceId, type Identity } from '../../lib/domain/metadata/identity.js';
import { MetadataFailure } from '../../lib/domain/metadata/responses.js';

const TIMEOUT_MS = 10_000;

export const isNovaPath = (parts: string[]) => parts[0] === 'openstack';

export async function fromNova(path: string, identity: Identity, settings: MetadataSettings): Promise<HttpResponse> {
  if (!settings.novaUrl) throw new MetadataFailure(404, 'no Nova metadata API configured (NOVA_METADATA_URL) for /openstack');
  const url = `${settings.novaUrl.replace(/\/+$/, '')}${path.startsWith('/') ? path : `/${path}`}`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: {
        'x-instance-id': identity.instanceId,
        'x-tenant-id': identity.tenantId,
        'x-forwarded-for': identity.forwardedFor,
        'x-instance-id-signature': signInstanceId(settings.novaSecret ?? settings.sharedSecret, identity.instanceId),
      },
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new MetadataFailure(503, `Nova's metadata API is unreachable: ${String(error)}`);
  }
  const body = Buffer.from(await response.arrayBuffer());
  const asText = body.toString('utf8');
  const exact = Buffer.from(asText, 'utf8').equals(body);
  const headers: Record<string, string> = { 'content-type': response.headers.get('content-type') ?? 'text/plain' };
  const location = response.headers.get('location');
  if (location) headers['location'] = location;
  return {
    statusCode: response.status,
    headers,
    body: exact ? asText : body.toString('base64'),
    ...(exact ? {} : { isBase64Encoded: true }),
  };
}
