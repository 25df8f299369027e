/** DescribeVpnConnections through the describe engine: states, outside addresses and documents from Neutron vpnaas. */
import { describe } from '../../lib/describe/engine.js';
import { action } from '../../lib/family.js';
import { vpnConnectionDescriptor } from './vpn-resources.js';

export default action('DescribeVpnConnections', async (input, ctx) => {
  const { items } = await describe(ctx, 'DescribeVpnConnections', vpnConnectionDescriptor, { ids: input.VpnConnectionIds, filters: input.Filters });
  return { VpnConnections: items };
});
