/**
 * StopInstances: Nova's os-stop (a power-off, which is what Force asks for too; Nova has no
 * gentler stop to choose). The launch record notes that the API asked, so the stop is not taken
 * for a shutdown from inside the instance (InstanceInitiatedShutdownBehavior).
 */
import { action } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { stopServer } from '../../lib/openstack/nova.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { saveLaunch } from './instance-lookup.js';
import { changeStates, incorrectState, refuseStates } from './state-changes.js';

export default action(
  'StopInstances',
  async (input, ctx) => {
    const changes = await changeStates(ctx, input, ['stopped', 'stopping'], 'stopping', async (t) => {
      const before = t.launch.stoppedByApiAt;
      await saveLaunch(ctx, t, { stoppedByApiAt: new Date().toISOString() });
      try {
        await mapErrors(() => stopServer(ctx.openstack.nova, t.serverId), { conflict: () => incorrectState(t.ec2Id, 'stopped') });
      } catch (error) {
        await saveLaunch(ctx, t, { stoppedByApiAt: before });
        throw error;
      }
    });
    return { StoppingInstances: changes };
  },
  {
    check: async (input, ctx) => {
      if (input.Hibernate) throw new Ec2Error('UnsupportedHibernationConfiguration', 'Hibernation is not supported by this cloud.');
      await refuseStates(ctx, input, ['terminated', 'shutting-down', 'pending'], 'stopped', (t, state) => {
        if (t.launch.disableApiStop && state === 'running') {
          throw new Ec2Error(
            'OperationNotPermitted',
            `The instance '${t.ec2Id}' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.`,
          );
        }
      });
    },
  },
);
