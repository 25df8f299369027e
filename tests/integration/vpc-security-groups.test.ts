/**
 * Security groups with real clients: a web tier (80 and 22 from anywhere, default egress) made with
 * the aws cli, a db tier (5432 only from the web group) made with boto3, both read back with
 * @aws-sdk/client-ec2; instances launched into a subnet with each group (by id and by name within
 * the subnet's VPC); every step checked in Neutron; AWS's error codes; the alt project sees and
 * uses none of it; Neutron's rule quota as RulesPerSecurityGroupLimitExceeded; then a teardown that
 * leaves nothing in Neutron.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  RevokeSecurityGroupIngressCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  waitUntilInstanceTerminated,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amiId, ownProject, type OwnProject } from './instances-fixtures.js';
import { awsCli, boto3, ec2Client, ok, cliError, sdkError, type Json } from './support/clients.js';
import { uniqueName } from './support/env.js';
import { eventually, openstackAs, type DirectOpenStack } from './support/openstack.js';

const demo = ec2Client('demo');
const alt = ec2Client('alt');
const prefix = uniqueName('secgroup');
const octet = 100 + Math.floor(Math.random() * 100);
const waiter = { client: demo, maxWaitTime: 300, minDelay: 2, maxDelay: 5 };

const state: { vpcId?: string; subnetId?: string; webId?: string; dbId?: string; defaultId?: string; instanceIds: string[]; altVpcId?: string } = { instanceIds: [] };
let os: DirectOpenStack;


/** The Neutron group behind an EC2 group, with its rules (found by its Neutron name). */
async function neutronGroup(name: string): Promise<Json | undefined> {
  const { security_groups } = await os.neutron.get<{ security_groups: Json[] }>('security-groups', { name });
  return security_groups[0];
}
const ruleShapes = (group: Json, direction: string) =>
  (group['security_group_rules'] as Json[])
    .filter((r) => r['direction'] === direction)
    .map((r) => [r['ethertype'], r['protocol'], r['port_range_min'], r['port_range_max'], r['remote_ip_prefix'], r['remote_group_id']])
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

beforeAll(async () => {
  os = await openstackAs('demo');
  const vpc = await demo.send(new CreateVpcCommand({ CidrBlock: `10.${octet}.0.0/16` }));
  state.vpcId = vpc.Vpc!.VpcId!;
  const subnet = await demo.send(new CreateSubnetCommand({ VpcId: state.vpcId, CidrBlock: `10.${octet}.1.0/24` }));
  state.subnetId = subnet.Subnet!.SubnetId!;
});

afterAll(async () => {
  if (state.instanceIds.length) {
    await demo.send(new TerminateInstancesCommand({ InstanceIds: state.instanceIds })).catch(() => undefined);
    await waitUntilInstanceTerminated(waiter, { InstanceIds: state.instanceIds }).catch(() => undefined);
  }
  for (const id of [state.dbId, state.webId]) if (id) await demo.send(new DeleteSecurityGroupCommand({ GroupId: id })).catch(() => undefined);
  if (state.subnetId) await demo.send(new DeleteSubnetCommand({ SubnetId: state.subnetId })).catch(() => undefined);
  if (state.vpcId) await demo.send(new DeleteVpcCommand({ VpcId: state.vpcId })).catch(() => undefined);
  if (state.altVpcId) await alt.send(new DeleteVpcCommand({ VpcId: state.altVpcId })).catch(() => undefined);
});

describe('a web tier and a db tier', () => {
  it('the VPC has its default group: all in from itself, all IPv4 out, made in Neutron under another name', async () => {
    const { SecurityGroups = [] } = await demo.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [state.vpcId!] }] }));
    expect(SecurityGroups).toHaveLength(1);
    const group = SecurityGroups[0]!;
    state.defaultId = group.GroupId;
    expect(group).toMatchObject({ GroupName: 'default', VpcId: state.vpcId, Description: 'default VPC security group' });
    expect(group.IpPermissions?.map((p) => [p.IpProtocol, p.UserIdGroupPairs?.map((u) => u.GroupId)])).toEqual([['-1', [group.GroupId]]]);
    expect(group.IpPermissionsEgress?.map((p) => [p.IpProtocol, p.IpRanges?.map((r) => r.CidrIp)])).toEqual([['-1', ['0.0.0.0/0']]]);
    const neutron = await neutronGroup(`default-${state.vpcId}`);
    expect(ruleShapes(neutron!, 'ingress')).toEqual([['IPv4', null, null, null, null, neutron!['id']]]);
    expect(ruleShapes(neutron!, 'egress')).toEqual([['IPv4', null, null, null, null, null]]);
  });

  it('web is made with the aws cli: 80 and 22 from anywhere (IpPermissions and the old flat form), default egress', async () => {
    state.webId = ok(awsCli(['create-security-group', '--group-name', `${prefix}-web`, '--description', 'web tier', '--vpc-id', state.vpcId!])).GroupId;
    ok(awsCli(['authorize-security-group-ingress', '--group-id', state.webId!, '--ip-permissions', 'IpProtocol=tcp,FromPort=80,ToPort=80,IpRanges=[{CidrIp=0.0.0.0/0,Description=http}]']));
    ok(awsCli(['authorize-security-group-ingress', '--group-id', state.webId!, '--protocol', 'tcp', '--port', '22', '--cidr', '0.0.0.0/0']));
    const neutron = await neutronGroup(`${prefix}-web`);
    expect(neutron).toMatchObject({ description: 'web tier' });
    expect(ruleShapes(neutron!, 'ingress')).toEqual([
      ['IPv4', 'tcp', 22, 22, '0.0.0.0/0', null],
      ['IPv4', 'tcp', 80, 80, '0.0.0.0/0', null],
    ]);
    expect(ruleShapes(neutron!, 'egress')).toEqual([['IPv4', null, null, null, null, null]]);
    // The same rule again, in either form, is a duplicate.
    expect(cliError(awsCli(['authorize-security-group-ingress', '--group-id', state.webId!, '--protocol', '6', '--port', '22', '--cidr', '0.0.0.0/0']))).toBe('InvalidPermission.Duplicate');
  });

  it('db is made with boto3: 5432 only from the web group, found by name within the VPC', async () => {
    const out = ok(
      boto3(`
db = ec2.create_security_group(GroupName='${prefix}-db', Description='db tier', VpcId='${state.vpcId}')['GroupId']
r = ec2.authorize_security_group_ingress(GroupId=db, IpPermissions=[{'IpProtocol': 'tcp', 'FromPort': 5432, 'ToPort': 5432, 'UserIdGroupPairs': [{'GroupId': '${state.webId}', 'Description': 'from web'}]}])
print(json.dumps({'db': db, 'rules': r['SecurityGroupRules']}))
`),
    );
    state.dbId = out['db'];
    expect(out['rules']).toEqual([
      expect.objectContaining({ GroupId: state.dbId, IsEgress: false, IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, ReferencedGroupInfo: expect.objectContaining({ GroupId: state.webId }), Description: 'from web' }),
    ]);
    const [db, web] = await Promise.all([neutronGroup(`${prefix}-db`), neutronGroup(`${prefix}-web`)]);
    expect(ruleShapes(db!, 'ingress')).toEqual([['IPv4', 'tcp', 5432, 5432, null, web!['id']]]);
    const dup = boto3(`
try:
    ec2.create_security_group(GroupName='${prefix}-db', Description='again', VpcId='${state.vpcId}')
    print(json.dumps('accepted'))
except botocore.exceptions.ClientError as e:
    print(json.dumps(e.response['Error']['Code']))
`);
    expect(ok(dup)).toBe('InvalidGroup.Duplicate');
  });

  it('is described by @aws-sdk/client-ec2 with AWS filters and rule ids', async () => {
    const byPeer = await demo.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'ip-permission.group-id', Values: [state.webId!] }, { Name: 'vpc-id', Values: [state.vpcId!] }] }));
    expect(byPeer.SecurityGroups?.map((g) => g.GroupId)).toEqual([state.dbId]);
    const byPort = await demo.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'ip-permission.from-port', Values: ['80'] }, { Name: 'group-name', Values: [`${prefix}-*`] }] }));
    expect(byPort.SecurityGroups?.map((g) => g.GroupId)).toEqual([state.webId]);
    const web = byPort.SecurityGroups![0]!;
    expect(web.IpPermissions?.find((p) => p.FromPort === 80)?.IpRanges).toEqual([{ CidrIp: '0.0.0.0/0', Description: 'http' }]);
    const inVpc = await demo.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [state.vpcId!] }], MaxResults: 5 }));
    expect(inVpc.SecurityGroups?.map((g) => g.GroupName).sort()).toEqual(['default', `${prefix}-db`, `${prefix}-web`].sort());
    const rules = await demo.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [state.webId!] }] }));
    expect(rules.SecurityGroupRules?.map((r) => [r.IsEgress, r.IpProtocol, r.FromPort, r.CidrIpv4]).sort()).toEqual(
      [
        [false, 'tcp', 22, '0.0.0.0/0'],
        [false, 'tcp', 80, '0.0.0.0/0'],
        [true, '-1', -1, '0.0.0.0/0'],
      ].sort(),
    );
    expect(rules.SecurityGroupRules?.every((r) => /^sgr-[0-9a-f]{17}$/.test(r.SecurityGroupRuleId!))).toBe(true);
  });

  it('launches instances with each group: by id, and by name resolved within the subnet VPC', async () => {
    const imageId = await amiId(demo);
    const common = { ImageId: imageId, InstanceType: 'm1.tiny' as _InstanceType, MinCount: 1, MaxCount: 1, SubnetId: state.subnetId };
    const web = await demo.send(new RunInstancesCommand({ ...common, SecurityGroupIds: [state.webId!] }));
    state.instanceIds.push(web.Instances![0]!.InstanceId!);
    const db = await demo.send(new RunInstancesCommand({ ...common, SecurityGroups: [`${prefix}-db`] }));
    state.instanceIds.push(db.Instances![0]!.InstanceId!);
    const plain = await demo.send(new RunInstancesCommand(common));
    state.instanceIds.push(plain.Instances![0]!.InstanceId!);
    const groups = await Promise.all([`${prefix}-web`, `${prefix}-db`, `default-${state.vpcId}`].map(async (n) => (await neutronGroup(n))!['id'] as string));
    // Each instance's port carries its group in Neutron (the one without a group: the VPC's default).
    const { subnets } = await os.neutron.get<{ subnets: Json[] }>('subnets', { name: state.subnetId! });
    const ports = await eventually(async () => {
      const { ports } = await os.neutron.get<{ ports: Json[] }>('ports', { network_id: subnets[0]!['network_id'], device_owner: 'compute:nova' });
      return ports.length === 3 ? ports : undefined;
    }, 'three instance ports');
    expect(ports.map((p) => (p['security_groups'] as string[]).join(',')).sort()).toEqual([...groups].sort());
    const described = await demo.send(new DescribeInstancesCommand({ InstanceIds: state.instanceIds }));
    const shown = described.Reservations!.flatMap((r) => r.Instances!).map((i) => [i.InstanceId, i.SecurityGroups]);
    expect(Object.fromEntries(shown)).toEqual({
      [state.instanceIds[0]!]: [{ GroupId: state.webId, GroupName: `${prefix}-web` }],
      [state.instanceIds[1]!]: [{ GroupId: state.dbId, GroupName: `${prefix}-db` }],
      [state.instanceIds[2]!]: [{ GroupId: state.defaultId, GroupName: 'default' }],
    });
    // A group of another VPC, or an unknown name, is refused.
    expect(await sdkError(demo.send(new RunInstancesCommand({ ...common, SecurityGroups: ['no-such-group'] })))).toBe('InvalidGroup.NotFound');
  });

  it("answers AWS's error codes", async () => {
    expect(await sdkError(demo.send(new DeleteSecurityGroupCommand({ GroupId: state.defaultId })))).toBe('CannotDelete');
    // web is let into db by a rule; db is used by an instance.
    expect(await sdkError(demo.send(new DeleteSecurityGroupCommand({ GroupId: state.webId })))).toBe('DependencyViolation');
    expect(await sdkError(demo.send(new DeleteSecurityGroupCommand({ GroupId: state.dbId })))).toBe('DependencyViolation');
    expect(await sdkError(demo.send(new DeleteVpcCommand({ VpcId: state.vpcId })))).toBe('DependencyViolation');
    expect(await sdkError(demo.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-00000000000000000'] })))).toBe('InvalidGroup.NotFound');
    expect(await sdkError(demo.send(new DescribeSecurityGroupsCommand({ GroupIds: ['nope'] })))).toBe('InvalidGroupId.Malformed');
    expect(await sdkError(demo.send(new CreateSecurityGroupCommand({ GroupName: 'default', Description: 'x', VpcId: state.vpcId })))).toBe('InvalidParameterValue');
    const revokeMissing = new RevokeSecurityGroupIngressCommand({ GroupId: state.webId, IpPermissions: [{ IpProtocol: 'udp', FromPort: 53, ToPort: 53, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] });
    expect(await sdkError(demo.send(revokeMissing))).toBe('InvalidPermission.NotFound');
    const prefixList = new AuthorizeSecurityGroupIngressCommand({ GroupId: state.webId, IpPermissions: [{ IpProtocol: '-1', PrefixListIds: [{ PrefixListId: 'pl-12345678' }] }] });
    expect(await sdkError(demo.send(prefixList))).toBe('UnsupportedOperation');
    const icmp = new AuthorizeSecurityGroupIngressCommand({ GroupId: state.webId, IpPermissions: [{ IpProtocol: 'icmp', FromPort: 8, ToPort: -1, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }] });
    expect(await sdkError(demo.send(icmp))).toBe('accepted');
    const neutron = await neutronGroup(`${prefix}-web`);
    expect(ruleShapes(neutron!, 'ingress')).toContainEqual(['IPv4', 'icmp', 8, null, '10.0.0.0/8', null]);
  });

  it('the alt project can neither see nor use any of it', async () => {
    expect(await sdkError(alt.send(new DescribeSecurityGroupsCommand({ GroupIds: [state.webId!] })))).toBe('InvalidGroup.NotFound');
    const { SecurityGroups = [] } = await alt.send(new DescribeSecurityGroupsCommand({}));
    expect(SecurityGroups.map((g) => g.GroupId)).not.toContain(state.webId);
    expect(await sdkError(alt.send(new DeleteSecurityGroupCommand({ GroupId: state.webId })))).toBe('InvalidGroup.NotFound');
    expect(await sdkError(alt.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: state.webId, CidrIp: '0.0.0.0/0', IpProtocol: '-1' })))).toBe('InvalidGroup.NotFound');
    state.altVpcId = (await alt.send(new CreateVpcCommand({ CidrBlock: `10.${octet}.0.0/16` }))).Vpc!.VpcId!;
    const { SecurityGroups: altGroups = [] } = await alt.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [state.altVpcId] }] }));
    const pair = new AuthorizeSecurityGroupIngressCommand({ GroupId: altGroups[0]!.GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 1, ToPort: 2, UserIdGroupPairs: [{ GroupId: state.webId }] }] });
    expect(await sdkError(alt.send(pair))).toBe('InvalidGroup.NotFound');
    await alt.send(new DeleteVpcCommand({ VpcId: state.altVpcId }));
    state.altVpcId = undefined;
  });

  it('revokes by permission and by rule id, then tears down to nothing', async () => {
    ok(awsCli(['revoke-security-group-ingress', '--group-id', state.webId!, '--protocol', 'tcp', '--port', '22', '--cidr', '0.0.0.0/0']));
    const rules = await demo.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [state.dbId!] }] }));
    const fromWeb = rules.SecurityGroupRules!.find((r) => r.ReferencedGroupInfo?.GroupId === state.webId)!;
    await demo.send(new RevokeSecurityGroupIngressCommand({ GroupId: state.dbId, SecurityGroupRuleIds: [fromWeb.SecurityGroupRuleId!] }));
    const [web, db] = await Promise.all([neutronGroup(`${prefix}-web`), neutronGroup(`${prefix}-db`)]);
    expect(ruleShapes(web!, 'ingress').map((r) => r[2])).toEqual([8, 80]);
    expect(ruleShapes(db!, 'ingress')).toEqual([]);

    await demo.send(new TerminateInstancesCommand({ InstanceIds: state.instanceIds }));
    await waitUntilInstanceTerminated(waiter, { InstanceIds: state.instanceIds });
    state.instanceIds = [];
    for (const id of [state.dbId!, state.webId!]) await demo.send(new DeleteSecurityGroupCommand({ GroupId: id }));
    state.dbId = state.webId = undefined;
    await demo.send(new DeleteSubnetCommand({ SubnetId: state.subnetId }));
    state.subnetId = undefined;
    await demo.send(new DeleteVpcCommand({ VpcId: state.vpcId }));
    for (const name of [`${prefix}-web`, `${prefix}-db`, `default-${state.vpcId}`]) expect(await neutronGroup(name)).toBeUndefined();
    expect(await sdkError(demo.send(new DescribeSecurityGroupsCommand({ GroupIds: [state.defaultId!] })))).toBe('InvalidGroup.NotFound');
    state.vpcId = undefined;
  });
});

describe("Neutron's rule quota", () => {
  let own: OwnProject | undefined;
  afterAll(async () => {
    await own?.remove();
  });

  it('is RulesPerSecurityGroupLimitExceeded, and nothing of the request is made', async () => {
    own = await ownProject('ec2-sg-quota', { instances: 1 });
    const vpcId = (await own.client.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }))).Vpc!.VpcId!;
    const groupId = (await own.client.send(new CreateSecurityGroupCommand({ GroupName: 'quota', Description: 'quota', VpcId: vpcId }))).GroupId!;
    const admin = await openstackAs('admin');
    const count = async () => (await admin.neutron.get<{ security_group_rules: Json[] }>('security-group-rules', { project_id: own!.projectId })).security_group_rules.length;
    await admin.neutron.put(`quotas/${own.projectId}`, { quota: { security_group_rule: (await count()) + 1 } });
    const before = await count();
    const two = new AuthorizeSecurityGroupIngressCommand({
      GroupId: groupId,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/8' }, { CidrIp: '192.168.0.0/16' }] }],
    });
    expect(await sdkError(own.client.send(two))).toBe('RulesPerSecurityGroupLimitExceeded');
    expect(await count()).toBe(before);
    await own.client.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
    await own.client.send(new DeleteVpcCommand({ VpcId: vpcId }));
  });
});
