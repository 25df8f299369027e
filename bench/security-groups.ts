/**
 * DescribeSecurityGroups through the full path against the Neutron calls it needs, on the running
 * local endpoint: one VPC with N groups of R ingress rules each (plus the default egress rule and
 * the VPC's default group). The describe reads the groups' rules with one Neutron rule listing
 * (GET security-group-rules?security_group_id=…; groups without rules would add a GET
 * security-groups?id=… of those only, none here): that call is the baseline. For scale it also
 * times Neutron's listing of the groups with their rules (GET security-groups?id=…), which earlier
 * versions used and which Neutron answers far more slowly. DescribeSecurityGroupRules is timed
 * against the same rule listing. Ours and Neutron's calls alternate (each round starting with
 * another), one request at a time, so all see the same load; prints p50s, the ratios and the load
 * average. Everything it creates is deleted at the end.
 *
 *   npx tsx bench/security-groups.ts [groups=50] [rules=20] [requests=30]
 */
import { openstackAs } from '../tests/integration/support/openstack.js';
import { alternate, ec2Caller, loadAverage, neutronRow, reportNeutronRatio, signedPostFactory, xmlField } from './support.js';

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
  const ofGroups = (key: string, ids: string[]) => {
    const query = new URLSearchParams();
    for (const id of ids) query.append(key, id);
    return query;
  };
  const ruleListing = () => neutron.get('security-group-rules', ofGroups('security_group_id', uuids));
  const groupListing = () => neutron.get('security-groups', ofGroups('id', uuids));
  // Warm both sides (ids of rules seen the first time, keep-alive sockets).
  await ec2({ Action: 'DescribeSecurityGroups', ...filter });
  await ec2({ Action: 'DescribeSecurityGroupRules', MaxResults: '1000' });

  const report = (label: string, ours: { p50: number }, direct: { p50: number }, call: string) =>
    reportNeutronRatio('security-groups', label, ours, direct, call);

  console.log(`${groups} groups × ${rules} rules in one VPC (+ its default group); ${requests} rounds, one request at a time; load average ${loadAverage()}`);
  const all = await alternate(requests, {
    ours: () => ec2({ Action: 'DescribeSecurityGroups', ...filter }),
    rules: ruleListing,
    groupsWithRules: groupListing,
  });
  report('DescribeSecurityGroups (vpc-id filter)', all['ours']!, all['rules']!, 'GET security-group-rules?security_group_id=…');
  row('  Neutron groups-with-rules listing (scale)', all['ours']!, all['groupsWithRules']!);
  const one = await alternate(requests, {
    ours: () => ec2({ Action: 'DescribeSecurityGroups', 'GroupId.1': made[0]! }),
    rules: () => neutron.get('security-group-rules', ofGroups('security_group_id', [uuids[0]!])),
  });
  report('DescribeSecurityGroups (one GroupId)', one['ours']!, one['rules']!, 'GET security-group-rules?security_group_id=<one>');
  const ruleRows = await alternate(requests, {
    ours: () => ec2({ Action: 'DescribeSecurityGroupRules', MaxResults: '1000' }),
    rules: ruleListing,
  });
  report('DescribeSecurityGroupRules (all)', ruleRows['ours']!, ruleRows['rules']!, 'GET security-group-rules?security_group_id=…');
  console.log(`load average after: ${loadAverage()}`);
} finally {
  for (const groupId of made) await ec2({ Action: 'DeleteSecurityGroup', GroupId: groupId }).catch((e: unknown) => console.error(String(e)));
  if (vpcId) await ec2({ Action: 'DeleteVpc', VpcId: vpcId }).catch((e: unknown) => console.error(String(e)));
}
