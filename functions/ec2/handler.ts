/** Platform entry points of the EC2 endpoint: Lambda (API Gateway events) and OpenWhisk web actions. */
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { fromApiGateway, fromOpenWhisk, toOpenWhisk, type HttpResponse, type OpenWhiskWebParams } from '../../lib/http/gateway.js';
import { adoptParameters } from '../../lib/http/openwhisk.js';
import { handleEc2Request } from './front-door.js';

export async function handler(event: APIGatewayProxyEvent | APIGatewayProxyEventV2): Promise<HttpResponse> {
  return handleEc2Request(fromApiGateway(event));
}

export async function main(params: OpenWhiskWebParams) {
  adoptParameters(params);
  return toOpenWhisk(await handleEc2Request(fromOpenWhisk(params)));
}
