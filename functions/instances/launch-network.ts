/**
 * Where RunInstances' instances plug in: SubnetId / PrivateIpAddress / SecurityGroup(Id).N or
 * NetworkInterface.N, as network interfaces to give each instance.
 *
 * When Nova can make the ports itself (a subnet that is its network's only IPv4 subnet, no fixed
 * addresses, no existing interface, the same groups everywhere) one Nova multi-create launches all
 * instances. Otherwise the ports are made in Neutron first, one set per instance.
 *
 * Without any subnet the instances go where Nova's `networks: auto` would put them: the project's
 * own network if it has one (the oldest when it has several, where Nova would refuse to guess),
 * else a shared one, else Nova's auto-allocated topology when the cloud offers it.
 */
import type { ActionContext } from '../../lib/context.js';
import { ensureDefaultVpcDecided } from '../../lib/domain/vpc/default-vpc.js';
import { vpcDeps } from '../../lib/domain/vpc/deps.js';
import { publicAddressNetwork } from '../../lib/domain/vpc/public-address.js';
import { networkKey, type NetworkIndex } from '../../lib/domain/vpc/records.js';
import { launchGroupUuids } from '../../lib/domain/vpc/security-groups.js';
import { OpenStackError } from '../../lib/openstack/http.js';
import { RefreshingCache } from '../../lib/openstack/refreshing-cache.js';
import { mapErrors, toEc2Error } from '../../lib/openstack/errors.js';
import {
  ROUTER_INTERFACES,
  createPort,
  getNetwork,
  getPort,
  getRouter,
  getSubnet,
  listNetworks,
  portsOfNetwork,
  securityGroupsByName,
  type CreatePort,
  type NeutronPort,
  type NeutronSubnet,
} from '../../lib/openstack/neutron.js';
import { Ec2Error, invalidParameterCombination, invalidParameterValue, missingParameter, notFound } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ID_PREFIXES, requireUuid, requireUuids } from '../../lib/store/ids.js';
import type { InstanceNetworkInterfaceSpecification, RunInstancesRequest } from '../../schemas/types.js';

export interface NicSpec {
  deviceIndex: number;
  networkId: string;
  /** The subnet to allocate from (undefined: Neutron picks on the network). */
  subnetId?: string;
  privateIp?: string;
  secondaryIps: string[];
  secondaryCount: number;
  /** Neutron group ids; undefined leaves Neutron's / Nova's default group. */
  securityGroups?: string[];
  description?: string;
  deleteOnTermination: boolean;
  existingPortId?: string;
  associatePublicIp: boolean;
  /** Where the public address of AssociatePublicIpAddress comes from. */
  floatingNetworkId?: string;
  /** The network is the project's default as remembered past its freshness (see `defaultNetwork`). */
  staleDefault?: boolean;
}

export interface NetworkPlan {
  nics: NicSpec[];
  /** Nova can make every port itself (one multi-create). */
  novaPorts: boolean;
  /** `networks: auto`: no network of the project's to choose. */
  auto: boolean;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

function checkIp(ip: string | undefined): void {
  if (ip !== undefined && !IPV4.test(ip)) throw invalidParameterValue(`Invalid IPv4 address: ${ip}`);
}

/**
 * Neutron groups for a launch. On a network of a VPC, ids and names are the VPC's groups and no
 * group at all means the VPC's default group (lib/domain/vpc/security-groups.ts). Elsewhere (a
 * network outside any VPC, or Nova's auto network) ids are mapped groups and names Neutron names.
 */
async function securityGroupIds(ctx: ActionContext, ids: string[] | undefined, names: string[] | undefined, networkId?: string): Promise<string[] | undefined> {
  const vpcId = networkId ? (await ctx.store.getJson<NetworkIndex>(networkKey(networkId)))?.vpcId : undefined;
  if (vpcId) return launchGroupUuids(vpcDeps(ctx), vpcId, ids, names);
  if (!ids?.length && !names?.length) return undefined;
  const out: string[] = [];
  if (ids?.length) {
    const uuids = await requireUuids(ctx.store, ids, ID_PREFIXES['security-group'], ID_ERRORS['security-group']);
    out.push(...ids.map((id) => uuids.get(id)!));
  }
  if (names?.length) {
    const found = await mapErrors(() => securityGroupsByName(ctx.openstack.neutron, ctx.caller.projectId, names));
    for (const name of names) {
      const group = found.find((g) => g.name === name);
      if (!group) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${name}' does not exist`);
      out.push(group.id);
    }
  }
  return [...new Set(out)];
}

async function subnetOf(ctx: ActionContext, ec2Id: string): Promise<NeutronSubnet> {
  const uuid = await requireUuid(ctx.store, ec2Id, ID_PREFIXES.subnet, ID_ERRORS.subnet);
  const subnet = await mapErrors(() => getSubnet(ctx.openstack.neutron, uuid));
  if (!subnet) throw notFound(ID_ERRORS.subnet.notFound, ec2Id, ID_ERRORS.subnet.noun);
  return subnet;
}

/**
 * The project's network for instances launched without a subnet (see the module comment): fresh
 * for a minute; for 15 minutes after that it still answers at once while one refresh runs behind
 * it, so a launch does not wait for Neutron's listings (slow when Nova is busy). A launch that
 * fails on a remembered network that has changed since is planned and made again
 * (`relaunchOnChangedNetwork` in launch.ts). "No network" is not kept: one made a moment later counts.
 */
const defaults = new RefreshingCache<string | undefined>({ freshMs: 60_000, staleMs: 15 * 60_000, maxEntries: 256 });

async function defaultNetwork(ctx: ActionContext): Promise<{ networkId?: string; stale: boolean }> {
  // What follows the network's choice (publicAddressNetwork) first needs the project's default VPC
  // decided, which in a fresh container reads Neutron's networks and then its ports: started now,
  // beside the listing, not after it. Its failure is left to the call that needs it.
  ensureDefaultVpcDecided(vpcDeps(ctx)).catch(() => undefined);
  const key = ctx.caller.projectId;
  const stale = defaults.servesStale(key);
  const networkId = await defaults.get(key, () => findDefaultNetwork(ctx));
  if (networkId === undefined) defaults.delete(key);
  return { networkId, stale: stale && networkId !== undefined };
}

/** Whether the project's default network, read afresh, is another than `networkId`. */
export async function defaultNetworkChanged(ctx: ActionContext, networkId: string): Promise<boolean> {
  const key = ctx.caller.projectId;
  const fresh = await defaults.fresh(key, () => findDefaultNetwork(ctx));
  if (fresh === undefined) defaults.delete(key);
  return fresh !== networkId;
}

async function findDefaultNetwork(ctx: ActionContext): Promise<string | undefined> {
  const usable = (n: { subnets: string[]; status: string }) => n.subnets.length > 0 && n.status === 'ACTIVE';
  const oldest = <T extends { id: string; created_at?: string }>(nets: T[]) =>
    [...nets].sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? '') || a.id.localeCompare(b.id))[0];
  const neutron = ctx.openstack.neutron;
  const own = (await mapErrors(() => listNetworks(neutron, { project_id: ctx.caller.projectId, 'router:external': false }))).filter(usable);
  if (own.length) return oldest(own)!.id;
  const shared = (await mapErrors(() => listNetworks(neutron, { shared: true, 'router:external': false }))).filter(usable);
  return shared.length ? oldest(shared)!.id : undefined;
}

async function onlySubnetOfItsNetwork(ctx: ActionContext, subnet: NeutronSubnet): Promise<boolean> {
  const network = await mapErrors(() => getNetwork(ctx.openstack.neutron, subnet.network_id));
  return (network?.subnets ?? []).length === 1;
}

async function nicFrom(
  ctx: ActionContext,
  spec: InstanceNetworkInterfaceSpecification,
  count: number,
): Promise<NicSpec> {
  if (spec.DeviceIndex === undefined) throw missingParameter('NetworkInterface.DeviceIndex');
  if (spec.Ipv6AddressCount || spec.Ipv6Addresses?.length || spec.Ipv4PrefixCount || spec.Ipv4Prefixes?.length) {
    throw new Ec2Error('UnsupportedOperation', 'IPv6 addresses and prefixes on launch are not supported by this cloud.');
  }
  if ((spec.NetworkCardIndex ?? 0) !== 0 || (spec.InterfaceType && spec.InterfaceType !== 'interface')) {
    throw new Ec2Error('UnsupportedOperation', 'Only standard network interfaces on network card 0 are supported by this cloud.');
  }
  const primaryFromList = spec.PrivateIpAddresses?.find((a) => a.Primary)?.PrivateIpAddress;
  const privateIp = spec.PrivateIpAddress ?? primaryFromList;
  const secondaryIps = (spec.PrivateIpAddresses ?? []).map((a) => a.PrivateIpAddress!).filter((ip) => ip && ip !== privateIp);
  [privateIp, ...secondaryIps].forEach(checkIp);
  if (spec.NetworkInterfaceId) {
    if (spec.SubnetId || privateIp || spec.Groups?.length || spec.SecondaryPrivateIpAddressCount) {
      throw invalidParameterCombination('An existing network interface may not be given a subnet, addresses or security groups on launch');
    }
    if (count > 1) throw invalidParameterCombination('An existing network interface can only be attached to one instance');
    const portId = await requireUuid(ctx.store, spec.NetworkInterfaceId, ID_PREFIXES['network-interface'], ID_ERRORS['network-interface']);
    const port = await mapErrors(() => getPort(ctx.openstack.neutron, portId));
    if (!port) throw notFound(ID_ERRORS['network-interface'].notFound, spec.NetworkInterfaceId, ID_ERRORS['network-interface'].noun);
    if (port.device_id) {
      throw new Ec2Error('InvalidNetworkInterface.InUse', `Interface: ${spec.NetworkInterfaceId} in use.`);
    }
    return {
      deviceIndex: spec.DeviceIndex,
      networkId: port.network_id,
      secondaryIps: [],
      secondaryCount: 0,
      deleteOnTermination: spec.DeleteOnTermination ?? false,
      existingPortId: portId,
      associatePublicIp: spec.AssociatePublicIpAddress ?? false,
    };
  }
  if ((privateIp || secondaryIps.length) && count > 1) {
    throw invalidParameterCombination('A private IP address can only be given when launching one instance');
  }
  const subnet = spec.SubnetId ? await subnetOf(ctx, spec.SubnetId) : undefined;
  const byDefault = subnet ? undefined : await defaultNetwork(ctx);
  const networkId = subnet?.network_id ?? byDefault?.networkId;
  if (!networkId) throw new Ec2Error('VPCIdNotSpecified', 'No default VPC for this user: the project has no network; give a SubnetId.');
  // Addresses are allocated from a subnet: the network's first one unless one was named.
  const subnetId =
    subnet?.id ??
    (privateIp || secondaryIps.length || spec.SecondaryPrivateIpAddressCount
      ? (await mapErrors(() => getNetwork(ctx.openstack.neutron, networkId)))?.subnets[0]
      : undefined);
  const associatePublicIp = spec.AssociatePublicIpAddress ?? false;
  return {
    deviceIndex: spec.DeviceIndex,
    networkId,
    subnetId,
    privateIp,
    secondaryIps,
    secondaryCount: spec.SecondaryPrivateIpAddressCount ?? 0,
    securityGroups: await securityGroupIds(ctx, spec.Groups, undefined, networkId),
    description: spec.Description,
    deleteOnTermination: spec.DeleteOnTermination ?? true,
    associatePublicIp,
    floatingNetworkId: associatePublicIp ? await externalNetworkOf(ctx, networkId) : undefined,
    ...(byDefault?.stale ? { staleDefault: true } : {}),
  };
}

/** The external network the network's router has its gateway on (where public addresses come from). */
async function externalNetworkOf(ctx: ActionContext, networkId: string): Promise<string> {
  const neutron = ctx.openstack.neutron;
  const interfaces = await mapErrors(() => portsOfNetwork(neutron, networkId, ROUTER_INTERFACES));
  for (const routerId of new Set(interfaces.map((p) => p.device_id))) {
    const router = await mapErrors(() => getRouter(neutron, routerId));
    const external = router?.external_gateway_info?.network_id;
    if (external) return external;
  }
  throw invalidParameterValue('The subnet has no router to an external network, so no public IP address can be associated with the instance.');
}

export async function planNetwork(ctx: ActionContext, input: RunInstancesRequest): Promise<NetworkPlan> {
  const specs = input.NetworkInterfaces ?? [];
  let nics: NicSpec[];
  if (specs.length) {
    if (input.SubnetId) {
      throw invalidParameterCombination('Network interfaces and an instance-level subnet ID may not be specified on the same request');
    }
    if (input.PrivateIpAddress) {
      throw invalidParameterCombination('Network interfaces and an instance-level private IP address may not be specified on the same request');
    }
    if (input.SecurityGroupIds?.length || input.SecurityGroups?.length) {
      throw invalidParameterCombination('Network interfaces and an instance-level security groups may not be specified on the same request');
    }
    const indexes = specs.map((s) => s.DeviceIndex);
    if (new Set(indexes).size !== indexes.length) throw invalidParameterValue('Each network interface requires a unique device index.');
    if (!indexes.includes(0)) throw invalidParameterValue('A network interface with device index 0 is required.');
    nics = await Promise.all(specs.map((s) => nicFrom(ctx, s, input.MaxCount)));
    // As on AWS, one new interface that does not say follows its subnet's MapPublicIpOnLaunch.
    const only = nics.length === 1 ? nics[0]! : undefined;
    if (only && specs[0]!.AssociatePublicIpAddress === undefined && !only.existingPortId && only.deviceIndex === 0) {
      only.floatingNetworkId = await mapErrors(() => publicAddressNetwork(vpcDeps(ctx), only.networkId));
      only.associatePublicIp = only.floatingNetworkId !== undefined;
    }
    if (nics.filter((n) => n.associatePublicIp).some((n) => n.deviceIndex !== 0) || (nics.some((n) => n.associatePublicIp) && nics.length > 1)) {
      throw invalidParameterCombination('The associatePublicIPAddress parameter can only be specified for a single, new network interface with device index 0.');
    }
  } else {
    checkIp(input.PrivateIpAddress);
    if (input.PrivateIpAddress && input.MaxCount > 1) {
      throw invalidParameterCombination('A private IP address can only be given when launching one instance');
    }
    const subnet = input.SubnetId ? await subnetOf(ctx, input.SubnetId) : undefined;
    const byDefault = subnet ? undefined : await defaultNetwork(ctx);
    const networkId = subnet?.network_id ?? byDefault?.networkId;
    // The groups and the public address network both depend only on the network: read together.
    // A subnet with MapPublicIpOnLaunch gives each instance a public address (lib/domain/vpc).
    const publicNetworkP = networkId ? mapErrors(() => publicAddressNetwork(vpcDeps(ctx), networkId)) : undefined;
    publicNetworkP?.catch(() => undefined);
    const groups = await securityGroupIds(ctx, input.SecurityGroupIds, input.SecurityGroups, networkId);
    if (!networkId) {
      if (input.PrivateIpAddress) throw new Ec2Error('VPCIdNotSpecified', 'No default VPC for this user: give a SubnetId.');
      return {
        nics: [{ deviceIndex: 0, networkId: '', secondaryIps: [], secondaryCount: 0, securityGroups: groups, deleteOnTermination: true, associatePublicIp: false }],
        novaPorts: true,
        auto: true,
      };
    }
    const publicNetwork = await publicNetworkP;
    nics = [
      {
        deviceIndex: 0,
        networkId,
        subnetId: subnet?.id,
        privateIp: input.PrivateIpAddress,
        secondaryIps: [],
        secondaryCount: 0,
        securityGroups: groups,
        deleteOnTermination: true,
        associatePublicIp: publicNetwork !== undefined,
        floatingNetworkId: publicNetwork,
        ...(byDefault?.stale ? { staleDefault: true } : {}),
      },
    ];
  }
  nics.sort((a, b) => a.deviceIndex - b.deviceIndex);
  const groupSets = new Set(nics.map((n) => JSON.stringify(n.securityGroups ?? null)));
  let novaPorts =
    groupSets.size === 1 &&
    nics.every((n) => !n.existingPortId && !n.privateIp && !n.secondaryIps.length && !n.secondaryCount && n.deleteOnTermination && !n.associatePublicIp && !n.description);
  if (novaPorts) {
    for (const n of nics) {
      if (n.subnetId && !(await onlySubnetOfItsNetwork(ctx, (await getSubnet(ctx.openstack.neutron, n.subnetId))!))) novaPorts = false;
    }
  }
  return { nics, novaPorts, auto: false };
}

/** Neutron's refusals of a port as AWS's codes. */
function portError(error: unknown, nic: NicSpec): unknown {
  if (!(error instanceof OpenStackError)) return error;
  switch (error.type) {
    case 'IpAddressAlreadyAllocated':
    case 'IpAddressInUse':
      return new Ec2Error('InvalidIPAddress.InUse', `Address ${nic.privateIp ?? ''} is in use.`.replace('  ', ' '));
    case 'InvalidIpForSubnet':
    case 'InvalidIpForNetwork':
      return invalidParameterValue(`Address ${nic.privateIp} does not fall within the subnet's address range`);
    case 'IpAddressGenerationFailure':
      return new Ec2Error('InsufficientFreeAddressesInSubnet', 'There are not enough free addresses in the subnet to satisfy the request.');
    case 'OverQuota':
      return new Ec2Error('NetworkInterfaceLimitExceeded', error.message);
    default:
      return toEc2Error(error);
  }
}

/** The port of one instance for one interface (made before the launch when Nova cannot). */
export async function createNicPort(ctx: ActionContext, nic: NicSpec, name: string): Promise<NeutronPort> {
  const fixed: CreatePort['fixed_ips'] = [];
  if (nic.subnetId) {
    const subnet_id = nic.subnetId;
    fixed.push(nic.privateIp ? { subnet_id, ip_address: nic.privateIp } : { subnet_id });
    for (const ip of nic.secondaryIps) fixed.push({ subnet_id, ip_address: ip });
    for (let i = 0; i < nic.secondaryCount; i++) fixed.push({ subnet_id });
  }
  try {
    return await createPort(ctx.openstack.neutron, {
      network_id: nic.networkId,
      name,
      ...(nic.description !== undefined ? { description: nic.description } : {}),
      ...(fixed.length ? { fixed_ips: fixed } : {}),
      ...(nic.securityGroups ? { security_groups: nic.securityGroups } : {}),
    });
  } catch (error) {
    throw portError(error, nic);
  }
}
