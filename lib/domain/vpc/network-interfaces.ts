/**
 * Network interfaces are Neutron ports. This is the one place that turns a port into EC2's
 * NetworkInterface: DescribeNetworkInterfaces and the interface actions show it as it is, and
 * DescribeInstances shows the same object in the instance's shape (`instanceInterfaceOf`), so both
 * agree on ids, groups, private and secondary addresses, public addresses and attachments.
 *
 * What Neutron lacks lives in the table:
 * - the attachment (device index, DeleteOnTermination, attach time) in the instance's launch record
 *   (`launch#<server>` `.ports`), where RunInstances already keeps the ports it made: the instance's
 *   readers need no other read. Ports Nova made itself and nobody recorded are the instance's own
 *   (deleted with it, as AWS's interfaces made at launch); their device index is their creation order.
 * - `eniprimary#<port>`: which address is the primary one, for ports with several IPv4 addresses
 *   (Neutron lists a port's fixed IPs in address order, not in the order they were given).
 * Attachment ids are derived from (port, server), so every reader computes the same one.
 */
import { createHash } from 'node:crypto';
import type { NeutronFloatingIp, NeutronPort, NeutronSecurityGroup } from '../../openstack/neutron.js';
import type {
  GroupIdentifier,
  InstanceNetworkInterface,
  InstanceNetworkInterfaceAssociation,
  NetworkInterface,
  NetworkInterfaceAssociation,
} from '../../../schemas/types.js';
import { existingEc2Id, forgetUuid } from '../../store/ids.js';
import type { StateStore } from '../../store/project-store.js';
import { forgetTags } from '../../store/tags.js';
import type { LaunchPort, LaunchRecord } from '../instances/launch-record.js';
import { ec2GroupName } from './security-groups.js';

const primaryKey = (portId: string) => `eniprimary#${portId}`;

const v4Of = (port: Pick<NeutronPort, 'fixed_ips'>) => port.fixed_ips.filter((f) => !isV6(f.ip_address));

/** Recorded primary addresses of the ports that need one (several IPv4 addresses): one batch read, none usually. */
export async function primaryAddressesOf(store: StateStore, ports: Array<Pick<NeutronPort, 'id' | 'fixed_ips'>>): Promise<Map<string, string>> {
  const several = ports.filter((p) => v4Of(p).length > 1).map((p) => p.id);
  const out = new Map<string, string>();
  if (several.length === 0) return out;
  const records = await store.getMany(several.map(primaryKey));
  for (const id of several) {
    const data = records.get(primaryKey(id))?.data;
    if (data !== undefined) out.set(id, (JSON.parse(data) as { ip: string }).ip);
  }
  return out;
}

export const recordPrimaryAddress = (store: StateStore, portId: string, ip: string) => store.putJson(primaryKey(portId), { ip });
export const forgetPrimaryAddress = (store: StateStore, portId: string) => store.delete(primaryKey(portId));

/** Everything the table knows of an interface whose port was deleted (DeleteNetworkInterface, termination). */
export async function forgetInterface(store: StateStore, portId: string): Promise<void> {
  const ec2Id = await existingEc2Id(store, 'network-interface', portId);
  await Promise.all([forgetUuid(store, 'network-interface', portId), ec2Id ? forgetTags(store, ec2Id) : undefined, forgetPrimaryAddress(store, portId)]);
}

/** The port's IPv4 fixed IPs, primary first (the recorded one, else the first Neutron lists). */
export function addressesInOrder<F extends { ip_address: string }>(port: { fixed_ips: F[] }, primaryIp: string | undefined): F[] {
  const v4 = port.fixed_ips.filter((f) => !isV6(f.ip_address));
  const primary = v4.find((f) => f.ip_address === primaryIp) ?? v4[0];
  return primary ? [primary, ...v4.filter((f) => f !== primary)] : [];
}

/** A derived, stable id for something EC2 numbers but OpenStack does not. */
export function derivedId(prefix: string, ...parts: string[]): string {
  return `${prefix}-${createHash('sha256').update(parts.join('/')).digest('hex').slice(0, 17)}`;
}

export const attachmentIdOf = (portId: string, serverId: string) => derivedId('eni-attach', portId, serverId);

/** Ports that are EC2 network interfaces: an instance's, or free ones (not routers', DHCP's or floating IPs'). */
export const isInterfacePort = (port: Pick<NeutronPort, 'device_owner'>) => port.device_owner === '' || port.device_owner.startsWith('compute:');

/** Attached to an instance (Nova sets the owner while it binds the port). */
export const isAttached = (port: Pick<NeutronPort, 'device_owner' | 'device_id'>) => Boolean(port.device_id) && port.device_owner.startsWith('compute:');

const isV6 = (ip: string) => ip.includes(':');

/** AWS's private DNS name form, `ip-10-0-0-5.<region>.compute.internal` (Neutron's own name when it has DNS). */
export function privateDnsName(ip: string | undefined, region: string, port?: NeutronPort): string {
  const assigned = port?.dns_assignment?.find((a) => a.ip_address === ip)?.fqdn;
  if (assigned) return assigned.replace(/\.$/, '');
  return ip ? `ip-${ip.replace(/\./g, '-')}.${region}.compute.internal` : '';
}

export function publicDnsName(fip: NeutronFloatingIp | undefined): string {
  if (!fip?.dns_name || !fip.dns_domain) return '';
  return `${fip.dns_name}.${fip.dns_domain}`.replace(/\.$/, '');
}

/**
 * Source/destination checking off = the port accepts any source address: an allowed address pair
 * 0.0.0.0/0 (and ::/0). We never switch Neutron's port security off for it, because that would also
 * drop the port's security groups, which AWS never does; a port whose security is off shows false.
 */
export const ANY_SOURCE = ['0.0.0.0/0', '::/0'];

export const sourceDestCheckOf = (port: Pick<NeutronPort, 'port_security_enabled' | 'allowed_address_pairs'>) =>
  port.port_security_enabled !== false && !(port.allowed_address_pairs ?? []).some((p) => ANY_SOURCE.includes(p.ip_address));

/** The allowed address pairs that give a port this source/destination check (other pairs kept). */
export function addressPairsFor(port: Pick<NeutronPort, 'allowed_address_pairs' | 'fixed_ips'>, check: boolean): Array<{ ip_address: string; mac_address?: string }> {
  const kept = (port.allowed_address_pairs ?? [])
    .filter((p) => !ANY_SOURCE.includes(p.ip_address))
    .map((p) => ({ ip_address: p.ip_address, ...(p.mac_address ? { mac_address: p.mac_address } : {}) }));
  if (check) return kept;
  const hasV6 = port.fixed_ips.some((f) => isV6(f.ip_address));
  return [...kept, { ip_address: '0.0.0.0/0' }, ...(hasV6 ? [{ ip_address: '::/0' }] : [])];
}

/** EC2 ids and names of what ports refer to (worked out once for a batch of ports). */
export interface InterfaceFacts {
  ids: { port: Map<string, string>; subnet: Map<string, string>; vpc: Map<string, string>; securityGroup: Map<string, string> };
  securityGroups: Map<string, Pick<NeutronSecurityGroup, 'name'>>;
  floatingIpsByPort: Map<string, NeutronFloatingIp[]>;
  /** Allocation and association ids by floating IP (DescribeNetworkInterfaces shows them; instances do not). */
  allocationIds?: Map<string, string>;
  associationIds?: Map<string, string>;
  /** Availability zone by subnet UUID. */
  zones?: Map<string, string>;
  /** Recorded primary addresses by port (primaryAddressesOf). */
  primaryIps?: Map<string, string>;
  projectId: string;
  region: string;
}

export interface PortAttachment {
  serverId: string;
  instanceId?: string;
  deviceIndex: number;
  deleteOnTermination: boolean;
  attachTime?: Date;
}

const toDate = (value: string | undefined) => {
  if (!value) return undefined;
  const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
};

/**
 * A port's attachment to a server: what the launch record says, else the port is one Nova made
 * for the server (created with or after it: it goes with the instance) at its place in the
 * server's creation order.
 */
export function attachmentOf(
  port: Pick<NeutronPort, 'id' | 'created_at'>,
  server: { id: string; created?: Date; instanceId?: string },
  launch: Pick<LaunchRecord, 'ports'> | undefined,
  position: number,
): PortAttachment {
  const recorded = launch?.ports?.find((p) => p.portId === port.id);
  const portCreated = toDate(port.created_at);
  const madeWithServer = Boolean(portCreated && server.created && portCreated >= server.created);
  return {
    serverId: server.id,
    instanceId: server.instanceId,
    deviceIndex: recorded?.deviceIndex ?? position,
    deleteOnTermination: recorded ? recorded.deleteOnTermination : madeWithServer,
    attachTime: toDate(recorded?.attachedAt) ?? portCreated ?? server.created,
  };
}

/**
 * Device-index order of a server's ports: recorded indexes first (they were given by the caller),
 * then the others by creation time.
 */
export function orderPorts<P extends Pick<NeutronPort, 'id' | 'created_at'>>(ports: P[], launch: Pick<LaunchRecord, 'ports'> | undefined): P[] {
  const index = new Map((launch?.ports ?? []).map((p) => [p.portId, p.deviceIndex]));
  return [...ports].sort((a, b) => {
    const ia = index.get(a.id);
    const ib = index.get(b.id);
    if (ia !== undefined || ib !== undefined) return (ia ?? Number.MAX_SAFE_INTEGER) - (ib ?? Number.MAX_SAFE_INTEGER);
    return (a.created_at ?? '').localeCompare(b.created_at ?? '') || a.id.localeCompare(b.id);
  });
}

/**
 * The launch record's port list with every port of the server recorded at its current device
 * index (so a port added later cannot take the place of one Nova made), plus `added`.
 */
export function recordedPorts(
  current: Array<{ portId: string; deviceIndex: number; deleteOnTermination: boolean }>,
  launch: Pick<LaunchRecord, 'ports'>,
  added?: LaunchPort,
): LaunchPort[] {
  const known = new Map((launch.ports ?? []).map((p) => [p.portId, p]));
  const out: LaunchPort[] = current.map((c) => known.get(c.portId) ?? { ...c, madeByNova: true });
  return added ? [...out.filter((p) => p.portId !== added.portId), added] : out;
}

export function groupsOfPort(port: Pick<NeutronPort, 'security_groups'>, facts: Pick<InterfaceFacts, 'ids' | 'securityGroups'>): GroupIdentifier[] {
  return port.security_groups.flatMap((uuid) => {
    const id = facts.ids.securityGroup.get(uuid);
    return id ? [{ GroupId: id, GroupName: ec2GroupName(facts.securityGroups.get(uuid)?.name ?? '') }] : [];
  });
}

function association(fip: NeutronFloatingIp | undefined, facts: InterfaceFacts): NetworkInterfaceAssociation | undefined {
  if (!fip) return undefined;
  return {
    AllocationId: facts.allocationIds?.get(fip.id),
    AssociationId: facts.associationIds?.get(fip.id),
    PublicIp: fip.floating_ip_address,
    PublicDnsName: publicDnsName(fip),
    IpOwnerId: facts.projectId,
  };
}

/** A port as EC2's NetworkInterface (attachment: where the port is plugged, if anywhere). */
export function formatNetworkInterface(
  port: NeutronPort,
  facts: InterfaceFacts,
  attachment: PortAttachment | undefined,
  extra: { tags?: Array<{ Key: string; Value: string }> } = {},
): NetworkInterface {
  const v4 = addressesInOrder(port, facts.primaryIps?.get(port.id));
  const v6 = port.fixed_ips.filter((f) => isV6(f.ip_address));
  const fips = facts.floatingIpsByPort.get(port.id) ?? [];
  const fipOf = (ip: string) => fips.find((f) => f.fixed_ip_address === ip);
  const primary = v4[0];
  const subnetUuid = primary?.subnet_id ?? port.fixed_ips[0]?.subnet_id;
  return {
    NetworkInterfaceId: facts.ids.port.get(port.id),
    SubnetId: subnetUuid ? facts.ids.subnet.get(subnetUuid) : undefined,
    VpcId: facts.ids.vpc.get(port.network_id),
    AvailabilityZone: subnetUuid ? facts.zones?.get(subnetUuid) : undefined,
    Description: port.description ?? '',
    OwnerId: facts.projectId,
    RequesterManaged: false,
    Status: attachment ? 'in-use' : 'available',
    MacAddress: port.mac_address,
    PrivateIpAddress: primary?.ip_address,
    PrivateDnsName: privateDnsName(primary?.ip_address, facts.region, port),
    SourceDestCheck: sourceDestCheckOf(port),
    Groups: groupsOfPort(port, facts),
    Attachment: attachment
      ? {
          AttachmentId: attachmentIdOf(port.id, attachment.serverId),
          InstanceId: attachment.instanceId,
          InstanceOwnerId: facts.projectId,
          DeviceIndex: attachment.deviceIndex,
          NetworkCardIndex: 0,
          Status: 'attached',
          AttachTime: attachment.attachTime,
          DeleteOnTermination: attachment.deleteOnTermination,
        }
      : undefined,
    Association: primary ? association(fipOf(primary.ip_address), facts) : undefined,
    PrivateIpAddresses: v4.map((f, i) => ({
      PrivateIpAddress: f.ip_address,
      PrivateDnsName: privateDnsName(f.ip_address, facts.region, port),
      Primary: i === 0,
      Association: association(fipOf(f.ip_address), facts),
    })),
    Ipv6Addresses: v6.map((f) => ({ Ipv6Address: f.ip_address })),
    InterfaceType: 'interface',
    Ipv4Prefixes: [],
    Ipv6Prefixes: [],
    TagSet: extra.tags ?? [],
  };
}

const instanceAssociation = (a: NetworkInterfaceAssociation | undefined): InstanceNetworkInterfaceAssociation | undefined =>
  a ? { PublicIp: a.PublicIp, PublicDnsName: a.PublicDnsName, IpOwnerId: a.IpOwnerId } : undefined;

/** The same interface in DescribeInstances' shape. */
export function instanceInterfaceOf(ni: NetworkInterface): InstanceNetworkInterface {
  const a = ni.Attachment;
  return {
    NetworkInterfaceId: ni.NetworkInterfaceId,
    SubnetId: ni.SubnetId,
    VpcId: ni.VpcId,
    Description: ni.Description,
    OwnerId: ni.OwnerId,
    Status: ni.Status,
    MacAddress: ni.MacAddress,
    PrivateIpAddress: ni.PrivateIpAddress,
    PrivateDnsName: ni.PrivateDnsName,
    SourceDestCheck: ni.SourceDestCheck,
    Groups: ni.Groups,
    Attachment: a
      ? {
          AttachmentId: a.AttachmentId,
          DeviceIndex: a.DeviceIndex,
          Status: a.Status,
          AttachTime: a.AttachTime,
          DeleteOnTermination: a.DeleteOnTermination,
          NetworkCardIndex: a.NetworkCardIndex,
        }
      : undefined,
    Association: instanceAssociation(ni.Association),
    PrivateIpAddresses: (ni.PrivateIpAddresses ?? []).map((p) => ({
      PrivateIpAddress: p.PrivateIpAddress,
      PrivateDnsName: p.PrivateDnsName,
      Primary: p.Primary,
      Association: instanceAssociation(p.Association),
    })),
    Ipv6Addresses: (ni.Ipv6Addresses ?? []).map((v) => ({ Ipv6Address: v.Ipv6Address })),
    InterfaceType: ni.InterfaceType,
    Ipv4Prefixes: [],
    Ipv6Prefixes: [],
  };
}
