/**
 * EC2 security group permissions <-> Neutron security group rules, without any I/O.
 *
 * One EC2 permission (protocol, port range, several sources) is one Neutron rule per source: an
 * IPv4 range, an IPv6 range or a group. Both sides are reduced to one canonical key per rule, so
 * "does this rule exist" (InvalidPermission.Duplicate / .NotFound) is a set lookup whatever way the
 * rule was written (`6` or `tcp`, no port range or 0-65535, no remote or 0.0.0.0/0).
 */
import { isIPv6 } from 'node:net';
import { Ec2Error, invalidParameterCombination, invalidParameterValue, missingParameter } from '../../protocol/errors.js';
import type { NeutronSecurityGroupRule, NewSecurityGroupRule } from '../../openstack/neutron.js';
import type { IpPermission } from '../../../schemas/types.js';
import { requireCidr } from './cidr.js';

export type Direction = 'ingress' | 'egress';

/** A source (ingress) or destination (egress) of a permission, before group names are resolved. */
export type PermissionPeer =
  | { kind: 'cidr'; ethertype: 'IPv4' | 'IPv6'; cidr: string; description?: string }
  | { kind: 'group'; groupId?: string; groupName?: string; userId?: string; description?: string };

export interface ParsedPermission {
  /** Neutron's protocol: null for all, `tcp`/`udp`/`icmp`/`icmpv6`, or a number as text. */
  protocol: string | null;
  portMin: number | null;
  portMax: number | null;
  peers: PermissionPeer[];
}

/** A peer whose group is resolved to its Neutron UUID. */
export type ResolvedPeer = Exclude<PermissionPeer, { kind: 'group' }> | { kind: 'group'; groupUuid: string; description?: string };

const NAMED: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6', tcp: 'tcp', udp: 'udp', icmp: 'icmp', icmpv6: 'icmpv6' };
const NUMBERS: Record<string, string> = { tcp: '6', udp: '17', icmp: '1', icmpv6: '58' };
const hasPorts = (protocol: string | null) => protocol === 'tcp' || protocol === 'udp';
const isIcmp = (protocol: string | null) => protocol === 'icmp' || protocol === 'icmpv6';

/** EC2's IpProtocol as Neutron's protocol (null: all). */
export function neutronProtocol(ipProtocol: string | undefined): string | null {
  if (ipProtocol === undefined || ipProtocol === '') throw missingParameter('IpProtocol');
  const text = ipProtocol.toLowerCase();
  if (text === '-1' || text === 'all') return null;
  if (NAMED[text]) return NAMED[text];
  if (/^\d{1,3}$/.test(text) && Number(text) <= 255) return String(Number(text));
  throw invalidParameterValue(`Invalid value '${ipProtocol}' for IP protocol. Unknown protocol.`);
}

/** Neutron's protocol as EC2 shows it: `-1`, a name, or a number (Neutron may hold `6` for tcp). */
export function ec2Protocol(protocol: string | null): string {
  if (protocol === null || protocol === '' || protocol === 'any') return '-1';
  return NAMED[protocol.toLowerCase()] ?? protocol;
}

function checkPort(value: number, low: number, name: string, protocol: string): number {
  if (!Number.isInteger(value) || value < low || value > (isIcmp(protocol) ? 255 : 65535)) {
    throw invalidParameterValue(`Invalid value '${value}' for ${name}. Must be between ${low} and ${isIcmp(protocol) ? 255 : 65535}.`);
  }
  return value;
}

/** EC2's FromPort/ToPort (ICMP: type/code, -1 for all) as Neutron's port range. */
export function neutronPorts(protocol: string | null, fromPort: number | undefined, toPort: number | undefined): { portMin: number | null; portMax: number | null } {
  if (hasPorts(protocol)) {
    if (fromPort === undefined || toPort === undefined) {
      throw invalidParameterValue(`Invalid value for portRange. Must specify both from and to ports with TCP/UDP.`);
    }
    const from = checkPort(fromPort, 0, 'fromPort', protocol!);
    const to = checkPort(toPort, 0, 'toPort', protocol!);
    if (from > to) throw invalidParameterValue(`Invalid value for portRange. The fromPort ${from} must not be larger than the toPort ${to}.`);
    // Neutron's "no range" is every port, and port 0 is no port for Neutron.
    if (from <= 1 && to === 65535) return { portMin: null, portMax: null };
    return { portMin: Math.max(from, 1), portMax: to };
  }
  if (isIcmp(protocol)) {
    const type = checkPort(fromPort ?? -1, -1, 'icmp type', protocol!);
    const code = checkPort(toPort ?? -1, -1, 'icmp code', protocol!);
    if (type === -1 && code !== -1) throw invalidParameterValue('Invalid value for portRange. ICMP code requires a specific ICMP type.');
    return { portMin: type === -1 ? null : type, portMax: code === -1 ? null : code };
  }
  return { portMin: null, portMax: null };
}

/** Neutron's port range as EC2 shows it (absent for protocols without ports). */
export function ec2Ports(rule: Pick<NeutronSecurityGroupRule, 'protocol' | 'port_range_min' | 'port_range_max'>): { FromPort?: number; ToPort?: number } {
  const protocol = rule.protocol === null ? null : (NAMED[rule.protocol.toLowerCase()] ?? rule.protocol);
  if (hasPorts(protocol)) return { FromPort: rule.port_range_min ?? 0, ToPort: rule.port_range_max ?? 65535 };
  if (isIcmp(protocol)) return { FromPort: rule.port_range_min ?? -1, ToPort: rule.port_range_max ?? -1 };
  return {};
}

function ipv6Cidr(text: string): string {
  const match = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(text);
  if (!match || !isIPv6(match[1]!) || Number(match[2]) > 128) {
    throw invalidParameterValue(`Value (${text}) for parameter cidrIpv6 is invalid. This is not a valid IPv6 CIDR block.`);
  }
  return `${match[1]!.toLowerCase()}/${Number(match[2])}`;
}

/** Checks one permission of `IpPermissions` (or the old flat parameters turned into one). */
export function parsePermission(permission: IpPermission): ParsedPermission {
  if (permission.PrefixListIds?.length) {
    throw new Ec2Error('UnsupportedOperation', 'Prefix lists are not supported by this cloud: use IpRanges, Ipv6Ranges or UserIdGroupPairs.');
  }
  const protocol = neutronProtocol(permission.IpProtocol);
  const { portMin, portMax } = neutronPorts(protocol, permission.FromPort, permission.ToPort);
  const peers: PermissionPeer[] = [];
  for (const range of permission.IpRanges ?? []) {
    if (!range.CidrIp) throw missingParameter('CidrIp');
    if (protocol === 'icmpv6') throw invalidParameterCombination('The icmpv6 protocol needs IPv6 ranges.');
    peers.push({ kind: 'cidr', ethertype: 'IPv4', cidr: requireCidr(range.CidrIp, 'cidrIp').text, description: range.Description });
  }
  for (const range of permission.Ipv6Ranges ?? []) {
    if (!range.CidrIpv6) throw missingParameter('CidrIpv6');
    if (protocol === 'icmp') throw invalidParameterCombination('The icmp protocol needs IPv4 ranges; use icmpv6 for IPv6.');
    peers.push({ kind: 'cidr', ethertype: 'IPv6', cidr: ipv6Cidr(range.CidrIpv6), description: range.Description });
  }
  for (const pair of permission.UserIdGroupPairs ?? []) {
    if (!pair.GroupId && !pair.GroupName) throw missingParameter('GroupId');
    if (pair.VpcPeeringConnectionId) throw new Ec2Error('UnsupportedOperation', 'VPC peering is not supported by this cloud.');
    peers.push({ kind: 'group', groupId: pair.GroupId, groupName: pair.GroupId ? undefined : pair.GroupName, userId: pair.UserId, description: pair.Description });
  }
  if (!peers.length) throw missingParameter('IpRanges, Ipv6Ranges or UserIdGroupPairs');
  return { protocol, portMin, portMax, peers };
}

export interface FlatParameters {
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  CidrIp?: string;
  SourceSecurityGroupName?: string;
  SourceSecurityGroupOwnerId?: string;
  IpPermissions?: IpPermission[];
}

/**
 * The permissions of an Authorize/Revoke request: `IpPermissions`, or the old flat parameters
 * (one CIDR or one source group; a source group without a protocol means everything from it).
 */
export function requestPermissions(input: FlatParameters): ParsedPermission[] {
  const flat = input.IpProtocol !== undefined || input.CidrIp !== undefined || input.SourceSecurityGroupName !== undefined || input.FromPort !== undefined || input.ToPort !== undefined;
  if (input.IpPermissions?.length) {
    if (flat) throw invalidParameterCombination('The parameter IpPermissions cannot be used with IpProtocol, FromPort, ToPort, CidrIp or SourceSecurityGroupName.');
    return input.IpPermissions.map(parsePermission);
  }
  if (!flat) throw missingParameter('IpPermissions');
  if (input.CidrIp !== undefined && input.SourceSecurityGroupName !== undefined) {
    throw invalidParameterCombination('The parameter CidrIp cannot be used with the parameter SourceSecurityGroupName.');
  }
  const permission: IpPermission = {
    IpProtocol: input.IpProtocol ?? (input.SourceSecurityGroupName !== undefined ? '-1' : undefined),
    FromPort: input.FromPort,
    ToPort: input.ToPort,
    ...(input.SourceSecurityGroupName !== undefined
      ? { UserIdGroupPairs: [{ GroupName: input.SourceSecurityGroupName, UserId: input.SourceSecurityGroupOwnerId }] }
      : { IpRanges: [{ CidrIp: input.CidrIp ?? '0.0.0.0/0' }] }),
  };
  return [parsePermission(permission)];
}

/** Neutron rules for resolved permissions (a group peer is an IPv4 rule: VPCs here are IPv4). */
export function neutronRules(groupUuid: string, direction: Direction, permissions: Array<ParsedPermission & { resolved: ResolvedPeer[] }>): NewSecurityGroupRule[] {
  return permissions.flatMap((p) =>
    p.resolved.map((peer) => ({
      security_group_id: groupUuid,
      direction,
      ethertype: peer.kind === 'cidr' ? peer.ethertype : 'IPv4',
      protocol: p.protocol,
      port_range_min: p.portMin,
      port_range_max: p.portMax,
      remote_ip_prefix: peer.kind === 'cidr' ? peer.cidr : null,
      remote_group_id: peer.kind === 'group' ? peer.groupUuid : null,
      ...(peer.description !== undefined ? { description: peer.description } : {}),
    })),
  );
}

type Keyed = Pick<NeutronSecurityGroupRule, 'direction' | 'ethertype' | 'protocol' | 'port_range_min' | 'port_range_max' | 'remote_ip_prefix' | 'remote_group_id'>;

/** One key per rule meaning: what Duplicate/NotFound compare (descriptions do not count, as on AWS). */
export function ruleKey(rule: Keyed): string {
  const protocol = ec2Protocol(rule.protocol);
  const numeric = NUMBERS[protocol] ?? protocol;
  const ports = ec2Ports(rule);
  const remote = rule.remote_group_id
    ? `group:${rule.remote_group_id}`
    : (rule.remote_ip_prefix ?? (rule.ethertype === 'IPv6' ? '::/0' : '0.0.0.0/0')).toLowerCase();
  // A group peer allows the group's members whatever their address family: one key for both.
  const family = rule.remote_group_id ? 'any' : rule.ethertype;
  return [rule.direction, family, numeric, ports.FromPort ?? '', ports.ToPort ?? '', remote].join('|');
}

/** How AWS words a rule in InvalidPermission messages. */
export function describeRule(rule: Keyed, peerName: string): string {
  const ports = ec2Ports(rule);
  const protocol = ec2Protocol(rule.protocol);
  const range = ports.FromPort !== undefined ? `, from port: ${ports.FromPort}, to port: ${ports.ToPort}` : '';
  return `peer: ${peerName}, ${protocol === '-1' ? 'ALL' : protocol.toUpperCase()}${range}, ALLOW`;
}

/** Neutron rules grouped into EC2 permissions (one per protocol and port range), as DescribeSecurityGroups shows them. */
export function permissionsOf(
  rules: NeutronSecurityGroupRule[],
  groupOf: (uuid: string) => { GroupId: string; GroupName?: string } | undefined,
  ownerId: string,
): IpPermission[] {
  const byRange = new Map<string, IpPermission>();
  const seenGroups = new Set<string>();
  for (const rule of rules) {
    const IpProtocol = ec2Protocol(rule.protocol);
    const ports = ec2Ports(rule);
    const key = `${IpProtocol}|${ports.FromPort ?? ''}|${ports.ToPort ?? ''}`;
    let permission = byRange.get(key);
    if (!permission) {
      permission = { IpProtocol, ...ports, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] };
      byRange.set(key, permission);
    }
    const Description = rule.description || undefined;
    if (rule.remote_group_id) {
      const group = groupOf(rule.remote_group_id);
      if (!group || seenGroups.has(`${key}|${group.GroupId}`)) continue;
      seenGroups.add(`${key}|${group.GroupId}`);
      permission.UserIdGroupPairs!.push({ ...group, UserId: ownerId, Description });
    } else if (rule.ethertype === 'IPv6') {
      permission.Ipv6Ranges!.push({ CidrIpv6: rule.remote_ip_prefix ?? '::/0', Description });
    } else {
      permission.IpRanges!.push({ CidrIp: rule.remote_ip_prefix ?? '0.0.0.0/0', Description });
    }
  }
  return [...byRange.values()].filter((p) => p.IpRanges!.length + p.Ipv6Ranges!.length + p.UserIdGroupPairs!.length > 0);
}
