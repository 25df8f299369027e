/** AssociateDhcpOptions: a set, or `default` (Neutron's own resolver), for a VPC; its subnets follow at once. */
import type { ActionContext } from '../../lib/context.js';
import { action, type Input } from '../../lib/family.js';
import { requireDhcpOptions, requireVpc } from './lookup.js';
import { saveAndApply } from './routing.js';

async function checked(input: Input<'AssociateDhcpOptions'>, ctx: ActionContext) {
  const vpc = await requireVpc(ctx, input.VpcId);
  if (input.DhcpOptionsId !== 'default') await requireDhcpOptions(ctx, input.DhcpOptionsId);
  return vpc;
}

export default action(
  'AssociateDhcpOptions',
  async (input, ctx) => {
    const vpc = await checked(input, ctx);
    const { dhcpOptionsId: _previous, ...rest } = vpc;
    const next = input.DhcpOptionsId === 'default' ? rest : { ...vpc, dhcpOptionsId: input.DhcpOptionsId };
    await saveAndApply(ctx, vpc.vpcId, [[vpc.vpcId, next, vpc]]);
    return {};
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
