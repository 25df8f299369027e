/** AttachInternetGateway: one gateway per VPC and one VPC per gateway (Resource.AlreadyAssociated). */
import { allInOrder } from '../../lib/deferred.js';
import type { ActionContext } from '../../lib/context.js';
import { action, type Input } from '../../lib/family.js';
import { alreadyAssociated, attachGateway } from './gateways.js';
import { gatewaysOfVpc, requireInternetGateway, requireVpc } from './lookup.js';
import { withUndo } from './undo.js';

async function checked(input: Input<'AttachInternetGateway'>, ctx: ActionContext) {
  const [gateway, vpc] = await allInOrder([requireInternetGateway(ctx, input.InternetGatewayId), requireVpc(ctx, input.VpcId)]);
  if (gateway.vpcId) throw alreadyAssociated(`resource ${gateway.internetGatewayId} is already attached to network ${gateway.vpcId}`);
  const other = (await gatewaysOfVpc(ctx, vpc.vpcId))[0];
  if (other) throw alreadyAssociated(`network ${vpc.vpcId} already has an internet gateway attached (${other.internetGatewayId})`);
  return { gateway, vpc };
}

export default action(
  'AttachInternetGateway',
  async (input, ctx) => {
    const { gateway, vpc } = await checked(input, ctx);
    await withUndo((undo) => attachGateway(ctx, gateway, vpc, undo));
    return {};
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
