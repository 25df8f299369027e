/** DeleteDhcpOptions: refused with DependencyViolation while a VPC uses the set. */
import type { ActionContext } from '../../lib/context.js';
import { objectsOf, type VpcRecord } from '../../lib/domain/vpc/records.js';
import { action } from '../../lib/family.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { requireDhcpOptions } from './lookup.js';
import { forgetObject } from './objects.js';

async function checked(id: string, ctx: ActionContext) {
  const options = await requireDhcpOptions(ctx, id);
  if ((await objectsOf<VpcRecord>(ctx.store, 'vpc')).some((v) => v.dhcpOptionsId === id)) {
    throw new Ec2Error('DependencyViolation', `The dhcpOptions '${id}' has dependencies and cannot be deleted.`);
  }
  return options;
}

export default action(
  'DeleteDhcpOptions',
  async (input, ctx) => {
    const options = await checked(input.DhcpOptionsId, ctx);
    await forgetObject(ctx, 'dhcp-options', options.dhcpOptionsId, options.uuid);
    return {};
  },
  { check: async (input, ctx) => void (await checked(input.DhcpOptionsId, ctx)) },
);
