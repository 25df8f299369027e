/**
 * CreateNetworkInterface: a Neutron port on the subnet, with the addresses asked for (or Neutron's
 * choice), in the groups asked for (ids within the subnet's VPC; none: the VPC's default group).
 * The port is named by its EC2 id so Horizon users recognise it. With a ClientToken a retry gets
 * the interface the first call made (lib/store/client-token.ts).
 */
import type { ActionContext } from '../../lib/context.js';
import { vpcDeps } from '../../lib/domain/vpc/deps.js';
import { forgetPrimaryAddress, recordPrimaryAddress } from '../../lib/domain/vpc/network-interfaces.js';
import { launchGroupUuids } from '../../lib/domain/vpc/security-groups.js';
import { action, type Input, type Output } from '../../lib/family.js';
import { createPort, deletePort } from '../../lib/openstack/neutron.js';
import { Ec2Error, invalidParameterValue, missingParameter } from '../../lib/protocol/errors.js';
import { withClientToken } from '../../lib/store/client-token.js';
import { forgetMapping, newEc2Id, recordMappingAs } from '../../lib/store/ids.js';
import { forgetTags } from '../../lib/store/tags.js';
import { addressCall, checkAddresses, checkCount, requestedAddresses, requireInterfaceSubnet } from './interface-addresses.js';
import { interfaceView, requireInterface } from './interface-objects.js';
import { tagNew, tagsFromSpecs } from './tag-specs.js';
import { withUndo } from './undo.js';

async function checked(input: Input<'CreateNetworkInterface'>, ctx: ActionContext) {
  if (input.Ipv6AddressCount || input.Ipv6Addresses?.length || input.Ipv4PrefixCount || input.Ipv4Prefixes?.length || input.Ipv6PrefixCount || input.Ipv6Prefixes?.length) {
    throw new Ec2Error('UnsupportedOperation', 'IPv6 addresses and prefix delegation on network interfaces are not supported by this cloud.');
  }
  if (input.InterfaceType !== undefined) {
    throw new Ec2Error('UnsupportedOperation', `Interface type '${input.InterfaceType}' is not supported by this cloud: only standard interfaces exist.`);
  }
  if (!input.SubnetId) throw missingParameter('SubnetId');
  if ((input.Description ?? '').length > 255) throw invalidParameterValue('The description may be at most 255 characters long.');
  const addresses = requestedAddresses(input);
  const tags = tagsFromSpecs(input.TagSpecifications, 'network-interface');
  const { subnet, vpcId } = await requireInterfaceSubnet(ctx, input.SubnetId);
  const fixed = [addresses.primary, ...addresses.secondary].filter((ip): ip is string => ip !== undefined);
  checkAddresses(fixed, subnet);
  checkCount(Math.max(1, fixed.length) + addresses.count);
  const groups = (await launchGroupUuids(vpcDeps(ctx), vpcId, input.Groups, undefined)) ?? [];
  return { subnet, addresses, fixed, tags, groups };
}

type Result = Output<'CreateNetworkInterface'>;

async function create(input: Input<'CreateNetworkInterface'>, ctx: ActionContext, plan: Awaited<ReturnType<typeof checked>>) {
  const neutron = ctx.openstack.neutron;
  const { subnet, addresses, fixed, tags, groups } = plan;
  const subnet_id = subnet.id;
  const fixedIps = [
    addresses.primary ? { subnet_id, ip_address: addresses.primary } : { subnet_id },
    ...addresses.secondary.map((ip_address) => ({ subnet_id, ip_address })),
    ...Array.from({ length: addresses.count }, () => ({ subnet_id })),
  ];
  return withUndo(async (undo) => {
    const networkInterfaceId = newEc2Id('eni');
    const port = await addressCall(
      () => createPort(neutron, { network_id: subnet.network_id, name: networkInterfaceId, description: input.Description ?? '', fixed_ips: fixedIps, security_groups: groups }),
      fixed,
    );
    undo.add('delete port', () => deletePort(neutron, port.id));
    await recordMappingAs(ctx.store, 'network-interface', port.id, networkInterfaceId);
    undo.add('forget interface id', () => forgetMapping(ctx.store, 'network-interface', networkInterfaceId, port.id));
    // Neutron lists addresses in address order: which one is primary is ours to remember.
    const primary = addresses.primary ?? port.fixed_ips[0]?.ip_address;
    if (port.fixed_ips.length > 1 && primary) {
      await recordPrimaryAddress(ctx.store, port.id, primary);
      undo.add('forget primary address', () => forgetPrimaryAddress(ctx.store, port.id));
    }
    await tagNew(ctx.store, networkInterfaceId, tags);
    undo.add('forget tags', () => forgetTags(ctx.store, networkInterfaceId));
    const view = await interfaceView(ctx, { networkInterfaceId, port });
    return { resourceId: networkInterfaceId, result: { NetworkInterface: { ...view.item, TagSet: tags }, ClientToken: input.ClientToken } satisfies Result };
  });
}

export default action(
  'CreateNetworkInterface',
  async (input, ctx) => {
    const plan = await checked(input, ctx);
    if (!input.ClientToken) return (await create(input, ctx, plan)).result;
    if (input.ClientToken.length > 64) throw invalidParameterValue('The client token may be at most 64 characters long.');
    const { ClientToken: _token, DryRun: _dryRun, ...params } = input;
    return withClientToken<Result>(
      ctx.store,
      `token#CreateNetworkInterface#${input.ClientToken}`,
      params,
      () => create(input, ctx, plan),
      async (networkInterfaceId, first) => {
        try {
          const view = await interfaceView(ctx, await requireInterface(ctx, networkInterfaceId));
          return { NetworkInterface: view.item, ClientToken: input.ClientToken };
        } catch (error) {
          if (first) return first;
          throw error;
        }
      },
    );
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
