/**
 * AttachVpnGateway: one VPN gateway per VPC and one VPC per gateway (AWS's
 * VpnGatewayAttachmentLimitExceeded and InvalidVpcState). Only the record changes: the
 * connections' VPN services are made on the VPC's router by CreateVpnConnection.
 */
import { allInOrder } from '../../lib/deferred.js';
import type { ActionContext } from '../../lib/context.js';
import { writeObject } from '../../lib/domain/vpc/records.js';
import { requireVpnaas } from '../../lib/domain/vpc/vpn-support.js';
import { action, type Input } from '../../lib/family.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { requireVpc } from './lookup.js';
import { requireVpnGateway, vpnGatewaysOfVpc } from './vpn-resources.js';

async function checked(input: Input<'AttachVpnGateway'>, ctx: ActionContext) {
  await requireVpnaas(ctx.openstack.neutron);
  const [gateway, vpc] = await allInOrder([requireVpnGateway(ctx, input.VpnGatewayId), requireVpc(ctx, input.VpcId)]);
  if (gateway.vpcId && gateway.vpcId !== vpc.vpcId) {
    throw new Ec2Error('VpnGatewayAttachmentLimitExceeded', `The VPN gateway '${gateway.vpnGatewayId}' is already attached to ${gateway.vpcId}.`);
  }
  const other = (await vpnGatewaysOfVpc(ctx, vpc.vpcId)).find((g) => g.vpnGatewayId !== gateway.vpnGatewayId);
  if (other) throw new Ec2Error('InvalidVpcState', `The VPC '${vpc.vpcId}' already has VPN gateway '${other.vpnGatewayId}' attached.`);
  return { gateway, vpc };
}

export default action(
  'AttachVpnGateway',
  async (input, ctx) => {
    const { gateway, vpc } = await checked(input, ctx);
    if (gateway.vpcId !== vpc.vpcId) await writeObject(ctx.store, gateway.vpnGatewayId, { ...gateway, vpcId: vpc.vpcId, propagatingRouteTableIds: [] });
    return { VpcAttachment: { State: 'attached', VpcId: vpc.vpcId } };
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
