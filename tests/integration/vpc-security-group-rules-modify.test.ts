/**
 * ModifySecurityGroupRules and UpdateSecurityGroupRuleDescriptions* with real clients (aws cli,
 * boto3, @aws-sdk/client-ec2): a rule keeps its sgr- id and tags while Neutron holds a new rule of
 * the new form; several rules change all or none; AWS's error codes; the alt project can change
 * none of it. Every step is checked in Neutron; the teardown leaves nothing there.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DeleteSecurityGroupCommand,
  DeleteVpcCommand,
  DescribeSecurityGroupRulesCommand,
  ModifySecurityGroupRulesCommand,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli, boto3, ec2Client, ok, cliError, sdkError, type Json } from './support/clients.js';
import { uniqueName } from './support/env.js';
import { openstackAs, type DirectOpenStack } from './support/openstack.js';

const demo = ec2Client('demo');
const alt = ec2Client('alt');
const prefix = uniqueName('sgrmod');
const octet = 100 + Math.floor(Math.random() * 100);

const state: { vpcId?: string; webId?: string; adminId?: string; ssh?: string; http?: string; dns?: string; adminRule?: string } = {};
let os: DirectOpenStack;


/** The web group's ingress rules in Neutron, as [protocol, from, to, remote, description], by protocol and port. */
async function neutronIngress(name = `${prefix}-web`): Promise<Array<[string | null, number | null, number | null, string | null, string]>> {
  const { security_groups } = await os.neutron.get<{ security_groups: Json[] }>('security-groups', { name });
  return (security_groups[0]!['security_group_rules'] as Json[])
    .filter((r) => r['direction'] === 'ingress')
    .map((r): [string | null, number | null, number | null, string | null, string] => [r['protocol'], r['port_range_min'], r['port_range_max'], r['remote_ip_prefix'] ?? r['remote_group_id'], r['description']])
    .sort((a, b) => `${a[0]}|${String(a[1]).padStart(5, '0')}`.localeCompare(`${b[0]}|${String(b[1]).padStart(5, '0')}`));
}
const neutronRuleIds = async () => {
  const { security_groups } = await os.neutron.get<{ security_groups: Json[] }>('security-groups', { name: `${prefix}-web` });
  return (security_groups[0]!['security_group_rules'] as Json[]).map((r) => r['id'] as string).sort();
};
const rule = async (id: string): Promise<SecurityGroupRule> =>
  (await demo.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [id] }))).SecurityGroupRules![0]!;

beforeAll(async () => {
  os = await openstackAs('demo');
  state.vpcId = (await demo.send(new CreateVpcCommand({ CidrBlock: `10.${octet}.0.0/16` }))).Vpc!.VpcId!;
  state.webId = (await demo.send(new CreateSecurityGroupCommand({ GroupName: `${prefix}-web`, Description: 'web', VpcId: state.vpcId }))).GroupId!;
  state.adminId = (await demo.send(new CreateSecurityGroupCommand({ GroupName: `${prefix}-admin`, Description: 'admin', VpcId: state.vpcId }))).GroupId!;
  const made = await demo.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: state.webId,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8', Description: 'ssh' }] },
        { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
        { IpProtocol: 'udp', FromPort: 53, ToPort: 53, UserIdGroupPairs: [{ GroupId: state.adminId }] },
      ],
    }),
  );
  const byPort = new Map(made.SecurityGroupRules!.map((r) => [r.FromPort, r.SecurityGroupRuleId!]));
  [state.ssh, state.http, state.dns] = [byPort.get(22), byPort.get(80), byPort.get(53)];
  state.adminRule = (await demo.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: state.adminId, CidrIp: '10.1.0.0/16', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }))).SecurityGroupRules![0]!.SecurityGroupRuleId!;
  await demo.send(new CreateTagsCommand({ Resources: [state.ssh!], Tags: [{ Key: 'purpose', Value: 'admin access' }] }));
});

afterAll(async () => {
  for (const id of [state.webId, state.adminId]) if (id) await demo.send(new DeleteSecurityGroupCommand({ GroupId: id })).catch(() => undefined);
  if (state.vpcId) await demo.send(new DeleteVpcCommand({ VpcId: state.vpcId })).catch(() => undefined);
  const { security_groups } = await os.neutron.get<{ security_groups: Json[] }>('security-groups', { fields: 'name' });
  expect(security_groups.filter((g) => String(g['name']).startsWith(prefix))).toEqual([]);
});

describe('ModifySecurityGroupRules', () => {
  it('aws cli: the ssh rule takes a new port, range and description, keeping its sgr- id and tags', async () => {
    const before = await neutronRuleIds();
    ok(awsCli(['modify-security-group-rules', '--group-id', state.webId!, '--security-group-rules',
      `SecurityGroupRuleId=${state.ssh},SecurityGroupRule={IpProtocol=tcp,FromPort=2222,ToPort=2223,CidrIpv4=192.168.0.0/16,Description=ssh moved}`]));
    expect(await rule(state.ssh!)).toMatchObject({
      SecurityGroupRuleId: state.ssh, GroupId: state.webId, IsEgress: false, IpProtocol: 'tcp', FromPort: 2222, ToPort: 2223,
      CidrIpv4: '192.168.0.0/16', Description: 'ssh moved', Tags: [{ Key: 'purpose', Value: 'admin access' }],
    });
    expect(await neutronIngress()).toEqual([
      ['tcp', 80, 80, '0.0.0.0/0', ''],
      ['tcp', 2222, 2223, '192.168.0.0/16', 'ssh moved'],
      ['udp', 53, 53, expect.any(String), ''],
    ]);
    // A new Neutron rule took the old one's place.
    const after = await neutronRuleIds();
    expect(after).toHaveLength(before.length);
    expect(after.filter((id) => !before.includes(id))).toHaveLength(1);
  });

  it('boto3: a description-only change and a referenced group moved to another group of the VPC', async () => {
    ok(boto3(`
ec2.modify_security_group_rules(GroupId='${state.webId}', SecurityGroupRules=[
  {'SecurityGroupRuleId': '${state.http}', 'SecurityGroupRule': {'IpProtocol': 'tcp', 'FromPort': 80, 'ToPort': 80, 'CidrIpv4': '0.0.0.0/0', 'Description': 'http for all'}},
  {'SecurityGroupRuleId': '${state.dns}', 'SecurityGroupRule': {'IpProtocol': 'udp', 'FromPort': 53, 'ToPort': 53, 'ReferencedGroupId': '${state.webId}'}},
])
print(json.dumps({}))
`));
    const [web] = (await os.neutron.get<{ security_groups: Json[] }>('security-groups', { name: `${prefix}-web` })).security_groups;
    expect(await neutronIngress()).toEqual([
      ['tcp', 80, 80, '0.0.0.0/0', 'http for all'],
      ['tcp', 2222, 2223, '192.168.0.0/16', 'ssh moved'],
      ['udp', 53, 53, web!['id'], ''],
    ]);
    expect(await rule(state.http!)).toMatchObject({ Description: 'http for all', FromPort: 80 });
    expect((await rule(state.dns!)).ReferencedGroupInfo).toMatchObject({ GroupId: state.webId });
  });

  it('SDK: several rules change all or none — a duplicate in the second leaves the first unchanged', async () => {
    const before = await neutronRuleIds();
    const both = new ModifySecurityGroupRulesCommand({
      GroupId: state.webId,
      SecurityGroupRules: [
        { SecurityGroupRuleId: state.ssh, SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '10.0.0.0/8' } },
        { SecurityGroupRuleId: state.dns, SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, ReferencedGroupId: state.webId } },
        { SecurityGroupRuleId: state.http, SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '10.0.0.0/8' } },
      ],
    });
    expect(await sdkError(demo.send(both))).toBe('InvalidPermission.Duplicate');
    expect(await neutronRuleIds()).toEqual(before);
    // Two rules trading forms is no duplicate.
    await demo.send(new ModifySecurityGroupRulesCommand({
      GroupId: state.webId,
      SecurityGroupRules: [
        { SecurityGroupRuleId: state.ssh, SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, CidrIpv4: '0.0.0.0/0', Description: 'was ssh' } },
        { SecurityGroupRuleId: state.http, SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 2222, ToPort: 2223, CidrIpv4: '192.168.0.0/16', Description: 'was http' } },
      ],
    }));
    expect(await neutronIngress()).toEqual([
      ['tcp', 80, 80, '0.0.0.0/0', 'was ssh'],
      ['tcp', 2222, 2223, '192.168.0.0/16', 'was http'],
      ['udp', 53, 53, expect.any(String), ''],
    ]);
    expect(await rule(state.ssh!)).toMatchObject({ FromPort: 80, Tags: [{ Key: 'purpose', Value: 'admin access' }] });
  });

  it("answers AWS's codes and changes nothing in Neutron", async () => {
    const before = await neutronRuleIds();
    const modify = (ruleId: string, rule: Json, groupId = state.webId) =>
      sdkError(demo.send(new ModifySecurityGroupRulesCommand({ GroupId: groupId, SecurityGroupRules: [{ SecurityGroupRuleId: ruleId, SecurityGroupRule: rule }] })));
    const tcp = { IpProtocol: 'tcp', FromPort: 1, ToPort: 2 };
    expect(await modify('sgr-0123456789abcdef0', { ...tcp, CidrIpv4: '10.0.0.0/8' })).toBe('InvalidSecurityGroupRuleId.NotFound');
    expect(await modify('sgr-nothex', { ...tcp, CidrIpv4: '10.0.0.0/8' })).toBe('InvalidSecurityGroupRuleId.Malformed');
    // A rule of another group is not a rule of this one.
    expect(await modify(state.adminRule!, { ...tcp, CidrIpv4: '10.0.0.0/8' })).toBe('InvalidSecurityGroupRuleId.NotFound');
    expect(await modify(state.ssh!, { ...tcp, PrefixListId: 'pl-0123456789abcdef0' })).toBe('UnsupportedOperation');
    expect(await modify(state.ssh!, { ...tcp, CidrIpv6: '::/0' })).toBe('InvalidParameterValue');
    expect(await modify(state.ssh!, { ...tcp, CidrIpv4: '10.0.0.0/8', ReferencedGroupId: state.webId })).toBe('InvalidParameterCombination');
    expect(await modify(state.ssh!, { IpProtocol: 'tcp', FromPort: 70000, ToPort: 70000, CidrIpv4: '10.0.0.0/8' })).toBe('InvalidParameterValue');
    expect(await modify(state.ssh!, { ...tcp, CidrIpv4: '10.0.0.0/8' }, 'sg-0123456789abcdef0')).toBe('InvalidGroup.NotFound');
    expect(cliError(awsCli(['modify-security-group-rules', '--group-id', state.webId!, '--security-group-rules',
      `SecurityGroupRuleId=${state.ssh},SecurityGroupRule={IpProtocol=tcp,FromPort=1,ToPort=2,CidrIpv4=10.0.0.0/8}`, '--dry-run']))).toBe('DryRunOperation');
    expect(await neutronRuleIds()).toEqual(before);
  });

  it('the alt project can neither change nor see our rules', async () => {
    const before = await neutronRuleIds();
    const change = { SecurityGroupRuleId: state.ssh, SecurityGroupRule: { IpProtocol: '-1', CidrIpv4: '0.0.0.0/0' } };
    expect(await sdkError(alt.send(new ModifySecurityGroupRulesCommand({ GroupId: state.webId, SecurityGroupRules: [change] })))).toBe('InvalidGroup.NotFound');
    expect(await sdkError(alt.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [state.ssh!] })))).toBe('InvalidSecurityGroupRuleId.NotFound');
    expect(cliError(awsCli(['update-security-group-rule-descriptions-ingress', '--group-id', state.webId!, '--security-group-rule-descriptions', `SecurityGroupRuleId=${state.ssh},Description=mine`], 'alt'))).toBe('InvalidGroup.NotFound');
    expect(await neutronRuleIds()).toEqual(before);
  });
});

describe('UpdateSecurityGroupRuleDescriptionsIngress / Egress', () => {
  it('aws cli by permission, boto3 by rule id; the rules keep their ids and forms', async () => {
    ok(awsCli(['update-security-group-rule-descriptions-ingress', '--group-id', state.webId!, '--ip-permissions',
      'IpProtocol=tcp,FromPort=80,ToPort=80,IpRanges=[{CidrIp=0.0.0.0/0,Description=web traffic}]']));
    expect(await rule(state.ssh!)).toMatchObject({ FromPort: 80, Description: 'web traffic' });
    const egress = (await demo.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [state.webId!] }] }))).SecurityGroupRules!.find((r) => r.IsEgress)!;
    ok(boto3(`
ec2.update_security_group_rule_descriptions_egress(GroupId='${state.webId}', SecurityGroupRuleDescriptions=[{'SecurityGroupRuleId': '${egress.SecurityGroupRuleId}', 'Description': 'all out'}])
print(json.dumps({}))
`));
    expect(await rule(egress.SecurityGroupRuleId!)).toMatchObject({ IsEgress: true, IpProtocol: '-1', CidrIpv4: '0.0.0.0/0', Description: 'all out' });
    const { security_groups } = await os.neutron.get<{ security_groups: Json[] }>('security-groups', { name: `${prefix}-web` });
    expect((security_groups[0]!['security_group_rules'] as Json[]).filter((r) => r['direction'] === 'egress').map((r) => r['description'])).toEqual(['all out']);
    expect(cliError(awsCli(['update-security-group-rule-descriptions-ingress', '--group-id', state.webId!, '--ip-permissions',
      'IpProtocol=tcp,FromPort=81,ToPort=81,IpRanges=[{CidrIp=0.0.0.0/0,Description=nothing}]']))).toBe('InvalidPermission.NotFound');
  });
});
