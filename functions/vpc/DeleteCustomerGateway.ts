/** DeleteCustomerGateway: refused with IncorrectState while a VPN connection uses the gateway. */
import type { ActionContext } from '../../lib/context.js';
import { action } from '../../lib/family.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { forgetObject } from './objects.js';
import { requireCustomerGateway, vpnConnections } from './vpn-resources.js';

async function checked(id: string, ctx: ActionContext) {
  const gateway = await requireCustomerGateway(ctx, id);
  const user = (await vpnConnections(ctx)).find((c) => c.customerGatewayId === gateway.customerGatewayId);
  if (user) throw new Ec2Error('IncorrectState', `The customer gateway '${id}' is in use by VPN connection '${user.vpnConnectionId}'. Delete the connection first.`);
  return gateway;
}

export default action(
  'DeleteCustomerGateway',
  async (input, ctx) => {
    const gateway = await checked(input.CustomerGatewayId, ctx);
    await forgetObject(ctx, 'customer-gateway', gateway.customerGatewayId, gateway.uuid);
    return {};
  },
  { check: async (input, ctx) => void (await checked(input.CustomerGatewayId, ctx)) },
);
