/** Platform entry points of the EC2 endpoint: Lambda (API Gateway events) and OpenWhisk web actions. */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { fromApiGateway, fromOpenWhisk, toOpenWhisk, type HttpResponse } from '../../lib/http/gateway.js';
import type { OpenWhiskWebParams } from '../../lib/http/gateway.js';
import { adoptParameters } from '../../lib/http/openwhisk.js';
import { internalError } from '../../lib/protocol/errors.js';
import { serializeError } from '../../lib/protocol/xml.js';
import { guardRequest, installUnhandledRejectionNet } from '../../lib/request-guard.js';
import { handleEc2Request } from './front-door.js';
import type { IncomingRequest } from '../../lib/auth/signed-request.js';

installUnhandledRejectionNet();

/** The request, failed as InternalError if a rejection of its work goes unhandled (lib/request-guard.ts). */
function guarded(request: IncomingRequest): Promise<HttpResponse> {
  return guardRequest(undefined, () => handleEc2Request(request), () => {
    const requestId = randomUUID();
    return {
      statusCode: 500,
      headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId },
      body: serializeError(internalError().toJSON(), requestId),
    };
  });
}

export async function handler(event: APIGatewayProxyEvent | APIGatewayProxyEventV2): Promise<HttpResponse> {
  return guarded(fromApiGateway(event));
}

export async function main(params: OpenWhiskWebParams) {
  adoptParameters(params);
  return toOpenWhisk(await guarded(fromOpenWhisk(params)));
}
