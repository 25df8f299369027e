/**
 * TerminateInstances: Nova deletes the servers (and the volumes and ports it made with
 * delete-on-termination); ports we made for them go too. Instances protected by
 * DisableApiTermination stop the whole request, as on AWS.
 */
import { action } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { REASONS } from '../../lib/domain/instances/instance-state.js';
import { depsFor } from '../../lib/domain/instances/instance-model.js';
import { currentState, eachTarget, stateChange, targetsOf } from './state-changes.js';
import { terminateInstance } from './termination.js';

export default action(
  'TerminateInstances',
  async (input, ctx) => {
    const deps = depsFor(ctx);
    const targets = await targetsOf(ctx, input);
    const changes = await eachTarget(targets, async (t) => {
      const previous = currentState(t);
      if (previous === 'terminated') return stateChange(t, previous, previous);
      await mapErrors(() => terminateInstance(deps, t, REASONS.userShutdown));
      return stateChange(t, previous, 'shutting-down');
    });
    return { TerminatingInstances: changes };
  },
  {
    check: async (input, ctx) => {
      for (const t of await targetsOf(ctx, input)) {
        if (currentState(t) !== 'terminated' && t.launch.disableApiTermination) {
          throw new Ec2Error(
            'OperationNotPermitted',
            `The instance '${t.ec2Id}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.`,
          );
        }
      }
    },
  },
);
