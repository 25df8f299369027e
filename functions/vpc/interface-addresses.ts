/**
 * Private addresses of network interfaces: the subnet an interface lives in, checks of addresses
 * asked for (AWS's codes before Neutron is called), and Neutron's refusals as AWS's codes.
 */
import { isIPv4 } from 'node:net';
import type { ActionContext } from '../../lib/context.js';
import { containsIp, parseCidr } from '../../lib/domain/vpc/cidr.js';
import { vpcDeps } from '../../lib/domain/vpc/deps.js';
import { instanceVpcIds } from '../../lib/domain/vpc/network-vpc.js';
import { OpenStackError } from '../../lib/openstack/http.js';
import { mapErrors, toEc2Error } from '../../lib/openstack/errors.js';
import { getSubnet, type NeutronFixedIp, type NeutronSubnet } from '../../lib/openstack/neutron.js';
import { Ec2Error, invalidParameterCombination, invalidParameterValue, missingParameter, notFound } from '../../lib/protocol/errors.js';
import type { CreateNetworkInterfaceRequest } from '../../schemas/types.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ID_PREFIXES, requireUuid } from '../../lib/store/ids.js';

/**
 * Private IPv4 addresses one interface may hold. AWS's limit depends on the instance type (50 on
 * the largest); Neutron has none, so the largest AWS limit applies to every interface.
 */
export const MAX_PRIVATE_IPS = 50;

export interface InterfaceSubnet {
  subnet: NeutronSubnet;
  vpcId: string;
}

/** An EC2 subnet of the project, with its VPC. */
export async function requireInterfaceSubnet(ctx: ActionContext, subnetId: string): Promise<InterfaceSubnet> {
  const uuid = await requireUuid(ctx.store, subnetId, ID_PREFIXES.subnet, ID_ERRORS.subnet);
  const subnet = await mapErrors(() => getSubnet(ctx.openstack.neutron, uuid));
  if (!subnet || subnet.project_id !== ctx.caller.projectId || subnet.ip_version !== 4) throw notFound(ID_ERRORS.subnet.notFound, subnetId, ID_ERRORS.subnet.noun);
  const vpcId = (await instanceVpcIds(vpcDeps(ctx), [subnet.network_id])).get(subnet.network_id)!;
  return { subnet, vpcId };
}

/** Addresses asked for: IPv4, distinct, inside the subnet. */
export function checkAddresses(ips: string[], subnet: Pick<NeutronSubnet, 'cidr'>): void {
  const cidr = parseCidr(subnet.cidr);
  const seen = new Set<string>();
  for (const ip of ips) {
    if (!isIPv4(ip)) throw invalidParameterValue(`Invalid IPv4 address: ${ip}`);
    if (seen.has(ip)) throw invalidParameterValue(`The address ${ip} is given more than once.`);
    seen.add(ip);
    if (cidr && !containsIp(cidr, ip)) throw invalidParameterValue(`Address ${ip} does not fall within the subnet's address range (${subnet.cidr})`);
  }
}

export function checkCount(total: number): void {
  if (total > MAX_PRIVATE_IPS) {
    throw new Ec2Error('PrivateIpAddressLimitExceeded', `Number of private addresses (${total}) exceeds limit of ${MAX_PRIVATE_IPS} per network interface.`);
  }
}

/** Neutron's refusals of addresses as AWS's codes. */
export function addressError(error: unknown, addresses: string[]): unknown {
  if (!(error instanceof OpenStackError)) return toEc2Error(error);
  const which = addresses.length ? ` ${addresses.join(', ')}` : '';
  switch (error.type) {
    case 'IpAddressAlreadyAllocated':
    case 'IpAddressInUse':
      return new Ec2Error('InvalidIPAddress.InUse', `Address${which} is in use.`);
    case 'InvalidIpForSubnet':
    case 'InvalidIpForNetwork':
      return invalidParameterValue(`Address${which} is not available in the subnet (reserved or outside its allocation pools).`);
    case 'IpAddressGenerationFailure':
      return new Ec2Error('InsufficientFreeAddressesInSubnet', 'There are not enough free addresses in the subnet to satisfy the request.');
    default:
      return toEc2Error(error, { quota: (message) => new Ec2Error('NetworkInterfaceLimitExceeded', message) });
  }
}

export async function addressCall<T>(call: () => Promise<T>, addresses: string[]): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw addressError(error, addresses);
  }
}

/** Fixed IPs as a port update gives them (to keep them). */
export const asFixed = (fixed: NeutronFixedIp[]) => fixed.map((f) => ({ subnet_id: f.subnet_id, ip_address: f.ip_address }));

/** The primary address, the secondary ones and how many more Neutron picks. */
export function requestedAddresses(input: Pick<CreateNetworkInterfaceRequest, 'PrivateIpAddress' | 'PrivateIpAddresses' | 'SecondaryPrivateIpAddressCount'>) {
  const list = input.PrivateIpAddresses ?? [];
  const primaries = list.filter((a) => a.Primary);
  if (primaries.length > 1) throw invalidParameterValue('Only one primary private IP address may be given.');
  const listed = primaries[0]?.PrivateIpAddress;
  if (input.PrivateIpAddress && listed && listed !== input.PrivateIpAddress) {
    throw invalidParameterCombination('The primary private IP address is given twice with different values (PrivateIpAddress and PrivateIpAddresses).');
  }
  if (list.some((a) => !a.PrivateIpAddress)) throw missingParameter('PrivateIpAddresses.N.PrivateIpAddress');
  const primary = input.PrivateIpAddress ?? listed;
  const others = list.map((a) => a.PrivateIpAddress!).filter((ip) => ip !== primary);
  // Without a primary named, the first listed address is the primary (as AWS does).
  const [first, ...rest] = primary ? [primary, ...others] : others;
  const count = input.SecondaryPrivateIpAddressCount ?? 0;
  if (!Number.isInteger(count) || count < 0) throw invalidParameterValue(`Invalid value for SecondaryPrivateIpAddressCount: ${count}`);
  if (count > 0 && list.length > 1) {
    throw invalidParameterCombination('SecondaryPrivateIpAddressCount cannot be given together with more than one address in PrivateIpAddresses.');
  }
  return { primary: first, secondary: rest, count };
}
