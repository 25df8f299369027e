/**
 * RunInstances: the reservation (`r-…`) with its instances `pending`. Everything is checked before
 * OpenStack is touched (that is also what DryRun verifies); a ClientToken makes the request
 * idempotent even when retried concurrently (launch-token.ts).
 */
import type { ActionContext } from '../../lib/context.js';
import { action } from '../../lib/family.js';
import { getServers } from '../../lib/openstack/nova.js';
import type { RunInstancesRequest } from '../../schemas/types.js';
import { depsFor, loadInstanceViews } from '../../lib/domain/instances/instance-model.js';
import { checkLaunch, launchOnCurrentNetwork, planLaunch, type LaunchPlan } from './launch.js';
import { fingerprintOf, withClientToken, type Launched } from './launch-token.js';
import { readLaunchRecords } from '../../lib/domain/instances/launch-record.js';
import { reservationsOf } from './reservations.js';
import { terminatedServer } from './instance-resource.js';

const plans = new WeakMap<object, Promise<LaunchPlan>>();

function planOf(ctx: ActionContext, input: RunInstancesRequest): Promise<LaunchPlan> {
  let plan = plans.get(input);
  if (!plan) {
    plan = planLaunch(ctx, input);
    plans.set(input, plan);
  }
  return plan;
}

/** The reservation a token already made, as it is now. */
async function replay(ctx: ActionContext, launched: Launched) {
  const [servers, launches] = await Promise.all([
    getServers(ctx.openstack.nova, launched.serverIds),
    readLaunchRecords(ctx.store, launched.serverIds),
  ]);
  const present = new Set(servers.map((s) => s.id));
  const gone = launched.serverIds.flatMap((id) => (!present.has(id) && launches.get(id)?.terminated ? [terminatedServer(launches.get(id)!)] : []));
  const targets = [...servers, ...gone].map((server) => ({ server, ec2Id: launches.get(server.id)?.instanceId }));
  const views = await loadInstanceViews(depsFor(ctx), targets, { launches });
  const order = new Map(launched.serverIds.map((id, i) => [id, i]));
  views.sort((a, b) => order.get(a.serverId)! - order.get(b.serverId)!);
  return reservationsOf(views)[0] ?? { ReservationId: launched.reservationId, OwnerId: ctx.caller.projectId, Groups: [], Instances: [] };
}

export default action(
  'RunInstances',
  async (input, ctx) => {
    if (!input.ClientToken) return (await launchOnCurrentNetwork(ctx, input, planOf(ctx, input))).reservation;
    // The token is claimed while the plan's lookups run (both read only; a plan that fails
    // releases the claim as any failed launch does), not one round trip after them.
    const planned = planOf(ctx, input);
    planned.catch(() => undefined);
    return withClientToken(
      ctx.store,
      input.ClientToken,
      fingerprintOf(input as unknown as Record<string, unknown>),
      async (outcomeItem) => {
        const result = await launchOnCurrentNetwork(ctx, input, planned, { outcomeItem });
        return { launched: { reservationId: result.reservationId, serverIds: result.serverIds }, answer: result.reservation, outcomeWritten: true };
      },
      (launched) => replay(ctx, launched),
    );
  },
  {
    // The checks run before the action: a DryRun waits for the plan here, a launch in `run`, where
    // the ClientToken claim and the launch journal are written while the plan's lookups run (a
    // plan that fails answers the same error there, after releasing both).
    check: async (input, ctx) => {
      if (input.DryRun) await checkLaunch(ctx, input, planOf(ctx, input));
    },
  },
);
