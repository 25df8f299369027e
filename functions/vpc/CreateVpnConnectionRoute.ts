/** CreateVpnConnectionRoute: a static route to the customer's network, i.e. a CIDR of the tunnel's peer endpoint group. */
import type { ActionContext } from '../../lib/context.js';
import { requireCidr } from '../../lib/domain/vpc/cidr.js';
import { requireVpnaas } from '../../lib/domain/vpc/vpn-support.js';
import { action, type Input } from '../../lib/family.js';
import { changeConnectionRoutes } from './vpn-connections.js';
import { requireVpnConnection } from './vpn-resources.js';

async function checked(input: Input<'CreateVpnConnectionRoute'>, ctx: ActionContext) {
  await requireVpnaas(ctx.openstack.neutron);
  const cidr = requireCidr(input.DestinationCidrBlock, 'DestinationCidrBlock');
  return { record: await requireVpnConnection(ctx, input.VpnConnectionId), cidr: cidr.text };
}

export default action(
  'CreateVpnConnectionRoute',
  async (input, ctx) => {
    const { record, cidr } = await checked(input, ctx);
    // Adding a route the connection has is a no-op, as on AWS.
    await changeConnectionRoutes(ctx, record.vpnConnectionId, (routes) => (routes.includes(cidr) ? undefined : [...routes, cidr]));
    return {};
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
