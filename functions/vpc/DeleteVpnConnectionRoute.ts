/** DeleteVpnConnectionRoute: InvalidRoute.NotFound for a route the connection does not have. */
import type { ActionContext } from '../../lib/context.js';
import { requireCidr } from '../../lib/domain/vpc/cidr.js';
import { action, type Input } from '../../lib/family.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { setConnectionRoutes } from './vpn-connections.js';
import { requireVpnConnection } from './vpn-resources.js';

async function checked(input: Input<'DeleteVpnConnectionRoute'>, ctx: ActionContext) {
  const cidr = requireCidr(input.DestinationCidrBlock, 'DestinationCidrBlock').text;
  const record = await requireVpnConnection(ctx, input.VpnConnectionId);
  if (!record.routes.includes(cidr)) {
    throw new Ec2Error('InvalidRoute.NotFound', `The route '${cidr}' does not exist in VPN connection '${record.vpnConnectionId}'.`);
  }
  return { record, cidr };
}

export default action(
  'DeleteVpnConnectionRoute',
  async (input, ctx) => {
    const { record, cidr } = await checked(input, ctx);
    await setConnectionRoutes(ctx, record, record.routes.filter((r) => r !== cidr));
    return {};
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
