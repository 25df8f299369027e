/** DeleteInternetGateway: refused with DependencyViolation while attached. */
import type { ActionContext } from '../../lib/context.js';
import { action } from '../../lib/family.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { requireInternetGateway } from './lookup.js';
import { forgetObject } from './objects.js';

async function checked(id: string, ctx: ActionContext) {
  const gateway = await requireInternetGateway(ctx, id);
  if (gateway.vpcId) throw new Ec2Error('DependencyViolation', `The internetGateway '${id}' has dependencies and cannot be deleted.`);
  return gateway;
}

export default action(
  'DeleteInternetGateway',
  async (input, ctx) => {
    const gateway = await checked(input.InternetGatewayId, ctx);
    await forgetObject(ctx, 'internet-gateway', gateway.internetGatewayId, gateway.uuid);
    return {};
  },
  { check: async (input, ctx) => void (await checked(input.InternetGatewayId, ctx)) },
);
