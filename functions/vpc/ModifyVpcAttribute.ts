/**
 * ModifyVpcAttribute: enableDnsSupport / enableDnsHostnames, one per call as AWS requires. They are
 * recorded and shown; Neutron's own DNS (dnsmasq, and DNS names when the operator enabled its DNS
 * integration) serves instances either way, so they do not change what Neutron does.
 */
import type { ActionContext } from '../../lib/context.js';
import { writeObject } from '../../lib/domain/vpc/records.js';
import { action, type Input } from '../../lib/family.js';
import { Ec2Error, invalidParameterCombination, missingParameter } from '../../lib/protocol/errors.js';
import { requireVpc } from './lookup.js';

async function checked(input: Input<'ModifyVpcAttribute'>, ctx: ActionContext) {
  const given = [input.EnableDnsSupport, input.EnableDnsHostnames, input.EnableNetworkAddressUsageMetrics].filter((a) => a !== undefined);
  if (given.length === 0) throw missingParameter('EnableDnsSupport or EnableDnsHostnames');
  if (given.length > 1) throw invalidParameterCombination('Fields for multiple attribute types specified: enableDnsSupport, enableDnsHostnames');
  if (given[0]!.Value === undefined) throw missingParameter('Value');
  if (input.EnableNetworkAddressUsageMetrics) throw new Ec2Error('UnsupportedOperation', 'Network address usage metrics are not supported by this cloud.');
  const vpc = await requireVpc(ctx, input.VpcId);
  const support = input.EnableDnsSupport?.Value ?? vpc.enableDnsSupport;
  const hostnames = input.EnableDnsHostnames?.Value ?? vpc.enableDnsHostnames;
  if (hostnames && !support) {
    throw new Ec2Error('InvalidParameterValue', 'DNS hostnames can only be enabled in a VPC that has DNS support enabled.');
  }
  return { vpc, support, hostnames };
}

export default action(
  'ModifyVpcAttribute',
  async (input, ctx) => {
    const { vpc, support, hostnames } = await checked(input, ctx);
    await writeObject(ctx.store, vpc.vpcId, { ...vpc, enableDnsSupport: support, enableDnsHostnames: hostnames });
    return {};
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
