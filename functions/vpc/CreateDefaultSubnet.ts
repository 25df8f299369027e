/**
 * CreateDefaultSubnet: a /20 default subnet of the default VPC in a zone that has none, in the
 * first free block of the VPC's range; MapPublicIpOnLaunch follows the operator's setting.
 */
import type { ActionContext } from '../../lib/context.js';
import { firstFreeBlock, parseCidr } from '../../lib/domain/vpc/cidr.js';
import { defaultVpc } from '../../lib/domain/vpc/default-vpc.js';
import { vpcDeps } from '../../lib/domain/vpc/deps.js';
import { action, type Input } from '../../lib/family.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { subnetsOfVpc } from './lookup.js';
import { formatSubnet } from './resources.js';
import { createSubnetObjects, subnetZone } from './subnet-objects.js';
import { withUndo } from './undo.js';

const PREFIX = 20;

async function checked(input: Input<'CreateDefaultSubnet'>, ctx: ActionContext) {
  if (input.Ipv6Native) throw new Ec2Error('UnsupportedOperation', 'IPv6 subnets are not supported by this cloud.');
  const vpc = await defaultVpc(vpcDeps(ctx));
  if (!vpc) throw new Ec2Error('DefaultVpcDoesNotExist', 'No default VPC exists for this account in this region.');
  const zone = await subnetZone(ctx, input.AvailabilityZone);
  const siblings = await subnetsOfVpc(ctx, vpc.vpcId);
  if (siblings.some((s) => s.defaultForAz && s.availabilityZone === zone)) {
    throw new Ec2Error('DefaultSubnetAlreadyExistsInAvailabilityZone', `A default subnet already exists in availability zone ${zone}.`);
  }
  const block = firstFreeBlock(parseCidr(vpc.cidr)!, PREFIX, siblings.map((s) => parseCidr(s.cidr)!));
  if (!block) throw new Ec2Error('InsufficientFreeAddressesInSubnet', `The default VPC ${vpc.vpcId} has no free /${PREFIX} block left.`);
  return { vpc, zone, block };
}

export default action(
  'CreateDefaultSubnet',
  async (input, ctx) => {
    const { vpc, zone, block } = await checked(input, ctx);
    const subnet = await withUndo((undo) =>
      createSubnetObjects(ctx, vpc, { cidr: block, zone, defaultForAz: true, mapPublicIpOnLaunch: ctx.config.vpc.defaultSubnetMapPublicIp }, undo),
    );
    return { Subnet: formatSubnet(ctx, subnet, 0) };
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
