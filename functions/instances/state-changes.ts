/** What the state-changing actions share: the instances named (looked up once for check and run),
 * AWS's previous/current answer and its errors. */
import type { ActionContext } from '../../lib/context.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import type { InstanceStateChange, InstanceStateName } from '../../schemas/types.js';
import { findInstances, isTerminated, type InstanceTarget } from './instance-lookup.js';
import { stateNameOf, stateNamed } from '../../lib/domain/instances/instance-state.js';

const looked = new WeakMap<object, Promise<InstanceTarget[]>>();

/** The instances of a request's InstanceIds; `check` and `run` of one request share the lookup. */
export function targetsOf(ctx: ActionContext, input: { InstanceIds: string[] }): Promise<InstanceTarget[]> {
  let found = looked.get(input);
  if (!found) {
    found = findInstances(ctx, input.InstanceIds);
    looked.set(input, found);
  }
  return found;
}

export const currentState = (t: InstanceTarget): InstanceStateName => (isTerminated(t) ? 'terminated' : stateNameOf(t.server));

export const stateChange = (t: InstanceTarget, previous: InstanceStateName, current: InstanceStateName): InstanceStateChange => ({
  InstanceId: t.ec2Id,
  PreviousState: stateNamed(previous),
  CurrentState: stateNamed(current),
});

export const incorrectState = (ec2Id: string, verb: string) =>
  new Ec2Error('IncorrectInstanceState', `The instance '${ec2Id}' is not in a state from which it can be ${verb}.`);

/** Runs `work` over the targets a few at a time (Nova is the bottleneck, not us). */
export async function eachTarget<T>(targets: InstanceTarget[], work: (t: InstanceTarget) => Promise<T>, concurrency = 8): Promise<T[]> {
  const out: T[] = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      out[i] = await work(targets[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  return out;
}

/**
 * Start and stop: each target already in one of the `settled` states (or on its way there) is
 * answered as it is; the others get `change` and are answered as `next`.
 */
export async function changeStates(
  ctx: ActionContext,
  input: { InstanceIds: string[] },
  settled: InstanceStateName[],
  next: InstanceStateName,
  change: (t: InstanceTarget) => Promise<void>,
): Promise<InstanceStateChange[]> {
  return eachTarget(await targetsOf(ctx, input), async (t) => {
    const previous = currentState(t);
    if (settled.includes(previous)) return stateChange(t, previous, previous);
    await change(t);
    return stateChange(t, previous, next);
  });
}

/** The check of start and stop: IncorrectInstanceState for a target in a state that cannot be `verb`. */
export async function refuseStates(
  ctx: ActionContext,
  input: { InstanceIds: string[] },
  refused: InstanceStateName[],
  verb: string,
  more: (t: InstanceTarget, state: InstanceStateName) => void = () => undefined,
): Promise<void> {
  for (const t of await targetsOf(ctx, input)) {
    const state = currentState(t);
    if (refused.includes(state)) throw incorrectState(t.ec2Id, verb);
    more(t, state);
  }
}
