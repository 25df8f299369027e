/** ResetNetworkInterfaceAttribute: sourceDestCheck back to true, the only attribute AWS resets (the parameter's value names it; any value is accepted, as AWS does). */
import type { ActionContext } from '../../lib/context.js';
import { action, type Input } from '../../lib/family.js';
import { missingParameter } from '../../lib/protocol/errors.js';
import { requireInterface } from './interface-objects.js';
import { setSourceDestCheck } from './interface-attributes.js';

async function checked(input: Input<'ResetNetworkInterfaceAttribute'>, ctx: ActionContext) {
  if (!input.NetworkInterfaceId) throw missingParameter('NetworkInterfaceId');
  if (input.SourceDestCheck === undefined) throw missingParameter('SourceDestCheck');
  return requireInterface(ctx, input.NetworkInterfaceId);
}

export default action(
  'ResetNetworkInterfaceAttribute',
  async (input, ctx) => {
    const { port } = await checked(input, ctx);
    await setSourceDestCheck(ctx, port, true);
    return {};
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
