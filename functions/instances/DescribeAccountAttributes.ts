/**
 * DescribeAccountAttributes: the platform (VPC only: EC2-Classic is retired), the default VPC, and
 * limits read from the project's Nova limits and Neutron quotas.
 */
import { defaultVpc } from '../../lib/domain/vpc/default-vpc.js';
import { vpcDeps } from '../../lib/domain/vpc/deps.js';
import { action } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { projectQuota } from '../../lib/openstack/neutron.js';
import { absoluteLimits } from '../../lib/openstack/nova.js';
import { invalidParameterValue } from '../../lib/protocol/errors.js';
import type { AccountAttribute } from '../../schemas/types.js';

const ATTRIBUTES = [
  'supported-platforms',
  'default-vpc',
  'max-instances',
  'max-elastic-ips',
  'vpc-max-elastic-ips',
] as const;
type AttributeName = (typeof ATTRIBUTES)[number];

export default action('DescribeAccountAttributes', async (input, ctx) => {
  const requested = (input.AttributeNames?.length ? input.AttributeNames : ATTRIBUTES) as string[];
  for (const name of requested) {
    if (!(ATTRIBUTES as readonly string[]).includes(name)) {
      throw invalidParameterValue(`Value (${name}) for parameter attributeName is invalid. Valid values: ${ATTRIBUTES.join(', ')}`);
    }
  }
  const want = (name: AttributeName) => requested.includes(name);
  const [instances, floatingIps, defaultVpcId] = await Promise.all([
    want('max-instances')
      ? mapErrors(() => absoluteLimits(ctx.openstack.nova)).then((l) => l.maxTotalInstances)
      : undefined,
    want('max-elastic-ips') || want('vpc-max-elastic-ips')
      ? mapErrors(() => projectQuota(ctx.openstack.neutron, ctx.caller.projectId)).then((q) => q['floatingip'])
      : undefined,
    // The same default VPC DescribeVpcs shows as isDefault (adopted on first sight).
    want('default-vpc') ? mapErrors(() => defaultVpc(vpcDeps(ctx))).then((vpc) => vpc?.vpcId) : undefined,
  ]);
  const values: Record<AttributeName, string[]> = {
    'supported-platforms': ['VPC'],
    'default-vpc': [defaultVpcId ?? 'none'],
    'max-instances': [String(instances)],
    'max-elastic-ips': [String(floatingIps)],
    'vpc-max-elastic-ips': [String(floatingIps)],
  };
  const attributes: AccountAttribute[] = requested.map((name) => ({
    AttributeName: name,
    AttributeValues: values[name as AttributeName].map((v) => ({ AttributeValue: v })),
  }));
  return { AccountAttributes: attributes };
});
