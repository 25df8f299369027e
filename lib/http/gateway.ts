/**
 * The platforms' HTTP events as one IncomingRequest, and our responses back in their format:
 * API Gateway REST (v1) and HTTP API (v2) events on Lambda and serverless-offline, and OpenWhisk
 * raw-HTTP web actions.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import type { IncomingRequest } from '../auth/signed-request.js';
import { Ec2Error } from '../protocol/errors.js';

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded?: boolean;
}

const lowerCaseKeys = (headers: Record<string, string | undefined> | null | undefined) =>
  Object.fromEntries(
    Object.entries(headers ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k.toLowerCase(), v]])),
  );

const decodeBody = (body: string | null | undefined, base64: boolean | undefined) =>
  body ? (base64 ? Buffer.from(body, 'base64').toString('utf8') : body) : '';

const queryOf = (raw: string) => Object.fromEntries(new URLSearchParams(raw));

function isV2(event: APIGatewayProxyEvent | APIGatewayProxyEventV2): event is APIGatewayProxyEventV2 {
  return (event as APIGatewayProxyEventV2).version === '2.0';
}

export function fromApiGateway(event: APIGatewayProxyEvent | APIGatewayProxyEventV2): IncomingRequest {
  if (isV2(event)) {
    return {
      method: event.requestContext.http.method.toUpperCase(),
      path: event.rawPath || '/',
      query: queryOf(event.rawQueryString ?? ''),
      headers: lowerCaseKeys(event.headers),
      body: decodeBody(event.body, event.isBase64Encoded),
    };
  }
  const query = Object.fromEntries(
    Object.entries(event.queryStringParameters ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  return {
    method: event.httpMethod.toUpperCase(),
    // The path the client signed includes the stage, which requestContext keeps and `path` drops.
    path: event.requestContext?.path || event.path || '/',
    query,
    headers: lowerCaseKeys(event.headers),
    body: decodeBody(event.body, event.isBase64Encoded),
  };
}

export interface OpenWhiskWebParams {
  __ow_method?: string;
  __ow_headers?: Record<string, string>;
  __ow_path?: string;
  __ow_query?: string;
  __ow_body?: string;
  [key: string]: unknown;
}

export function fromOpenWhisk(params: OpenWhiskWebParams): IncomingRequest {
  const headers = lowerCaseKeys(params.__ow_headers);
  const binary = /octet-stream/.test(headers['content-type'] ?? '');
  return {
    method: (params.__ow_method ?? 'get').toUpperCase(),
    path: params.__ow_path || '/',
    query: queryOf(params.__ow_query ?? ''),
    headers,
    body: decodeBody(params.__ow_body, binary),
  };
}

export const toOpenWhisk = (response: HttpResponse) => ({
  statusCode: response.statusCode,
  headers: response.headers,
  body: response.body,
});

/**
 * A form body must be UTF-8 once percent-decoded. The gateways hand us bodies already decoded,
 * with U+FFFD where the bytes were not UTF-8 (a conforming client percent-encodes every non-ASCII
 * byte, so a raw U+FFFD means exactly that); URLSearchParams would quietly do the same to `%FF`.
 * AWS's code for a query string it cannot read is InvalidQueryParameter (400).
 */
function checkWellFormedForm(body: string): void {
  const malformed = () =>
    new Ec2Error('InvalidQueryParameter', 'The request body is not a well-formed query string: it is not valid UTF-8.', 400);
  if (body.includes('\uFFFD')) throw malformed();
  for (const field of body.split('&')) {
    try {
      decodeURIComponent(field.replace(/\+/g, ' '));
    } catch {
      throw malformed();
    }
  }
}

/** The action's parameters: the query string and, for form posts, the body. */
export function requestParams(request: IncomingRequest): Record<string, string> {
  // Entries, never assignment: `__proto__=v` must stay a parameter (and be refused as unknown),
  // not be swallowed by Object.prototype's setter.
  const type = request.headers['content-type'] ?? '';
  const form = request.body && (type.includes('x-www-form-urlencoded') || (request.method === 'POST' && !type));
  if (form) checkWellFormedForm(request.body!);
  return Object.fromEntries([...Object.entries(request.query), ...(form ? new URLSearchParams(request.body) : [])]);
}
