/** CreateVpc: a Neutron router plus our record of the CIDR and a main route table (see README.md). */
import { checkPrefix, requireCidr } from '../../lib/domain/vpc/cidr.js';
import { vpcDeps } from '../../lib/domain/vpc/deps.js';
import { deleteDefaultGroup, ensureDefaultGroup } from '../../lib/domain/vpc/security-groups.js';
import { action, type Input } from '../../lib/family.js';
import { Ec2Error, missingParameter } from '../../lib/protocol/errors.js';
import { createVpcObjects } from './objects.js';
import { formatVpc } from './resources.js';
import { tagNew, tagsFromSpecs } from './tag-specs.js';
import { withUndo } from './undo.js';

function checked(input: Input<'CreateVpc'>) {
  if (input.AmazonProvidedIpv6CidrBlock || input.Ipv6CidrBlock || input.Ipv6Pool || input.Ipv6IpamPoolId || input.Ipv6NetmaskLength !== undefined) {
    throw new Ec2Error('UnsupportedOperation', 'IPv6 CIDR blocks for VPCs are not supported by this cloud.');
  }
  if (input.Ipv4IpamPoolId || input.Ipv4NetmaskLength !== undefined) throw new Ec2Error('UnsupportedOperation', 'IPAM pools are not supported by this cloud.');
  if (input.InstanceTenancy && input.InstanceTenancy !== 'default') {
    throw new Ec2Error('InvalidParameterValue', `Value (${input.InstanceTenancy}) for parameter instanceTenancy is invalid. Only 'default' is supported by this cloud.`);
  }
  if (!input.CidrBlock) throw missingParameter('CidrBlock');
  const cidr = requireCidr(input.CidrBlock, 'cidrBlock');
  checkPrefix(cidr, 'InvalidVpc.Range');
  return { cidr, tags: tagsFromSpecs(input.TagSpecifications, 'vpc') };
}

export default action(
  'CreateVpc',
  async (input, ctx) => {
    const { cidr, tags } = checked(input);
    const vpc = await withUndo(async (undo) => {
      const created = await createVpcObjects(ctx, cidr, false, undo);
      // AWS makes the VPC's default security group with the VPC.
      await ensureDefaultGroup(vpcDeps(ctx), created);
      undo.add('delete default security group', () => deleteDefaultGroup(vpcDeps(ctx), created.vpcId));
      await tagNew(ctx.store, created.vpcId, tags);
      return created;
    });
    return { Vpc: formatVpc(ctx, vpc, tags) };
  },
  { check: async (input) => void checked(input) },
);
