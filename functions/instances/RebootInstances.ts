/** RebootInstances: Nova's soft reboot (Nova itself falls back to a hard one if the guest does not
 * respond). Terminated instances are ignored, as AWS does. */
import { action } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { rebootServer } from '../../lib/openstack/nova.js';
import { currentState, eachTarget, incorrectState, targetsOf } from './state-changes.js';

export default action(
  'RebootInstances',
  async (input, ctx) => {
    const targets = await targetsOf(ctx, input);
    await eachTarget(targets, async (t) => {
      if (currentState(t) !== 'running') return;
      await mapErrors(() => rebootServer(ctx.openstack.nova, t.serverId), { conflict: () => incorrectState(t.ec2Id, 'rebooted') });
    });
    return {};
  },
  {
    check: async (input, ctx) => {
      for (const t of await targetsOf(ctx, input)) {
        const state = currentState(t);
        if (state !== 'running' && state !== 'terminated') throw incorrectState(t.ec2Id, 'rebooted');
      }
    },
  },
);
