/** DeleteVpnGateway: refused with IncorrectState while attached or used by a VPN connection. */
import type { ActionContext } from '../../lib/context.js';
import { action } from '../../lib/family.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { forgetObject } from './objects.js';
import { requireVpnGateway, vpnConnections } from './vpn-resources.js';

async function checked(id: string, ctx: ActionContext) {
  const gateway = await requireVpnGateway(ctx, id);
  if (gateway.vpcId) throw new Ec2Error('IncorrectState', `The VPN gateway '${id}' is attached to ${gateway.vpcId}. Detach it first.`);
  const user = (await vpnConnections(ctx)).find((c) => c.vpnGatewayId === gateway.vpnGatewayId);
  if (user) throw new Ec2Error('IncorrectState', `The VPN gateway '${id}' is in use by VPN connection '${user.vpnConnectionId}'. Delete the connection first.`);
  return gateway;
}

export default action(
  'DeleteVpnGateway',
  async (input, ctx) => {
    const gateway = await checked(input.VpnGatewayId, ctx);
    await forgetObject(ctx, 'vpn-gateway', gateway.vpnGatewayId, gateway.uuid);
    return {};
  },
  { check: async (input, ctx) => void (await checked(input.VpnGatewayId, ctx)) },
);
