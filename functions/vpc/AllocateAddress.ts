/** AllocateAddress: a floating IP on the configured external network, for use in a VPC. */
import type { ActionContext } from '../../lib/context.js';
import { vpcDeps } from '../../lib/domain/vpc/deps.js';
import { externalNetworkId } from '../../lib/domain/vpc/external-network.js';
import { action, type Input } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { allocateFloatingIp, deleteFloatingIp } from '../../lib/openstack/neutron.js';
import { Ec2Error, invalidParameterValue } from '../../lib/protocol/errors.js';
import { forgetMapping, recordMapping } from '../../lib/store/ids.js';
import { classicRefused } from './address-objects.js';
import { tagNew, tagsFromSpecs } from './tag-specs.js';
import { withUndo } from './undo.js';

async function checked(input: Input<'AllocateAddress'>, ctx: ActionContext) {
  if (input.Domain === 'standard') {
    throw classicRefused('EC2-Classic is retired: addresses are for use in a VPC only (Domain vpc).');
  }
  if (input.Address !== undefined) throw invalidParameterValue('Recovering a released address (Address) is not supported by this cloud.');
  if (input.CustomerOwnedIpv4Pool !== undefined) throw invalidParameterValue('This cloud has no customer-owned address pools.');
  if (input.PublicIpv4Pool !== undefined && input.PublicIpv4Pool !== 'amazon') {
    throw invalidParameterValue(`The address pool '${input.PublicIpv4Pool}' does not exist; this cloud has one pool, 'amazon'.`);
  }
  if (input.NetworkBorderGroup !== undefined && input.NetworkBorderGroup !== ctx.config.ec2Region) {
    throw invalidParameterValue(`The network border group '${input.NetworkBorderGroup}' is not valid; this cloud has '${ctx.config.ec2Region}'.`);
  }
  const tags = tagsFromSpecs(input.TagSpecifications, 'elastic-ip');
  return { tags, externalNetwork: await externalNetworkId(vpcDeps(ctx)) };
}

export default action(
  'AllocateAddress',
  async (input, ctx) => {
    const { tags, externalNetwork } = await checked(input, ctx);
    const neutron = ctx.openstack.neutron;
    const { fip, allocationId } = await withUndo(async (undo) => {
      const created = await mapErrors(() => allocateFloatingIp(neutron, externalNetwork, 'EC2 Elastic IP address'), {
        quota: () => new Ec2Error('AddressLimitExceeded', 'The maximum number of addresses has been reached.'),
      });
      undo.add('release floating IP', () => deleteFloatingIp(neutron, created.id));
      const id = await ec2IdForNew(ctx, created.id);
      undo.add('forget allocation id', () => forgetMapping(ctx.store, 'elastic-ip', id, created.id));
      await tagNew(ctx.store, id, tags);
      return { fip: created, allocationId: id };
    });
    return {
      PublicIp: fip.floating_ip_address,
      AllocationId: allocationId,
      Domain: 'vpc',
      PublicIpv4Pool: 'amazon',
      NetworkBorderGroup: ctx.config.ec2Region,
    };
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);

const ec2IdForNew = (ctx: ActionContext, floatingIpId: string) => recordMapping(ctx.store, 'elastic-ip', floatingIpId, 'eipalloc');
