/**
 * DescribeSecurityGroups through the full path against the Neutron call it needs, on the running
 * local endpoint: one VPC with N groups of R ingress rules each (plus the default egress rule and
 * the VPC's default group). Neutron's side is the one listing of those groups with their rules
 * (GET security-groups?id=…, what the describe itself asks). DescribeSecurityGroupRules is timed
 * against the same call. Prints p50s and the ratios. Everything it creates is deleted at the end.
 *
 *   npx tsx bench/security-groups.ts [groups=50] [rules=20] [requests=30]
 */
import { openstackAs } from '../tests/integration/support/openstack.js';
import { ec2Caller, load, neutronRow, signedPostFactory, xmlField } from './support.js';

const groups = Number(process.argv[2] ?? 50);
const rules = Number(process.argv[3] ?? 20);
const requests = Number(process.argv[4] ?? 30);
const post = await signedPostFactory('demo');
const neutron = (await openstackAs('demo')).neutron;

const ec2 = ec2Caller(post);
const field = xmlField;
const row = neutronRow;

const tag = `bench-sg-${Date.now().toString(36)}`;
const made: string[] = [];
let vpcId: string | undefined;
try {
  vpcId = field(await ec2({ Action: 'CreateVpc', CidrBlock: '10.250.0.0/16' }), 'vpcId');
  for (let g = 0; g < groups; g++) {
    const groupId = field(await ec2({ Action: 'CreateSecurityGroup', GroupName: `${tag}-${g}`, GroupDescription: 'bench', VpcId: vpcId }), 'groupId');
    made.push(groupId);
    const permissions: Record<string, string> = {};
    for (let r = 0; r < rules; r++) {
      const n = r + 1;
      Object.assign(permissions, {
        [`IpPermissions.${n}.IpProtocol`]: 'tcp',
        [`IpPermissions.${n}.FromPort`]: String(1000 + r),
        [`IpPermissions.${n}.ToPort`]: String(1000 + r),
        [`IpPermissions.${n}.IpRanges.1.CidrIp`]: '10.0.0.0/8',
      });
    }
    await ec2({ Action: 'AuthorizeSecurityGroupIngress', GroupId: groupId, ...permissions });
  }
  const filter = { 'Filter.1.Name': 'vpc-id', 'Filter.1.Value.1': vpcId };
  const uuids = (await neutron.get<{ security_groups: Array<{ id: string; name: string }> }>('security-groups', new URLSearchParams([['fields', 'id'], ['fields', 'name']]))).security_groups
    .filter((s) => s.name.startsWith(tag) || s.name === `default-${vpcId}`)
    .map((s) => s.id);
  const byId = new URLSearchParams();
  for (const id of uuids) byId.append('id', id);
  // Warm both sides (ids of rules seen the first time, keep-alive sockets).
  await ec2({ Action: 'DescribeSecurityGroups', ...filter });
  await ec2({ Action: 'DescribeSecurityGroupRules', 'Filter.1.Name': 'group-id', 'Filter.1.Value.1': made[0]! });

  console.log(`${groups} groups × ${rules} rules in one VPC (+ its default group); ${requests} requests each, one at a time:`);
  const direct = await load(requests, 1, async () => void (await neutron.get('security-groups', byId)));
  const full = await load(requests, 1, async () => void (await ec2({ Action: 'DescribeSecurityGroups', ...filter })));
  row('DescribeSecurityGroups (vpc-id filter)', full, direct);
  const one = await load(requests, 1, async () => void (await ec2({ Action: 'DescribeSecurityGroups', 'GroupId.1': made[0]! })));
  const oneDirect = await load(requests, 1, async () => void (await neutron.get('security-groups', new URLSearchParams({ id: uuids[0]! }))));
  row('DescribeSecurityGroups (one GroupId)', one, oneDirect);
  const ruleList = await load(requests, 1, async () => void (await ec2({ Action: 'DescribeSecurityGroupRules', MaxResults: '1000' })));
  row('DescribeSecurityGroupRules (all)', ruleList, direct);
} finally {
  for (const groupId of made) await ec2({ Action: 'DeleteSecurityGroup', GroupId: groupId }).catch((e: unknown) => console.error(String(e)));
  if (vpcId) await ec2({ Action: 'DeleteVpc', VpcId: vpcId }).catch((e: unknown) => console.error(String(e)));
}
