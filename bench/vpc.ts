/**
 * The VPC family's describes through the full path against the Neutron calls they need, on the
 * running local endpoint, over N VPCs with one subnet each (and a route table per VPC):
 * - DescribeVpcs vs Neutron GET routers?id=… (the VPCs' routers);
 * - DescribeSubnets vs Neutron GET subnets?id=… plus GET ports?network_id=… (address counts), run in parallel;
 * - DescribeRouteTables (state table only) vs Neutron GET routers?id=… (the cheapest call that would
 *   show routes if Neutron held them).
 * Prints p50s and the ratios. Everything it creates is deleted at the end.
 *
 *   npx tsx bench/vpc.ts [vpcs=50] [requests=50]
 */
import { openstackAs } from '../tests/integration/support/openstack.js';
import { ec2Caller, load, reportNeutronRatio, signedPostFactory, xmlField } from './support.js';

const count = Number(process.argv[2] ?? 50);
const requests = Number(process.argv[3] ?? 50);
const post = await signedPostFactory('demo');
const neutron = (await openstackAs('demo')).neutron;

const ec2 = ec2Caller(post);
const field = xmlField;
const row = (label: string, full: { p50: number }, direct: { p50: number }) =>
  reportNeutronRatio('vpc', label, full, direct, 'the Neutron listings it needs');

const made: Array<{ vpcId: string; subnetId: string; routeTableId: string }> = [];
try {
  for (let i = 0; i < count; i++) {
    const vpcId = field(await ec2({ Action: 'CreateVpc', CidrBlock: `10.${(i % 200) + 20}.0.0/16` }), 'vpcId');
    const subnetId = field(await ec2({ Action: 'CreateSubnet', VpcId: vpcId, CidrBlock: `10.${(i % 200) + 20}.1.0/24` }), 'subnetId');
    const routeTableId = field(await ec2({ Action: 'CreateRouteTable', VpcId: vpcId }), 'routeTableId');
    made.push({ vpcId, subnetId, routeTableId });
  }
  // What the describes cover: our objects and the default VPC's (the local stack's `private`).
  const ours = new Set([...made.flatMap((m) => [m.vpcId, m.subnetId]), 'private-router', 'private-subnet']);
  const routers = (await neutron.get<{ routers: Array<{ id: string; name: string }> }>('routers')).routers.filter((r) => ours.has(r.name));
  const routerIds = routers.map((r) => r.id);
  const subnets = (await neutron.get<{ subnets: Array<{ id: string; name: string; network_id: string }> }>('subnets')).subnets.filter((s) => ours.has(s.name));
  const subnetIds = subnets.map((s) => s.id);
  const networkIds = [...new Set(subnets.map((s) => s.network_id))];
  const byId = (key: string, ids: string[]) => {
    const q = new URLSearchParams();
    for (const id of ids) q.append(key, id);
    return q;
  };
  // Warm both sides (EC2 ids for objects seen the first time, keep-alive sockets).
  await ec2({ Action: 'DescribeVpcs' });
  await ec2({ Action: 'DescribeSubnets' });
  await ec2({ Action: 'DescribeRouteTables' });

  console.log(`${count} VPCs (one subnet, two route tables each) + the default VPC; ${requests} requests each, one at a time:`);
  const vpcs = await load(requests, 1, async () => void (await ec2({ Action: 'DescribeVpcs' })));
  const vpcsDirect = await load(requests, 1, async () => void (await neutron.get('routers', byId('id', routerIds))));
  row('DescribeVpcs', vpcs, vpcsDirect);
  const subnetsFull = await load(requests, 1, async () => void (await ec2({ Action: 'DescribeSubnets' })));
  const subnetsDirect = await load(requests, 1, async () => {
    await Promise.all([neutron.get('subnets', byId('id', subnetIds)), neutron.get('ports', byId('network_id', networkIds))]);
  });
  row('DescribeSubnets', subnetsFull, subnetsDirect);
  const tables = await load(requests, 1, async () => void (await ec2({ Action: 'DescribeRouteTables' })));
  row('DescribeRouteTables', tables, vpcsDirect);
} finally {
  for (const { vpcId, subnetId, routeTableId } of made) {
    await ec2({ Action: 'DeleteRouteTable', RouteTableId: routeTableId }).catch((e: unknown) => console.error(String(e)));
    await ec2({ Action: 'DeleteSubnet', SubnetId: subnetId }).catch((e: unknown) => console.error(String(e)));
    await ec2({ Action: 'DeleteVpc', VpcId: vpcId }).catch((e: unknown) => console.error(String(e)));
  }
}
