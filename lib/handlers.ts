/**
 * Every entry point, composed in one place: each is a middy handler, and what happens to a request
 * before and after its action is the list of middlewares below, in order. `before` steps run top
 * to bottom; `after` and `onError` steps bottom to top, so the error document and the log line,
 * listed early, see everything the later steps threw.
 *
 *   front door (functions/ec2):  openWhiskParameters → ec2Request → metadataRoot → requestLog
 *                                → ec2ErrorDocument → signatureCheck → parseAndValidate → [dispatch to the family]
 *   family (functions/<family>): openWhiskParameters → familyRequest → requestLog → familyErrors
 *                                → resolveAction → parseActionInput → actionContext → dryRun → [action.run]
 *   metadata (functions/metadata): openWhiskParameters → metadataRequest → [router, which logs each request]
 *
 * The OpenWhisk `main` of each function calls the same handler (see familyEntryPoints and the
 * functions' handler.ts files). The front door and the families run inside the request safety net
 * (lib/request-guard.ts): a rejection their work leaves unhandled fails that one request.
 */
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import type { Ec2ActionName } from '../schemas/types.js';
import type { Authenticator } from './auth/authenticator.js';
import type { IncomingRequest } from './auth/signed-request.js';
import type { Dispatcher } from './dispatch/dispatcher.js';
import type { ActionDefinition, FamilyResponse, Input } from './family.js';
import type { HttpResponse } from './http/gateway.js';
import { enterRequestScope, requestScope, timedStage, timedStageSync } from './log.js';
import { openWhiskParameters, requestLog, type Middleware } from './middleware/common.js';
import {
  ec2ErrorDocument,
  ec2Request,
  metadataRoot,
  parseAndValidate,
  signatureCheck,
  toIncomingRequest,
  xmlResponse,
  type Ec2Call,
  type PlatformHttpEvent,
} from './middleware/ec2.js';
import { FamilyFailure } from './middleware/errors.js';
import { actionContext, dryRun, familyErrors, familyRequest, parseActionInput, resolveAction, type FamilyCall } from './middleware/family.js';
import { internalError } from './protocol/errors.js';
import { familyOf } from './protocol/model.js';
import { serializeError, serializeOutput } from './protocol/xml.js';
import { guardRequest } from './request-guard.js';

export interface FrontDoorDeps {
  authenticator: Pick<Authenticator, 'authenticate'>;
  dispatcher: Dispatcher;
}

/**
 * Each invocation gets its own log scope (request id, action, project, duration on every line).
 * middy calls `requestStart` synchronously as the invocation begins, so the scope holds for
 * everything the invocation awaits, and a caller that awaits the handler (the inline dispatcher)
 * keeps its own scope.
 */
const scopedAs = (fn: string) => ({ requestStart: () => enterRequestScope(fn) });

/** What the platforms pass as the invocation context; tests and OpenWhisk pass none. */
export type InvocationContext = Partial<Context>;

export type FrontDoorHandler = (event: PlatformHttpEvent, context?: InvocationContext) => Promise<HttpResponse>;

export function frontDoorHandler(deps: () => FrontDoorDeps, extraInfo: () => Record<string, unknown> = () => ({})): FrontDoorHandler {
  const handler = middy<Ec2Call, HttpResponse, Error, Context>(async (call: Ec2Call) => {
    const action = call.action!;
    const answer = await timedStage('dispatchMs', () =>
      deps().dispatcher.invoke(familyOf(action), {
        action,
        params: call.actionParams!,
        context: { requestId: call.requestId, caller: call.caller! },
      }),
    );
    if ('error' in answer) throw new FamilyFailure(answer.error);
    return xmlResponse(200, timedStageSync('serializeMs', () => serializeOutput(action, answer.output, call.requestId)), call.requestId);
  }, scopedAs('ec2')).use(frontDoorMiddlewares(deps, extraInfo));
  return guarded(handler, () => undefined, () => {
    const requestId = randomUUID();
    return xmlResponse(500, serializeError(internalError().toJSON(), requestId), requestId);
  });
}

/** The front door's middlewares, in order. */
export const frontDoorMiddlewares = (deps: () => FrontDoorDeps, extraInfo: () => Record<string, unknown> = () => ({})) => [
  openWhiskParameters<Ec2Call, HttpResponse>(),
  ec2Request(),
  metadataRoot(),
  requestLog<Ec2Call, HttpResponse>((response) => ({ status: response.statusCode, ...extraInfo() })),
  ec2ErrorDocument(),
  signatureCheck(() => deps().authenticator),
  parseAndValidate(),
];

export type FamilyEntry = (request: FamilyCall, context?: InvocationContext) => Promise<FamilyResponse>;

export function familyMiddyHandler(family: string, actions: Map<string, ActionDefinition>): FamilyEntry {
  const handler = middy<FamilyCall, FamilyResponse, Error, Context>(async (call: FamilyCall) => {
    const output = await call.definition!.run(call.input as Input<Ec2ActionName>, call.ctx!);
    return { output: output ?? {} };
  }, scopedAs(family)).use(familyMiddlewares(family, actions));
  return guarded(handler, (call: FamilyCall) => call.context?.requestId, () => ({ error: internalError().toJSON() }));
}

/** A family's middlewares, in order. */
export const familyMiddlewares = (family: string, actions: Map<string, ActionDefinition>) => [
  openWhiskParameters<FamilyCall, FamilyResponse>(),
  familyRequest(),
  requestLog<FamilyCall, FamilyResponse>(() => ({ family })),
  familyErrors(),
  resolveAction(family, actions),
  parseActionInput(),
  actionContext(),
  dryRun(),
];

/** The metadata service: its router answers every request itself (failures included). */
export function metadataHandler(
  route: (request: IncomingRequest) => Promise<HttpResponse>,
  pathOf: (event: APIGatewayProxyEvent | APIGatewayProxyEventV2) => string,
): (event: PlatformHttpEvent, context?: InvocationContext) => Promise<HttpResponse> {
  const metadataRequest: Middleware<IncomingRequest, HttpResponse> = {
    name: 'metadataRequest',
    before: (request) => {
      const scope = requestScope();
      if (scope) scope.requestId = randomUUID();
      request.event = toIncomingRequest(request.event as unknown as PlatformHttpEvent, pathOf);
    },
  };
  const handler = middy<IncomingRequest, HttpResponse, Error, Context>((request: IncomingRequest) => route(request), scopedAs('metadata')).use([
    openWhiskParameters<IncomingRequest, HttpResponse>(),
    metadataRequest,
  ]);
  return asEntry(handler);
}

/** A scheduled job (the sweeper): a middy handler with its own log scope. */
export function scheduledHandler<T>(fn: string, run: () => Promise<T>) {
  return asEntry<unknown, T, unknown>(middy<unknown, T, Error, Context>(() => run(), scopedAs(fn)));
}

/**
 * The middy handler itself, typed as callable without a Lambda context (OpenWhisk, the inline
 * dispatcher and tests pass none; middy then uses an empty one).
 */
function asEntry<TEvent, TResult, TIn>(handler: MiddyfiedHandler<TEvent, TResult, Error, Context>) {
  return handler as unknown as MiddyfiedHandler<TEvent, TResult, Error, Context> & ((event: TIn, context?: InvocationContext) => Promise<TResult>);
}

/**
 * The middy handler inside the request safety net: if a rejection of its work goes unhandled before
 * it answers, it answers `onEscape()` (an InternalError) instead. `middy` is the handler itself.
 */
function guarded<TEvent, TResult, TIn>(
  handler: MiddyfiedHandler<TEvent, TResult, Error, Context>,
  requestIdOf: (event: TEvent) => string | undefined,
  onEscape: () => TResult,
) {
  const entry = (event: TIn, context?: InvocationContext): Promise<TResult> =>
    guardRequest(requestIdOf(event as unknown as TEvent), () => handler(event as unknown as TEvent, (context ?? {}) as Context), onEscape);
  return Object.assign(entry, { middy: handler });
}
