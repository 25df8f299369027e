/**
 * The contract between the front door and a family function, and the machinery every family shares:
 * re-parse the action's input from its parameters (so nothing typed has to survive a JSON hop),
 * answer DryRun after the action's own checks, run the action, and turn any failure into an EC2
 * error. Actions only compute their typed output.
 */
import type { Ec2ActionName, Ec2ActionShapes } from '../schemas/types.js';
import { config } from './config.js';
import type { ActionContext, RequestContext } from './context.js';
import { OpenStack } from './openstack/clients.js';
import { toEc2Error } from './openstack/errors.js';
import { Ec2Error, dryRunOperation, internalError, type SerializedEc2Error } from './protocol/errors.js';
import { parseInput } from './protocol/query.js';
import { guardRequest } from './request-guard.js';
import { storeFor } from './store/project-store.js';

export type Input<A extends Ec2ActionName> = Ec2ActionShapes[A]['input'];
export type Output<A extends Ec2ActionName> = Ec2ActionShapes[A]['output'];

export interface ActionDefinition<A extends Ec2ActionName = Ec2ActionName> {
  name: A;
  run(input: Input<A>, ctx: ActionContext): Promise<Output<A>>;
  /**
   * What DryRun verifies before answering DryRunOperation: ids exist, the caller may act on them,
   * the parameters make sense. Runs before `run` too, so the checks are written once.
   */
  check?(input: Input<A>, ctx: ActionContext): Promise<void>;
}

/** Declares an action: `export default action('DescribeRegions', async (input, ctx) => …)`. */
export function action<A extends Ec2ActionName>(
  name: A,
  run: ActionDefinition<A>['run'],
  options: { check?: ActionDefinition<A>['check'] } = {},
): ActionDefinition<A> {
  return { name, run, ...options };
}

export interface FamilyRequest {
  action: string;
  params: Record<string, string>;
  context: RequestContext;
}

export type FamilyResponse = { output: unknown } | { error: SerializedEc2Error };

export type FamilyHandler = (request: FamilyRequest) => Promise<FamilyResponse>;

export function contextFor(request: RequestContext): ActionContext {
  return {
    ...request,
    config: config(),
    store: storeFor(request.caller.projectId),
    openstack: OpenStack.forCaller(request.caller),
  };
}

/** An action definition of any action. */
export type AnyAction = { [A in Ec2ActionName]: ActionDefinition<A> }[Ec2ActionName];

export function familyHandler(family: string, actions: AnyAction[]): FamilyHandler {
  const byName = new Map<string, ActionDefinition>(
    actions.map((a) => [a.name, a as unknown as ActionDefinition]),
  );
  const handle: FamilyHandler = async (request) => {
    const started = Date.now();
    let code: string | undefined;
    try {
      const definition = byName.get(request.action);
      if (!definition) {
        throw new Ec2Error(
          'UnsupportedOperation',
          `The ${request.action} action is not supported by this cloud's EC2 API (${family} family).`,
        );
      }
      const input = parseInput(request.action, request.params) as Input<Ec2ActionName>;
      const ctx = contextFor(request.context);
      await definition.check?.(input, ctx);
      if ((input as { DryRun?: boolean }).DryRun) throw dryRunOperation();
      return { output: (await definition.run(input, ctx)) ?? {} };
    } catch (error) {
      const response = errorResponse(error, request);
      code = response.code;
      return { error: response };
    } finally {
      console.log(
        JSON.stringify({ requestId: request.context?.requestId, family, action: request.action, code, ms: Date.now() - started }),
      );
    }
  };
  // A rejection the action leaves unhandled fails this request only (lib/request-guard.ts).
  return (request) => guardRequest(request.context?.requestId, () => handle(request), () => ({ error: internalError().toJSON() }));
}

/** Any failure as the EC2 error to send; unexpected ones are logged and hidden behind InternalError. */
export function errorResponse(error: unknown, request?: { action?: string; context?: RequestContext }): SerializedEc2Error {
  const mapped = toEc2Error(error);
  if (mapped instanceof Ec2Error) return mapped.toJSON();
  console.error(
    JSON.stringify({
      level: 'error',
      requestId: request?.context?.requestId,
      action: request?.action,
      error: mapped instanceof Error ? { name: mapped.name, message: mapped.message, stack: mapped.stack } : String(mapped),
    }),
  );
  return internalError().toJSON();
}
