import { describe, expect, it } from 'vitest';
import {
  describeRule,
  ec2Protocol,
  neutronRules,
  permissionsOf,
  requestPermissions,
  ruleKey,
} from '../../../lib/domain/vpc/security-groups-permissions.js';
import type { NeutronSecurityGroupRule } from '../../../lib/openstack/neutron.js';
import { Ec2Error } from '../../../lib/protocol/errors.js';

const codeOf = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    return error instanceof Ec2Error ? error.code : String(error);
  }
  return 'no error';
};

const rule = (over: Partial<NeutronSecurityGroupRule>): NeutronSecurityGroupRule => ({
  id: over.id ?? 'r1',
  security_group_id: 'g1',
  direction: 'ingress',
  ethertype: 'IPv4',
  protocol: null,
  port_range_min: null,
  port_range_max: null,
  remote_ip_prefix: null,
  remote_group_id: null,
  ...over,
});

describe('request permissions', () => {
  it('turns the old flat parameters into one permission with one IPv4 range', () => {
    const [p] = requestPermissions({ IpProtocol: 'TCP', FromPort: 22, ToPort: 22, CidrIp: '10.0.0.0/8' });
    expect(p).toEqual({ protocol: 'tcp', portMin: 22, portMax: 22, peers: [{ kind: 'cidr', ethertype: 'IPv4', cidr: '10.0.0.0/8', description: undefined }] });
  });

  it('reads a flat source group without protocol as everything from that group', () => {
    const [p] = requestPermissions({ SourceSecurityGroupName: 'web', SourceSecurityGroupOwnerId: '123' });
    expect(p!.protocol).toBeNull();
    expect(p!.peers).toEqual([{ kind: 'group', groupId: undefined, groupName: 'web', userId: '123', description: undefined }]);
  });

  it('keeps every source of IpPermissions: IPv4, IPv6 and groups', () => {
    const [p] = requestPermissions({
      IpPermissions: [
        {
          IpProtocol: '6',
          FromPort: 0,
          ToPort: 65535,
          IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'all v4' }],
          Ipv6Ranges: [{ CidrIpv6: '2001:DB8::/32' }],
          UserIdGroupPairs: [{ GroupId: 'sg-0123456789abcdef0' }],
        },
      ],
    });
    // 0-65535 is Neutron's "no range".
    expect(p!.protocol).toBe('tcp');
    expect([p!.portMin, p!.portMax]).toEqual([null, null]);
    expect(p!.peers.map((peer) => (peer.kind === 'cidr' ? peer.cidr : peer.groupId))).toEqual(['0.0.0.0/0', '2001:db8::/32', 'sg-0123456789abcdef0']);
  });

  it('maps ICMP type and code, -1 meaning all', () => {
    expect(requestPermissions({ IpProtocol: 'icmp', FromPort: 8, ToPort: -1, CidrIp: '0.0.0.0/0' })[0]).toMatchObject({ portMin: 8, portMax: null });
    expect(requestPermissions({ IpProtocol: '1', FromPort: -1, ToPort: -1, CidrIp: '0.0.0.0/0' })[0]).toMatchObject({ protocol: 'icmp', portMin: null, portMax: null });
    expect(codeOf(() => requestPermissions({ IpProtocol: 'icmp', FromPort: -1, ToPort: 3, CidrIp: '0.0.0.0/0' }))).toBe('InvalidParameterValue');
  });

  it('accepts -1 and protocol numbers without ports, and refuses unknown protocols', () => {
    expect(requestPermissions({ IpProtocol: '-1', CidrIp: '0.0.0.0/0' })[0]).toMatchObject({ protocol: null, portMin: null });
    expect(requestPermissions({ IpProtocol: '50', FromPort: 1, ToPort: 2, CidrIp: '0.0.0.0/0' })[0]).toMatchObject({ protocol: '50', portMin: null });
    expect(codeOf(() => requestPermissions({ IpProtocol: 'gre', CidrIp: '0.0.0.0/0' }))).toBe('InvalidParameterValue');
    expect(codeOf(() => requestPermissions({ IpProtocol: '256', CidrIp: '0.0.0.0/0' }))).toBe('InvalidParameterValue');
  });

  it('refuses what AWS refuses', () => {
    expect(codeOf(() => requestPermissions({ IpProtocol: 'tcp', CidrIp: '0.0.0.0/0' }))).toBe('InvalidParameterValue');
    expect(codeOf(() => requestPermissions({ IpProtocol: 'tcp', FromPort: 90, ToPort: 80, CidrIp: '0.0.0.0/0' }))).toBe('InvalidParameterValue');
    expect(codeOf(() => requestPermissions({ IpProtocol: 'tcp', FromPort: 1, ToPort: 70000, CidrIp: '0.0.0.0/0' }))).toBe('InvalidParameterValue');
    expect(codeOf(() => requestPermissions({ IpProtocol: 'tcp', FromPort: 1, ToPort: 2, CidrIp: '10.0.0.1/8' }))).toBe('InvalidParameterValue');
    expect(codeOf(() => requestPermissions({}))).toBe('MissingParameter');
    expect(codeOf(() => requestPermissions({ IpProtocol: 'tcp', IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }))).toBe('InvalidParameterCombination');
    expect(codeOf(() => requestPermissions({ IpPermissions: [{ IpProtocol: '-1', PrefixListIds: [{ PrefixListId: 'pl-12345678' }] }] }))).toBe('UnsupportedOperation');
    expect(codeOf(() => requestPermissions({ IpPermissions: [{ IpProtocol: '-1' }] }))).toBe('MissingParameter');
  });
});

describe('rule keys (what Duplicate and NotFound compare)', () => {
  it('give one key to the same rule written differently', () => {
    const [p] = requestPermissions({ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, CidrIp: '0.0.0.0/0' });
    const [made] = neutronRules('g1', 'ingress', [{ ...p!, resolved: p!.peers as never }]);
    expect(ruleKey(made!)).toBe(ruleKey(rule({ protocol: '6' })));
    // Neutron's "any remote" is 0.0.0.0/0 for IPv4.
    expect(ruleKey(rule({ protocol: 'tcp', remote_ip_prefix: '0.0.0.0/0' }))).toBe(ruleKey(rule({ protocol: '6' })));
  });

  it('tell directions, families, ports and peers apart', () => {
    const base = ruleKey(rule({ protocol: 'tcp', port_range_min: 22, port_range_max: 22 }));
    expect(ruleKey(rule({ protocol: 'tcp', port_range_min: 22, port_range_max: 22, direction: 'egress' }))).not.toBe(base);
    expect(ruleKey(rule({ protocol: 'tcp', port_range_min: 22, port_range_max: 23 }))).not.toBe(base);
    expect(ruleKey(rule({ protocol: 'udp', port_range_min: 22, port_range_max: 22 }))).not.toBe(base);
    expect(ruleKey(rule({ protocol: 'tcp', port_range_min: 22, port_range_max: 22, ethertype: 'IPv6' }))).not.toBe(base);
    expect(ruleKey(rule({ protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_group_id: 'g2' }))).not.toBe(base);
  });

  it('give IPv4 and IPv6 rules from one group the same key (a group pair has no family)', () => {
    expect(ruleKey(rule({ remote_group_id: 'g1', ethertype: 'IPv6' }))).toBe(ruleKey(rule({ remote_group_id: 'g1' })));
  });

  it('word rules as AWS does in its messages', () => {
    expect(describeRule(rule({ protocol: 'tcp', port_range_min: 22, port_range_max: 22 }), '0.0.0.0/0')).toBe('peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW');
    expect(describeRule(rule({}), 'sg-1')).toBe('peer: sg-1, ALL, ALLOW');
  });
});

describe('permissions of Neutron rules', () => {
  const groups = (uuid: string) => (uuid === 'g-web' ? { GroupId: 'sg-0000000000000000a', GroupName: 'web' } : undefined);

  it('groups sources by protocol and port range, showing Neutron defaults as AWS does', () => {
    const permissions = permissionsOf(
      [
        rule({ id: 'a', protocol: 'tcp', port_range_min: 80, port_range_max: 80, remote_ip_prefix: '0.0.0.0/0' }),
        rule({ id: 'b', protocol: 'tcp', port_range_min: 80, port_range_max: 80, ethertype: 'IPv6', remote_ip_prefix: '::/0' }),
        rule({ id: 'c', protocol: 'tcp', port_range_min: 5432, port_range_max: 5432, remote_group_id: 'g-web', description: 'db' }),
        rule({ id: 'd', protocol: 'icmp' }),
        rule({ id: 'e' }),
      ],
      groups,
      'owner',
    );
    expect(permissions).toEqual([
      { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }], PrefixListIds: [], UserIdGroupPairs: [] },
      {
        IpProtocol: 'tcp',
        FromPort: 5432,
        ToPort: 5432,
        IpRanges: [],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [{ GroupId: 'sg-0000000000000000a', GroupName: 'web', UserId: 'owner', Description: 'db' }],
      },
      { IpProtocol: 'icmp', FromPort: -1, ToPort: -1, IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] },
      { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] },
    ]);
  });

  it('shows a group pair once when Neutron holds it for IPv4 and IPv6 (its default group)', () => {
    const permissions = permissionsOf([rule({ id: 'a', remote_group_id: 'g-web' }), rule({ id: 'b', remote_group_id: 'g-web', ethertype: 'IPv6' })], groups, 'owner');
    expect(permissions[0]!.UserIdGroupPairs).toHaveLength(1);
  });

  it('names protocols as EC2 does', () => {
    expect([ec2Protocol(null), ec2Protocol('6'), ec2Protocol('udp'), ec2Protocol('47')]).toEqual(['-1', 'tcp', 'udp', '47']);
  });
});
