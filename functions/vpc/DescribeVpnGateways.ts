/** DescribeVpnGateways through the describe engine (EC2-only records). */
import { describe } from '../../lib/describe/engine.js';
import { action } from '../../lib/family.js';
import { vpnGatewayDescriptor } from './vpn-resources.js';

export default action('DescribeVpnGateways', async (input, ctx) => {
  const { items } = await describe(ctx, 'DescribeVpnGateways', vpnGatewayDescriptor, { ids: input.VpnGatewayIds, filters: input.Filters });
  return { VpnGateways: items };
});
