/** CreateSubnet: a Neutron network and subnet plugged into the VPC's router (see subnet-objects.ts). */
import { requireCidr } from '../../lib/domain/vpc/cidr.js';
import { action, type Input } from '../../lib/family.js';
import type { ActionContext } from '../../lib/context.js';
import { Ec2Error, missingParameter } from '../../lib/protocol/errors.js';
import { requireVpc } from './lookup.js';
import { formatSubnet } from './resources.js';
import { checkSubnetCidr, createSubnetObjects, subnetZone } from './subnet-objects.js';
import { tagNew, tagsFromSpecs } from './tag-specs.js';
import { withUndo } from './undo.js';

async function checked(input: Input<'CreateSubnet'>, ctx: ActionContext) {
  if (input.Ipv6CidrBlock || input.Ipv6Native) throw new Ec2Error('UnsupportedOperation', 'IPv6 subnets are not supported by this cloud.');
  if (input.OutpostArn) throw new Ec2Error('UnsupportedOperation', 'Outposts are not supported by this cloud.');
  if (!input.CidrBlock) throw missingParameter('CidrBlock');
  const cidr = requireCidr(input.CidrBlock, 'cidrBlock');
  const tags = tagsFromSpecs(input.TagSpecifications, 'subnet');
  const vpc = await requireVpc(ctx, input.VpcId);
  await checkSubnetCidr(ctx, vpc, cidr);
  const zone = await subnetZone(ctx, input.AvailabilityZone ?? input.AvailabilityZoneId);
  return { vpc, cidr, zone, tags };
}

export default action(
  'CreateSubnet',
  async (input, ctx) => {
    const { vpc, cidr, zone, tags } = await checked(input, ctx);
    const subnet = await withUndo(async (undo) => {
      const created = await createSubnetObjects(ctx, vpc, { cidr, zone, defaultForAz: false, mapPublicIpOnLaunch: false }, undo);
      await tagNew(ctx.store, created.subnetId, tags);
      return created;
    });
    return { Subnet: formatSubnet(ctx, subnet, 0, tags) };
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
