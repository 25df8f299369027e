/**
 * ModifySubnetAttribute: MapPublicIpOnLaunch (instances launched into the subnet get a floating IP),
 * one attribute per call as AWS requires. IPv6, customer-owned pools, DNS64 and resource-name DNS
 * records have no Neutron counterpart and are refused.
 */
import type { ActionContext } from '../../lib/context.js';
import { writeObject } from '../../lib/domain/vpc/records.js';
import { action, type Input } from '../../lib/family.js';
import { Ec2Error, invalidParameterCombination, missingParameter } from '../../lib/protocol/errors.js';
import { requireSubnet } from './lookup.js';

async function checked(input: Input<'ModifySubnetAttribute'>, ctx: ActionContext) {
  const { SubnetId: _id, MapPublicIpOnLaunch, ...others } = input;
  const unsupported = Object.entries(others).filter(([name, value]) => name !== 'DryRun' && value !== undefined);
  if (MapPublicIpOnLaunch === undefined && unsupported.length === 0) throw missingParameter('MapPublicIpOnLaunch');
  if (unsupported.length + (MapPublicIpOnLaunch === undefined ? 0 : 1) > 1) {
    throw invalidParameterCombination('Specify only one attribute to modify per request.');
  }
  if (unsupported.length) throw new Ec2Error('UnsupportedOperation', `The subnet attribute ${unsupported[0]![0]} is not supported by this cloud.`);
  if (MapPublicIpOnLaunch?.Value === undefined) throw missingParameter('MapPublicIpOnLaunch.Value');
  return { subnet: await requireSubnet(ctx, input.SubnetId), map: MapPublicIpOnLaunch.Value };
}

export default action(
  'ModifySubnetAttribute',
  async (input, ctx) => {
    const { subnet, map } = await checked(input, ctx);
    await writeObject(ctx.store, subnet.subnetId, { ...subnet, mapPublicIpOnLaunch: map });
    return {};
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
