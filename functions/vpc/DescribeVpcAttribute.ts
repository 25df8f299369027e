/** DescribeVpcAttribute: enableDnsSupport and enableDnsHostnames as recorded (see ModifyVpcAttribute). */
import { action } from '../../lib/family.js';
import { invalidParameterValue } from '../../lib/protocol/errors.js';
import { requireVpc } from './lookup.js';

export default action('DescribeVpcAttribute', async (input, ctx) => {
  const vpc = await requireVpc(ctx, input.VpcId);
  switch (input.Attribute) {
    case 'enableDnsSupport':
      return { VpcId: vpc.vpcId, EnableDnsSupport: { Value: vpc.enableDnsSupport } };
    case 'enableDnsHostnames':
      return { VpcId: vpc.vpcId, EnableDnsHostnames: { Value: vpc.enableDnsHostnames } };
    case 'enableNetworkAddressUsageMetrics':
      return { VpcId: vpc.vpcId, EnableNetworkAddressUsageMetrics: { Value: false } };
    default:
      throw invalidParameterValue(`Value (${String(input.Attribute)}) for parameter attribute is invalid.`);
  }
});
