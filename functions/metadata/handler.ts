/** Platform entry points of the metadata service: Lambda (API Gateway events) and OpenWhisk web actions. */
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { fromApiGateway, fromOpenWhisk, toOpenWhisk, type HttpResponse, type OpenWhiskWebParams } from '../../lib/http/gateway.js';
import { adoptParameters } from '../../lib/http/openwhisk.js';
import { handleMetadataRequest } from './router.js';

/**
 * The path the instance asked for. Unlike the EC2 front door (whose signature covers the stage in
 * the path), the metadata tree starts right after the stage: REST events carry that in `path`,
 * HTTP API events carry the stage in rawPath unless it is `$default`.
 */
export function instancePath(event: APIGatewayProxyEvent | APIGatewayProxyEventV2): string {
  if ((event as APIGatewayProxyEventV2).version === '2.0') {
    const v2 = event as APIGatewayProxyEventV2;
    const stage = v2.requestContext.stage;
    const raw = v2.rawPath || '/';
    return stage && stage !== '$default' && raw.startsWith(`/${stage}/`) ? raw.slice(stage.length + 1) : raw;
  }
  return (event as APIGatewayProxyEvent).path || '/';
}

export async function handler(event: APIGatewayProxyEvent | APIGatewayProxyEventV2): Promise<HttpResponse> {
  return handleMetadataRequest({ ...fromApiGateway(event), path: instancePath(event) });
}

export async function main(params: OpenWhiskWebParams) {
  adoptParameters(params);
  const response = await handleMetadataRequest(fromOpenWhisk(params));
  // OpenWhisk decodes a base64 body itself when the content type is not text.
  return toOpenWhisk(response);
}
