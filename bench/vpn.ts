/**
 * DescribeVpnConnections through the full path against the four vpnaas listings a direct client
 * needs for the same answer (VPN services, IPsec site connections, IKE and IPsec policies by id, in
 * parallel; ours asks for the first two only, by project beside its record read, and keeps the
 * policies, which EC2 never changes), on the running local endpoint, over N static-route
 * connections (one customer gateway each, one VPN gateway, one VPC with an internet gateway); ours
 * and Neutron's calls alternate, so both see the same load.
 * Prints p50s and the ratio, and DescribeVpnGateways (no OpenStack
 * call) as the path's fixed part. Everything it makes is deleted at the end.
 *
 *   npx tsx bench/vpn.ts [connections=10] [requests=30]
 */
import { openstackAs } from '../tests/integration/support/openstack.js';
import { alternate, ec2Caller, load, loadAverage, neutronRow, recordRatio, signedPostFactory, xmlField } from './support.js';

const count = Number(process.argv[2] ?? 10);
const requests = Number(process.argv[3] ?? 30);
const ec2 = ec2Caller(await signedPostFactory('demo'));
const neutron = (await openstackAs('demo')).neutron;
const octet = 100 + Math.floor(Math.random() * 100);

const made = { vpc: '', subnet: '', igw: '', vgw: '', cgws: [] as string[], vpns: [] as string[] };
try {
  made.vpc = xmlField(await ec2({ Action: 'CreateVpc', CidrBlock: `10.${octet}.0.0/16` }), 'vpcId');
  made.subnet = xmlField(await ec2({ Action: 'CreateSubnet', VpcId: made.vpc, CidrBlock: `10.${octet}.1.0/24` }), 'subnetId');
  made.igw = xmlField(await ec2({ Action: 'CreateInternetGateway' }), 'internetGatewayId');
  await ec2({ Action: 'AttachInternetGateway', InternetGatewayId: made.igw, VpcId: made.vpc });
  made.vgw = xmlField(await ec2({ Action: 'CreateVpnGateway', Type: 'ipsec.1' }), 'vpnGatewayId');
  await ec2({ Action: 'AttachVpnGateway', VpnGatewayId: made.vgw, VpcId: made.vpc });
  for (let i = 0; i < count; i++) {
    const cgw = xmlField(await ec2({ Action: 'CreateCustomerGateway', Type: 'ipsec.1', IpAddress: `198.51.100.${i + 1}`, BgpAsn: String(65000 + octet) }), 'customerGatewayId');
    made.cgws.push(cgw);
    const vpn = xmlField(
      await ec2({ Action: 'CreateVpnConnection', Type: 'ipsec.1', CustomerGatewayId: cgw, VpnGatewayId: made.vgw, 'Options.StaticRoutesOnly': 'true' }),
      'vpnConnectionId',
    );
    made.vpns.push(vpn);
    await ec2({ Action: 'CreateVpnConnectionRoute', VpnConnectionId: vpn, DestinationCidrBlock: `192.168.${i}.0/24` });
  }

  // The ids the describe asks Neutron for, read the way a direct client would (by name).
  const byName = async (path: string, key: string) =>
    (await neutron.get<Record<string, Array<{ id: string; name: string }>>>(path))[key]!.filter((o) => made.vpns.includes(o.name)).map((o) => o.id);
  const [services, sites, ike, ipsec] = await Promise.all([
    byName('vpn/vpnservices', 'vpnservices'),
    byName('vpn/ipsec-site-connections', 'ipsec_site_connections'),
    byName('vpn/ikepolicies', 'ikepolicies'),
    byName('vpn/ipsecpolicies', 'ipsecpolicies'),
  ]);
  const idQuery = (ids: string[]) => new URLSearchParams(ids.map((id): [string, string] => ['id', id]));
  const direct = () =>
    Promise.all([
      neutron.get('vpn/vpnservices', idQuery(services)),
      neutron.get('vpn/ipsec-site-connections', idQuery(sites)),
      neutron.get('vpn/ikepolicies', idQuery(ike)),
      neutron.get('vpn/ipsecpolicies', idQuery(ipsec)),
    ]);
  const describeAll = { Action: 'DescribeVpnConnections', 'Filter.1.Name': 'vpn-gateway-id', 'Filter.1.Value.1': made.vgw };
  await ec2(describeAll);
  await direct();

  console.log(`${count} connections with one static route each; ${requests} rounds, ours and Neutron's alternating, one request at a time; load average ${loadAverage()}`);
  const rounds = await alternate(requests, { ours: () => ec2(describeAll), theirs: direct });
  const ours = rounds['ours']!;
  const theirs = rounds['theirs']!;
  const label = `DescribeVpnConnections (${count})`;
  neutronRow(label, ours, theirs);
  // The same path with no OpenStack call at all (VPN gateways are table records): the fixed part.
  const baseline = await load(requests, 1, async () => void (await ec2({ Action: 'DescribeVpnGateways' })));
  console.log(`  DescribeVpnGateways (table only)         p50 ${baseline.p50.toFixed(1)} ms: the path without Neutron`);
  recordRatio({ bench: 'vpn', label, oursMs: ours.p50, direct: '4 vpnaas listings by id, in parallel', directMs: theirs.p50 });
  console.log(`load average after: ${loadAverage()}`);
} finally {
  const quiet = (params: Record<string, string>) => ec2(params).catch((e: unknown) => console.error(String(e)));
  for (const vpn of made.vpns) await quiet({ Action: 'DeleteVpnConnection', VpnConnectionId: vpn });
  for (const cgw of made.cgws) await quiet({ Action: 'DeleteCustomerGateway', CustomerGatewayId: cgw });
  if (made.vgw) {
    await quiet({ Action: 'DetachVpnGateway', VpnGatewayId: made.vgw, VpcId: made.vpc });
    await quiet({ Action: 'DeleteVpnGateway', VpnGatewayId: made.vgw });
  }
  if (made.igw) {
    await quiet({ Action: 'DetachInternetGateway', InternetGatewayId: made.igw, VpcId: made.vpc });
    await quiet({ Action: 'DeleteInternetGateway', InternetGatewayId: made.igw });
  }
  if (made.subnet) await quiet({ Action: 'DeleteSubnet', SubnetId: made.subnet });
  if (made.vpc) await quiet({ Action: 'DeleteVpc', VpcId: made.vpc });
}
