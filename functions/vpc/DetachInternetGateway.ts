/**
 * DetachInternetGateway: clears the router's external gateway. Neutron refuses while floating IPs
 * of the VPC's networks use it: that is AWS's DependencyViolation (mapped public addresses).
 */
import { allInOrder } from '../../lib/deferred.js';
import type { ActionContext } from '../../lib/context.js';
import { vpcDeps } from '../../lib/domain/vpc/deps.js';
import { applyVpcNetworkConfig } from '../../lib/domain/vpc/network-config.js';
import { writeObject } from '../../lib/domain/vpc/records.js';
import { action, type Input } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { setRouterGateway } from '../../lib/openstack/neutron.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { requireInternetGateway, requireVpc } from './lookup.js';

async function checked(input: Input<'DetachInternetGateway'>, ctx: ActionContext) {
  const [gateway, vpc] = await allInOrder([requireInternetGateway(ctx, input.InternetGatewayId), requireVpc(ctx, input.VpcId)]);
  if (gateway.vpcId !== vpc.vpcId) {
    throw new Ec2Error('Gateway.NotAttached', `resource ${gateway.internetGatewayId} is not attached to network ${vpc.vpcId}`);
  }
  return { gateway, vpc };
}

export default action(
  'DetachInternetGateway',
  async (input, ctx) => {
    const { gateway, vpc } = await checked(input, ctx);
    await mapErrors(() => setRouterGateway(ctx.openstack.neutron, vpc.routerId, null), {
      conflict: () =>
        new Ec2Error('DependencyViolation', `Network ${vpc.vpcId} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.`),
    });
    const { vpcId: _vpc, ...detached } = gateway;
    await writeObject(ctx.store, gateway.internetGatewayId, detached);
    await mapErrors(() => applyVpcNetworkConfig(vpcDeps(ctx), vpc.vpcId));
    return {};
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
