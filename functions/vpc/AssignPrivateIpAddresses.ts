/**
 * AssignPrivateIpAddresses: secondary private addresses are further fixed IPs of the port, on the
 * subnet of its primary address: the ones named (PrivateIpAddress.N) or as many as
 * SecondaryPrivateIpAddressCount asks, chosen by Neutron.
 *
 * AllowReassignment moves an address that another interface of the project holds as a secondary
 * address: it is taken off that port first and given back if the assignment fails. An address that
 * is another interface's primary one, or that another project holds, is refused (Neutron cannot
 * move a port's only address, and other projects' ports are not ours to change).
 */
import type { ActionContext } from '../../lib/context.js';
import { recordPrimaryAddress } from '../../lib/domain/vpc/network-interfaces.js';
import { action, type Input } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { getSubnet, portsHoldingAddress, setPortFixedIps, type NeutronFixedIp, type NeutronPort } from '../../lib/openstack/neutron.js';
import { Ec2Error, invalidParameterCombination, invalidParameterValue, missingParameter } from '../../lib/protocol/errors.js';
import { existingEc2Id } from '../../lib/store/ids.js';
import { addressCall, asFixed, checkAddresses, checkCount } from './interface-addresses.js';
import { orderedAddresses, requireInterface } from './interface-objects.js';
import { withUndo } from './undo.js';

const isV4 = (f: NeutronFixedIp) => !f.ip_address.includes(':');

async function checked(input: Input<'AssignPrivateIpAddresses'>, ctx: ActionContext) {
  if (!input.NetworkInterfaceId) throw missingParameter('NetworkInterfaceId');
  if (input.Ipv4Prefixes?.length || input.Ipv4PrefixCount) throw new Ec2Error('UnsupportedOperation', 'Prefix delegation is not supported by this cloud.');
  const wanted = [...(input.PrivateIpAddresses ?? [])];
  const count = input.SecondaryPrivateIpAddressCount;
  if (wanted.length && count !== undefined) invalidCombination();
  if (!wanted.length && count === undefined) throw missingParameter('PrivateIpAddress or SecondaryPrivateIpAddressCount');
  if (count !== undefined && (!Number.isInteger(count) || count < 1)) throw invalidParameterValue(`Invalid value for SecondaryPrivateIpAddressCount: ${count}`);
  const { networkInterfaceId, port } = await requireInterface(ctx, input.NetworkInterfaceId);
  const primary = (await orderedAddresses(ctx, port))[0];
  if (!primary) throw invalidParameterValue(`The network interface ${networkInterfaceId} has no IPv4 subnet to take addresses from.`);
  const subnet = await mapErrors(() => getSubnet(ctx.openstack.neutron, primary.subnet_id));
  if (!subnet) throw invalidParameterValue(`The subnet of ${networkInterfaceId} no longer exists.`);
  checkAddresses(wanted, subnet);
  const held = new Set(port.fixed_ips.map((f) => f.ip_address));
  const fresh = wanted.filter((ip) => !held.has(ip));
  checkCount(port.fixed_ips.filter(isV4).length + fresh.length + (count ?? 0));
  // Who holds the addresses asked for (in this project; other projects' holders make Neutron refuse).
  const holders = await Promise.all(
    fresh.map(async (ip) => {
      const found = await mapErrors(() => portsHoldingAddress(ctx.openstack.neutron, ctx.caller.projectId, subnet.id, ip));
      return { ip, holder: found.find((p) => p.id !== port.id) };
    }),
  );
  const moves: Array<{ ip: string; holder: NeutronPort }> = [];
  for (const { ip, holder } of holders) {
    if (!holder) continue;
    if (!input.AllowReassignment) throw new Ec2Error('InvalidIPAddress.InUse', `Address ${ip} is in use by another network interface (AllowReassignment moves it).`);
    const holderId = (await existingEc2Id(ctx.store, 'network-interface', holder.id)) ?? 'another port';
    if ((await orderedAddresses(ctx, holder))[0]?.ip_address === ip) {
      throw invalidParameterValue(`Address ${ip} is the primary private address of ${holderId} and cannot be reassigned.`);
    }
    if (holder.device_owner && !holder.device_owner.startsWith('compute:')) {
      throw invalidParameterValue(`Address ${ip} belongs to a ${holder.device_owner} port and cannot be reassigned.`);
    }
    moves.push({ ip, holder });
  }
  return { networkInterfaceId, port, primary: primary.ip_address, subnetId: subnet.id, fresh, count: count ?? 0, moves };
}

function invalidCombination(): never {
  throw invalidParameterCombination('Specify either PrivateIpAddress or SecondaryPrivateIpAddressCount, not both.');
}

export default action(
  'AssignPrivateIpAddresses',
  async (input, ctx) => {
    const { networkInterfaceId, port, primary, subnetId, fresh, count, moves } = await checked(input, ctx);
    const neutron = ctx.openstack.neutron;
    const updated = await withUndo(async (undo) => {
      // Neutron lists addresses in address order: the primary one is remembered before there are several.
      await recordPrimaryAddress(ctx.store, port.id, primary);
      for (const { ip, holder } of moves) {
        await addressCall(() => setPortFixedIps(neutron, holder.id, asFixed(holder.fixed_ips.filter((f) => f.ip_address !== ip))), [ip]);
        undo.add('give the address back', () => setPortFixedIps(neutron, holder.id, asFixed(holder.fixed_ips)));
      }
      const added = [...fresh.map((ip_address) => ({ subnet_id: subnetId, ip_address })), ...Array.from({ length: count }, () => ({ subnet_id: subnetId }))];
      return addressCall(() => setPortFixedIps(neutron, port.id, [...asFixed(port.fixed_ips), ...added]), fresh);
    });
    const before = new Set(port.fixed_ips.map((f) => f.ip_address));
    const assigned = updated.fixed_ips.filter((f) => isV4(f) && !before.has(f.ip_address));
    return { NetworkInterfaceId: networkInterfaceId, AssignedPrivateIpAddresses: assigned.map((f) => ({ PrivateIpAddress: f.ip_address })), AssignedIpv4Prefixes: [] };
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
