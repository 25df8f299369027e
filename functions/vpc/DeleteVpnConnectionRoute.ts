/** DeleteVpnConnectionRoute: InvalidRoute.NotFound for a route the connection does not have. */
import type { ActionContext } from '../../lib/context.js';
import { requireCidr } from '../../lib/domain/vpc/cidr.js';
import { action, type Input } from '../../lib/family.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { changeConnectionRoutes } from './vpn-connections.js';
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
    // A concurrent delete of the same route may have won meanwhile: then there is nothing left to do.
    await changeConnectionRoutes(ctx, record.vpnConnectionId, (routes) => (routes.includes(cidr) ? routes.filter((r) => r !== cidr) : undefined));
    return {};
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
