/**
 * The front door's middlewares, in the order lib/handlers.ts composes them: the platform's HTTP
 * event as one IncomingRequest, the metadata agent's `GET /`, the request id and log scope,
 * the AWS error document, the signature check on the raw request, then parsing and validation
 * against the model.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Authenticator, Caller } from '../auth/authenticator.js';
import type { IncomingRequest } from '../auth/signed-request.js';
import { answerRoot, isMetadataRootRequest } from '../domain/metadata/root.js';
import { fromApiGateway, fromOpenWhisk, requestParams, type HttpResponse, type OpenWhiskWebParams } from '../http/gateway.js';
import { requestScope, timedStage, timedStageSync } from '../log.js';
import { missingParameter } from '../protocol/errors.js';
import { isProtocolParam, parseInput } from '../protocol/query.js';
import { serializeError } from '../protocol/xml.js';
import type { Middleware } from './common.js';
import { FamilyFailure, errorResponse } from './errors.js';

export type PlatformHttpEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2 | OpenWhiskWebParams | IncomingRequest;

/** One EC2 call as the front door's middlewares fill it in. */
export interface Ec2Call {
  http: IncomingRequest;
  requestId: string;
  /** The signed parameters (query and form body), after the signature check. */
  params?: Record<string, string>;
  caller?: Caller;
  action?: string;
  /** The action's own parameters (protocol ones such as Version and the signature removed). */
  actionParams?: Record<string, string>;
}

const isOpenWhisk = (event: PlatformHttpEvent): event is OpenWhiskWebParams => '__ow_method' in event || '__ow_headers' in event;
const isIncoming = (event: PlatformHttpEvent): event is IncomingRequest =>
  typeof (event as IncomingRequest).method === 'string' && typeof (event as IncomingRequest).body === 'string' && !('requestContext' in event);

/** API Gateway (REST, HTTP API), OpenWhisk web actions, or an IncomingRequest already (tests, inline use). */
export function toIncomingRequest(event: PlatformHttpEvent, pathOf?: (event: APIGatewayProxyEvent | APIGatewayProxyEventV2) => string): IncomingRequest {
  if (isOpenWhisk(event)) return fromOpenWhisk(event);
  if (isIncoming(event)) return event;
  const request = fromApiGateway(event);
  return pathOf ? { ...request, path: pathOf(event) } : request;
}

export const xmlResponse = (statusCode: number, body: string, requestId: string): HttpResponse => ({
  statusCode,
  headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId },
  body,
});

/** The platform's event as an Ec2Call with a fresh request id (also the log scope's). */
export const ec2Request = (): Middleware<Ec2Call, HttpResponse> => ({
  name: 'ec2Request',
  before: (request) => {
    const requestId = randomUUID();
    const scope = requestScope();
    if (scope) scope.requestId = requestId;
    request.event = { http: toIncomingRequest(request.event as unknown as PlatformHttpEvent), requestId };
  },
});

/**
 * The metadata agent's `GET /` (the version list) shares this route on a gateway that serves both:
 * it is answered here, before any EC2 processing.
 */
export const metadataRoot = (): Middleware<Ec2Call, HttpResponse> => ({
  name: 'metadataRoot',
  before: (request) => (isMetadataRootRequest(request.event.http) ? answerRoot(request.event.http) : undefined),
});

/** Any failure as `<Response><Errors>…` with AWS's HTTP status. */
export const ec2ErrorDocument = (): Middleware<Ec2Call, HttpResponse> => ({
  name: 'ec2ErrorDocument',
  onError: (request) => {
    const error = request.error instanceof FamilyFailure ? request.error.serialized : errorResponse(request.error);
    const scope = requestScope();
    if (scope) scope.code = error.code;
    const requestId = request.event.requestId;
    request.response = xmlResponse(error.status, timedStageSync('serializeMs', () => serializeError(error, requestId)), requestId);
  },
});

/** Verifies the signature on the raw body and query, before anything is parsed. */
export const signatureCheck = (authenticator: () => Pick<Authenticator, 'authenticate'>): Middleware<Ec2Call, HttpResponse> => ({
  name: 'signatureCheck',
  before: async (request) => {
    const call = request.event;
    call.params = requestParams(call.http);
    const params = call.params;
    call.caller = await timedStage('authMs', () => authenticator().authenticate(call.http, params));
    const scope = requestScope();
    if (scope) scope.project = call.caller.projectId;
  },
});

/** The Action and its parameters, validated against the EC2 model (400s with AWS's codes). */
export const parseAndValidate = (): Middleware<Ec2Call, HttpResponse> => ({
  name: 'parseAndValidate',
  before: (request) => {
    const call = request.event;
    const params = call.params ?? {};
    call.action = params['Action'];
    const scope = requestScope();
    if (scope) scope.action = call.action;
    if (!call.action) throw missingParameter('Action');
    const action = call.action;
    timedStageSync('parseMs', () => parseInput(action, params));
    call.actionParams = Object.fromEntries(Object.entries(params).filter(([k]) => !isProtocolParam(k)));
  },
});
