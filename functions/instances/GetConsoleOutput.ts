/** GetConsoleOutput: Nova's console log, base64 (the latest 64 KiB, as AWS keeps). */
import { action } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { consoleOutput } from '../../lib/openstack/nova.js';
import { findInstance, isTerminated } from './instance-lookup.js';

const KEEP_BYTES = 64 * 1024;

export default action(
  'GetConsoleOutput',
  async (input, ctx) => {
    const target = await findInstance(ctx, input.InstanceId);
    const text = isTerminated(target) ? undefined : await mapErrors(() => consoleOutput(ctx.openstack.nova, target.serverId));
    const bytes = text === undefined ? undefined : Buffer.from(text, 'utf8');
    return {
      InstanceId: target.ec2Id,
      Timestamp: new Date(),
      ...(bytes ? { Output: bytes.subarray(Math.max(0, bytes.length - KEEP_BYTES)).toString('base64') } : {}),
    };
  },
  { check: async (input, ctx) => void (await findInstance(ctx, input.InstanceId)) },
);
