/**
 * DetachVpnGateway: refused with IncorrectState while VPN connections use the gateway (their VPN
 * services live on the VPC's router); its route propagations end with the attachment.
 */
import { allInOrder } from '../../lib/deferred.js';
import type { ActionContext } from '../../lib/context.js';
import { writeObject } from '../../lib/domain/vpc/records.js';
import { action, type Input } from '../../lib/family.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { requireVpc } from './lookup.js';
import { requireVpnGateway, vpnConnections } from './vpn-resources.js';

async function checked(input: Input<'DetachVpnGateway'>, ctx: ActionContext) {
  const [gateway, vpc] = await allInOrder([requireVpnGateway(ctx, input.VpnGatewayId), requireVpc(ctx, input.VpcId)]);
  if (gateway.vpcId !== vpc.vpcId) {
    throw new Ec2Error('InvalidVpnGatewayAttachment.NotFound', `The attachment with VPN gateway ID '${gateway.vpnGatewayId}' and VPC ID '${vpc.vpcId}' does not exist.`);
  }
  const user = (await vpnConnections(ctx)).find((c) => c.vpnGatewayId === gateway.vpnGatewayId);
  if (user) {
    throw new Ec2Error('IncorrectState', `The VPN gateway '${gateway.vpnGatewayId}' has VPN connection '${user.vpnConnectionId}'. Delete the connection before detaching the gateway.`);
  }
  return gateway;
}

export default action(
  'DetachVpnGateway',
  async (input, ctx) => {
    const gateway = await checked(input, ctx);
    const { vpcId: _vpc, ...detached } = gateway;
    await writeObject(ctx.store, gateway.vpnGatewayId, { ...detached, propagatingRouteTableIds: [] });
    return {};
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
