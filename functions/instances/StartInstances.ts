/**
 * StartInstances: Nova's os-start (unshelve, unpause or resume for servers Nova parked those ways,
 * which EC2 also shows as stopped).
 */
import { action } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { serverAction, startServer } from '../../lib/openstack/nova.js';
import { saveLaunch } from './instance-lookup.js';
import { changeStates, incorrectState, refuseStates } from './state-changes.js';

const START_ACTIONS: Record<string, Record<string, null>> = {
  shelved: { unshelve: null },
  shelved_offloaded: { unshelve: null },
  paused: { unpause: null },
  suspended: { resume: null },
};

export default action(
  'StartInstances',
  async (input, ctx) => {
    const changes = await changeStates(ctx, input, ['running', 'pending'], 'pending', async (t) => {
      await saveLaunch(ctx, t, { stoppedByApiAt: undefined });
      const special = START_ACTIONS[t.server['OS-EXT-STS:vm_state'] ?? ''];
      await mapErrors(() => (special ? serverAction(ctx.openstack.nova, t.serverId, special) : startServer(ctx.openstack.nova, t.serverId)), {
        conflict: () => incorrectState(t.ec2Id, 'started'),
      });
    });
    return { StartingInstances: changes };
  },
  { check: (input, ctx) => refuseStates(ctx, input, ['terminated', 'shutting-down', 'stopping'], 'started') },
);
