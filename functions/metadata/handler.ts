/**
 * Platform entry points of the metadata service: `handler` is its middy handler (API Gateway
 * events); OpenWhisk's web action `main` calls the same handler with its raw-HTTP params.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { metadataHandler } from '../../lib/handlers.js';
import { toOpenWhisk, type OpenWhiskWebParams } from '../../lib/http/gateway.js';
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

export const handler = metadataHandler((request) => handleMetadataRequest(request), instancePath);

export async function main(params: OpenWhiskWebParams) {
  // OpenWhisk decodes a base64 body itself when the content type is not text.
  return toOpenWhisk(await handler(params));
}
