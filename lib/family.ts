/**
 * The contract between the front door and a family function: actions declared with `action()`,
 * and `familyHandler()`, which puts them behind the family middlewares (lib/handlers.ts): re-parse
 * the input from its parameters, answer DryRun after the action's own checks, run the action, and
 * turn any failure into an EC2 error. Actions only compute their typed output.
 */
import type { Ec2ActionName, Ec2ActionShapes } from '../schemas/types.js';
import type { ActionContext, RequestContext } from './context.js';
import { familyMiddyHandler, type InvocationContext } from './handlers.js';
import type { SerializedEc2Error } from './protocol/errors.js';

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

/** A family's middy handler (lib/handlers.ts), also called in-process by the inline dispatcher. */
export type FamilyHandler = (request: FamilyRequest, context?: InvocationContext) => Promise<FamilyResponse>;

export { contextFor } from './middleware/family.js';
export { errorResponse } from './middleware/errors.js';

/** An action definition of any action. */
export type AnyAction = { [A in Ec2ActionName]: ActionDefinition<A> }[Ec2ActionName];

/** The family's handler: its actions behind the family middlewares of lib/handlers.ts. */
export function familyHandler(family: string, actions: AnyAction[]): FamilyHandler {
  const byName = new Map<string, ActionDefinition>(actions.map((a) => [a.name, a as unknown as ActionDefinition]));
  return familyMiddyHandler(family, byName);
}
