/** DescribeCustomerGateways through the describe engine (EC2-only records). */
import { describe } from '../../lib/describe/engine.js';
import { action } from '../../lib/family.js';
import { customerGatewayDescriptor } from './vpn-resources.js';

export default action('DescribeCustomerGateways', async (input, ctx) => {
  const { items } = await describe(ctx, 'DescribeCustomerGateways', customerGatewayDescriptor, { ids: input.CustomerGatewayIds, filters: input.Filters });
  return { CustomerGateways: items };
});
