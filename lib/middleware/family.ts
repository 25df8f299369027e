/**
 * A family function's middlewares, in the order lib/handlers.ts composes them: the request's log
 * scope, the EC2 error answer, the action by name, its input re-parsed from the parameters (so
 * nothing typed has to survive the JSON hop from the front door), the action's context, and DryRun
 * after the action's own checks.
 */
import type { Ec2ActionName } from '../../schemas/types.js';
import { config } from '../config.js';
import type { ActionContext, RequestContext } from '../context.js';
import type { ActionDefinition, FamilyRequest, FamilyResponse, Input } from '../family.js';
import { requestScope } from '../log.js';
import { OpenStack } from '../openstack/clients.js';
import { Ec2Error, dryRunOperation } from '../protocol/errors.js';
import { parseInput } from '../protocol/query.js';
import { storeFor } from '../store/project-store.js';
import type { Middleware } from './common.js';
import { errorResponse } from './errors.js';

/** One family request as the middlewares fill it in. */
export interface FamilyCall extends FamilyRequest {
  definition?: ActionDefinition;
  input?: Input<Ec2ActionName>;
  ctx?: ActionContext;
}

export function contextFor(request: RequestContext): ActionContext {
  return {
    ...request,
    config: config(),
    store: storeFor(request.caller.projectId),
    openstack: OpenStack.forCaller(request.caller),
  };
}

/** The front door's request id and the caller's project on every log line of this request. */
export const familyRequest = (): Middleware<FamilyCall, FamilyResponse> => ({
  name: 'familyRequest',
  before: (request) => {
    const scope = requestScope();
    if (!scope) return;
    scope.requestId = request.event.context?.requestId;
    scope.action = request.event.action;
    scope.project = request.event.context?.caller?.projectId;
  },
});

/** Any failure as the `{ error }` answer the front door turns into an EC2 error document. */
export const familyErrors = (): Middleware<FamilyCall, FamilyResponse> => ({
  name: 'familyErrors',
  onError: (request) => {
    request.response = { error: errorResponse(request.error) };
  },
});

export const resolveAction = (family: string, actions: Map<string, ActionDefinition>): Middleware<FamilyCall, FamilyResponse> => ({
  name: 'resolveAction',
  before: (request) => {
    const definition = actions.get(request.event.action);
    if (!definition) {
      throw new Ec2Error('UnsupportedOperation', `The ${request.event.action} action is not supported by this cloud's EC2 API (${family} family).`);
    }
    request.event.definition = definition;
  },
});

export const parseActionInput = (): Middleware<FamilyCall, FamilyResponse> => ({
  name: 'parseActionInput',
  before: (request) => {
    request.event.input = parseInput(request.event.action, request.event.params) as Input<Ec2ActionName>;
  },
});

export const actionContext = (): Middleware<FamilyCall, FamilyResponse> => ({
  name: 'actionContext',
  before: (request) => {
    request.event.ctx = contextFor(request.event.context);
  },
});

/**
 * The action's own checks (ids exist, the caller may act on them), then DryRunOperation when
 * DryRun is set: the action itself never runs for a DryRun.
 */
export const dryRun = (): Middleware<FamilyCall, FamilyResponse> => ({
  name: 'dryRun',
  before: async (request) => {
    const { definition, input, ctx } = request.event;
    await definition!.check?.(input!, ctx!);
    if ((input as { DryRun?: boolean }).DryRun) throw dryRunOperation();
  },
});
