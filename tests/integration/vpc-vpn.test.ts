/**
 * VPN on neutron-vpnaas with real clients (issue 13): a customer gateway (aws cli), a VPN gateway
 * (boto3) attached to a VPC, a static-route connection (aws cli, @aws-sdk/client-ec2) whose every
 * step is checked in Neutron's vpnaas API, route propagation on the main route table, describes
 * with filters and tags, the CustomerGatewayConfiguration document parsed for its tunnel outside
 * addresses and pre-shared key, a failed route rolled back, the alt project seeing nothing, and
 * the teardown first out of order (refused) and then in order, leaving nothing in Neutron.
 */
import {
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpnConnectionRouteCommand,
  DeleteInternetGatewayCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeRouteTablesCommand,
  DescribeVpnConnectionsCommand,
  DetachInternetGatewayCommand,
  EnableVgwRoutePropagationCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli, boto3, ec2Client, ok, cliError, sdkError, type Json } from './support/clients.js';
import { uniqueName } from './support/env.js';
import { openstackAs, type DirectOpenStack } from './support/openstack.js';

const demo = ec2Client('demo');
const prefix = uniqueName('vpn');
const octet = 100 + Math.floor(Math.random() * 100);
const VPC_CIDR = `10.${octet}.0.0/16`;
const SUBNET_CIDR = `10.${octet}.1.0/24`;
const OFFICE_CIDR = `192.168.${octet}.0/24`;
const BRANCH_CIDR = `172.20.${octet}.0/24`;
// TEST-NET-3: a customer address nobody owns.
const CUSTOMER_IP = `203.0.113.${octet}`;


let os: DirectOpenStack;
const ids: { vpc?: string; subnet?: string; igw?: string; cgw?: string; vgw?: string; vpn?: string; mainTable?: string } = {};

async function neutronList(path: string, key: string, query: Record<string, string> = {}): Promise<Json[]> {
  return (await os.neutron.get<Record<string, Json[]>>(path, query))[key] ?? [];
}
/** Everything vpnaas holds that is named after one connection. */
async function vpnaasOf(vpnId: string) {
  const [services, ike, ipsec, sites, groups] = await Promise.all([
    neutronList('vpn/vpnservices', 'vpnservices', { name: vpnId }),
    neutronList('vpn/ikepolicies', 'ikepolicies', { name: vpnId }),
    neutronList('vpn/ipsecpolicies', 'ipsecpolicies', { name: vpnId }),
    neutronList('vpn/ipsec-site-connections', 'ipsec_site_connections', { name: vpnId }),
    neutronList('vpn/endpoint-groups', 'endpoint_groups'),
  ]);
  return { services, ike, ipsec, sites, groups: groups.filter((g) => String(g['name']).startsWith(`${vpnId}-`)) };
}
const describeConnection = async (vpnId: string) =>
  (await demo.send(new DescribeVpnConnectionsCommand({ VpnConnectionIds: [vpnId] }))).VpnConnections![0]!;
const neutronSubnet = async (subnetId: string) => (await neutronList('subnets', 'subnets', { name: subnetId }))[0]!;
const routerOf = async (vpcId: string) => (await neutronList('routers', 'routers', { name: vpcId }))[0]!;

beforeAll(async () => {
  os = await openstackAs('demo');
  ids.vpc = (await demo.send(new CreateVpcCommand({ CidrBlock: VPC_CIDR, TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'Name', Value: prefix }] }] }))).Vpc!.VpcId!;
  ids.subnet = (await demo.send(new CreateSubnetCommand({ VpcId: ids.vpc, CidrBlock: SUBNET_CIDR }))).Subnet!.SubnetId!;
  const tables = await demo.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [ids.vpc] }, { Name: 'association.main', Values: ['true'] }] }));
  ids.mainTable = tables.RouteTables![0]!.RouteTableId!;
}, 120_000);

afterAll(async () => {
  // Best effort for a run that failed half way; the last test checks the normal teardown.
  const quiet = (args: string[]) => awsCli(args);
  if (ids.vpn) quiet(['delete-vpn-connection', '--vpn-connection-id', ids.vpn]);
  if (ids.vgw && ids.vpc) quiet(['detach-vpn-gateway', '--vpn-gateway-id', ids.vgw, '--vpc-id', ids.vpc]);
  if (ids.vgw) quiet(['delete-vpn-gateway', '--vpn-gateway-id', ids.vgw]);
  if (ids.cgw) quiet(['delete-customer-gateway', '--customer-gateway-id', ids.cgw]);
  if (ids.igw && ids.vpc) {
    quiet(['detach-internet-gateway', '--internet-gateway-id', ids.igw, '--vpc-id', ids.vpc]);
    quiet(['delete-internet-gateway', '--internet-gateway-id', ids.igw]);
  }
  if (ids.subnet) quiet(['delete-subnet', '--subnet-id', ids.subnet]);
  if (ids.vpc) quiet(['delete-vpc', '--vpc-id', ids.vpc]);
}, 180_000);

describe('a site-to-site VPN on vpnaas', () => {
  it('Neutron offers vpnaas (the local stack enables it)', async () => {
    const { extensions } = await os.neutron.get<{ extensions: Json[] }>('extensions');
    expect(extensions.map((e) => e['alias'])).toEqual(expect.arrayContaining(['vpnaas', 'vpn-endpoint-groups']));
  });

  it('makes a customer gateway with the aws cli, tagged; asking again answers the same gateway', () => {
    const tags = `ResourceType=customer-gateway,Tags=[{Key=Name,Value=${prefix}}]`;
    const created = ok(awsCli(['create-customer-gateway', '--type', 'ipsec.1', '--ip-address', CUSTOMER_IP, '--bgp-asn', '65010', '--tag-specifications', tags]));
    const gateway = created['CustomerGateway'];
    expect(gateway).toMatchObject({ IpAddress: CUSTOMER_IP, BgpAsn: '65010', Type: 'ipsec.1', State: 'available' });
    expect(gateway['CustomerGatewayId']).toMatch(/^cgw-[0-9a-f]{17}$/);
    ids.cgw = gateway['CustomerGatewayId'];
    const again = ok(awsCli(['create-customer-gateway', '--type', 'ipsec.1', '--ip-address', CUSTOMER_IP, '--bgp-asn', '65010']));
    expect(again['CustomerGateway']['CustomerGatewayId']).toBe(ids.cgw);
    expect(again['CustomerGateway']['Tags']).toEqual([{ Key: 'Name', Value: prefix }]);
    expect(cliError(awsCli(['create-customer-gateway', '--type', 'ipsec.1', '--ip-address', 'not-an-ip', '--bgp-asn', '65010']))).toBe('InvalidParameterValue');
  });

  it('makes a VPN gateway with boto3 and attaches it to the VPC', () => {
    const out = ok(
      boto3(`
gw = ec2.create_vpn_gateway(Type='ipsec.1', TagSpecifications=[{'ResourceType': 'vpn-gateway', 'Tags': [{'Key': 'Name', 'Value': '${prefix}'}]}])['VpnGateway']
att = ec2.attach_vpn_gateway(VpcId='${ids.vpc}', VpnGatewayId=gw['VpnGatewayId'])['VpcAttachment']
found = ec2.describe_vpn_gateways(Filters=[{'Name': 'attachment.vpc-id', 'Values': ['${ids.vpc}']}])['VpnGateways']
print(json.dumps({'gw': gw, 'att': att, 'found': found}, default=str))
`),
    );
    expect(out['gw']).toMatchObject({ Type: 'ipsec.1', State: 'available', AmazonSideAsn: 64512, VpcAttachments: [] });
    ids.vgw = out['gw']['VpnGatewayId'];
    expect(out['att']).toEqual({ State: 'attached', VpcId: ids.vpc });
    expect(out['found'].map((g: Json) => g['VpnGatewayId'])).toEqual([ids.vgw]);
    expect(out['found'][0]['VpcAttachments']).toEqual([{ State: 'attached', VpcId: ids.vpc }]);
    expect(out['found'][0]['Tags']).toEqual([{ Key: 'Name', Value: prefix }]);
  });

  it('refuses a connection while the VPC router has no external gateway, and BGP connections', async () => {
    const base = ['create-vpn-connection', '--type', 'ipsec.1', '--customer-gateway-id', ids.cgw!, '--vpn-gateway-id', ids.vgw!];
    const refused = awsCli([...base, '--options', 'StaticRoutesOnly=true']);
    expect(cliError(refused)).toBe('IncorrectState');
    expect(refused.stderr).toMatch(/internet gateway/);
    expect(cliError(awsCli(base))).toBe('UnsupportedOperation');
    expect(cliError(awsCli([...base, '--options', 'StaticRoutesOnly=true,TunnelOptions=[{PreSharedKey=0bad}]']))).toBe('InvalidParameterValue');
    expect(await neutronList('vpn/vpnservices', 'vpnservices', { router_id: (await routerOf(ids.vpc!))['id'] })).toEqual([]);
  });

  it('creates a static-route connection: a VPN service on the router and its policies in vpnaas, pending', async () => {
    ids.igw = (await demo.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    await demo.send(new AttachInternetGatewayCommand({ InternetGatewayId: ids.igw, VpcId: ids.vpc }));
    const tags = `ResourceType=vpn-connection,Tags=[{Key=Name,Value=${prefix}},{Key=site,Value=office}]`;
    const created = ok(
      awsCli(['create-vpn-connection', '--type', 'ipsec.1', '--customer-gateway-id', ids.cgw!, '--vpn-gateway-id', ids.vgw!, '--options', 'StaticRoutesOnly=true', '--tag-specifications', tags]),
    )['VpnConnection'];
    ids.vpn = created['VpnConnectionId'];
    expect(ids.vpn).toMatch(/^vpn-[0-9a-f]{17}$/);
    expect(created).toMatchObject({ CustomerGatewayId: ids.cgw, VpnGatewayId: ids.vgw, Type: 'ipsec.1', State: 'pending', Options: { StaticRoutesOnly: true } });
    const router = await routerOf(ids.vpc!);
    const neutron = await vpnaasOf(ids.vpn!);
    expect(neutron.services).toHaveLength(1);
    expect(neutron.services[0]).toMatchObject({ router_id: router['id'], status: 'PENDING_CREATE' });
    expect(neutron.ike).toHaveLength(1);
    expect(neutron.ipsec).toHaveLength(1);
    // No static routes yet: no tunnel.
    expect(neutron.sites).toEqual([]);
    expect(neutron.groups).toEqual([]);
    expect(created['VgwTelemetry'][0]['OutsideIpAddress']).toBe(neutron.services[0]!['external_v4_ip']);
  });

  it('rolls a route back when vpnaas refuses the tunnel (a subnet unplugged behind its back)', async () => {
    const subnet = await neutronSubnet(ids.subnet!);
    const router = await routerOf(ids.vpc!);
    const [port] = await neutronList('ports', 'ports', { device_id: router['id'], network_id: subnet['network_id'] });
    const routerIp = port!['fixed_ips'][0]['ip_address'];
    await os.neutron.put(`routers/${router['id']}/remove_router_interface`, { port_id: port!['id'] });
    try {
      const refused = awsCli(['create-vpn-connection-route', '--vpn-connection-id', ids.vpn!, '--destination-cidr-block', OFFICE_CIDR]);
      expect(cliError(refused)).toBe('InvalidParameterValue');
      const neutron = await vpnaasOf(ids.vpn!);
      expect(neutron.sites).toEqual([]);
      expect(neutron.groups).toEqual([]);
      expect((await describeConnection(ids.vpn!)).Routes).toEqual([]);
    } finally {
      // Plugged back the way the VPC had it: a port with the router's address (the subnet may show no gateway).
      const replug = await os.neutron.post<{ port: Json }>('ports', { port: { network_id: subnet['network_id'], fixed_ips: [{ subnet_id: subnet['id'], ip_address: routerIp }] } });
      await os.neutron.put(`routers/${router['id']}/add_router_interface`, { port_id: replug.port['id'] });
    }
  });

  it('adds static routes: endpoint groups for the subnet and the CIDRs, a site connection with the key', async () => {
    await demo.send(new CreateVpnConnectionRouteCommand({ VpnConnectionId: ids.vpn, DestinationCidrBlock: OFFICE_CIDR }));
    const subnet = await neutronSubnet(ids.subnet!);
    let neutron = await vpnaasOf(ids.vpn!);
    expect(neutron.sites).toHaveLength(1);
    const first = neutron.sites[0]!;
    expect(first).toMatchObject({ peer_address: CUSTOMER_IP, vpnservice_id: neutron.services[0]!['id'], ikepolicy_id: neutron.ike[0]!['id'], ipsecpolicy_id: neutron.ipsec[0]!['id'] });
    const groups = new Map(neutron.groups.map((g) => [g['id'], g]));
    expect(groups.get(first['local_ep_group_id'])).toMatchObject({ type: 'subnet', endpoints: [subnet['id']] });
    expect(groups.get(first['peer_ep_group_id'])).toMatchObject({ type: 'cidr', endpoints: [OFFICE_CIDR] });

    // A second route replaces the tunnel (vpnaas cannot update a PENDING one): one site connection, both CIDRs.
    ok(awsCli(['create-vpn-connection-route', '--vpn-connection-id', ids.vpn!, '--destination-cidr-block', BRANCH_CIDR]));
    // The same route again changes nothing.
    ok(awsCli(['create-vpn-connection-route', '--vpn-connection-id', ids.vpn!, '--destination-cidr-block', BRANCH_CIDR]));
    neutron = await vpnaasOf(ids.vpn!);
    expect(neutron.sites).toHaveLength(1);
    expect(neutron.sites[0]!['id']).not.toBe(first['id']);
    expect(neutron.groups).toHaveLength(2);
    const peer = neutron.groups.find((g) => g['id'] === neutron.sites[0]!['peer_ep_group_id'])!;
    expect([...peer['endpoints']].sort()).toEqual([OFFICE_CIDR, BRANCH_CIDR].sort());
    expect(cliError(awsCli(['create-vpn-connection-route', '--vpn-connection-id', ids.vpn!, '--destination-cidr-block', '10.1.2.3/8']))).toBe('InvalidParameterValue');
  });

  it('keeps one tunnel when two route changes race: each is made or refused with IncorrectState', async () => {
    const extra = [`172.21.${octet}.0/24`, `172.22.${octet}.0/24`];
    const outcomes = await Promise.all(extra.map((cidr) => sdkError(demo.send(new CreateVpnConnectionRouteCommand({ VpnConnectionId: ids.vpn, DestinationCidrBlock: cidr })))));
    for (const outcome of outcomes) expect(['accepted', 'IncorrectState']).toContain(outcome);
    const made = extra.filter((_, i) => outcomes[i] === 'accepted');
    const neutron = await vpnaasOf(ids.vpn!);
    expect(neutron.sites).toHaveLength(1);
    expect(neutron.groups).toHaveLength(2);
    const peer = neutron.groups.find((g) => g['id'] === neutron.sites[0]!['peer_ep_group_id'])!;
    const shown = (await describeConnection(ids.vpn!)).Routes!.map((r) => r.DestinationCidrBlock!);
    expect([...peer['endpoints']].sort()).toEqual([...shown].sort());
    expect([...shown].sort()).toEqual([OFFICE_CIDR, BRANCH_CIDR, ...made].sort());
    for (const cidr of made) ok(awsCli(['delete-vpn-connection-route', '--vpn-connection-id', ids.vpn!, '--destination-cidr-block', cidr]));
  });

  it('propagates the static routes into the main route table', async () => {
    await demo.send(new EnableVgwRoutePropagationCommand({ GatewayId: ids.vgw, RouteTableId: ids.mainTable }));
    const table = (await demo.send(new DescribeRouteTablesCommand({ RouteTableIds: [ids.mainTable!] }))).RouteTables![0]!;
    expect(table.PropagatingVgws).toEqual([{ GatewayId: ids.vgw }]);
    const propagated = table.Routes!.filter((r) => r.Origin === 'EnableVgwRoutePropagation');
    expect(propagated.map((r) => r.DestinationCidrBlock).sort()).toEqual([OFFICE_CIDR, BRANCH_CIDR].sort());
    expect(propagated.every((r) => r.GatewayId === ids.vgw && r.State === 'active')).toBe(true);
    const byRoute = ok(awsCli(['describe-route-tables', '--filters', `Name=route.gateway-id,Values=${ids.vgw}`]))['RouteTables'];
    expect(byRoute.map((t: Json) => t['RouteTableId'])).toEqual([ids.mainTable]);
  });

  it('describes everything with filters and tags, in all three clients', async () => {
    const byGateway = ok(awsCli(['describe-vpn-connections', '--filters', `Name=vpn-gateway-id,Values=${ids.vgw}`, `Name=tag:site,Values=office`]))['VpnConnections'];
    expect(byGateway.map((c: Json) => c['VpnConnectionId'])).toEqual([ids.vpn]);
    expect(byGateway[0]['Routes'].map((r: Json) => r['DestinationCidrBlock']).sort()).toEqual([OFFICE_CIDR, BRANCH_CIDR].sort());
    const byRoute = ok(awsCli(['describe-vpn-connections', '--filters', `Name=route.destination-cidr-block,Values=${BRANCH_CIDR}`, 'Name=state,Values=pending']))['VpnConnections'];
    expect(byRoute.map((c: Json) => c['VpnConnectionId'])).toContain(ids.vpn);
    const none = ok(awsCli(['describe-vpn-connections', '--filters', `Name=vpn-gateway-id,Values=${ids.vgw}`, 'Name=state,Values=available']))['VpnConnections'];
    expect(none).toEqual([]);
    const customers = ok(boto3(`print(json.dumps(ec2.describe_customer_gateways(Filters=[{'Name': 'ip-address', 'Values': ['${CUSTOMER_IP}']}, {'Name': 'tag:Name', 'Values': ['${prefix}']}])['CustomerGateways']))`));
    expect(customers.map((g: Json) => g['CustomerGatewayId'])).toEqual([ids.cgw]);
    const gateways = ok(awsCli(['describe-vpn-gateways', '--vpn-gateway-ids', ids.vgw!, '--filters', 'Name=attachment.state,Values=attached']))['VpnGateways'];
    expect(gateways.map((g: Json) => g['VpnGatewayId'])).toEqual([ids.vgw]);
    const tags = ok(awsCli(['describe-tags', '--filters', `Name=resource-id,Values=${ids.vpn},${ids.cgw},${ids.vgw}`]))['Tags'];
    expect(tags.map((t: Json) => `${t['ResourceType']}:${t['Key']}`).sort()).toEqual(['customer-gateway:Name', 'vpn-connection:Name', 'vpn-connection:site', 'vpn-gateway:Name']);
    const connection = await describeConnection(ids.vpn!);
    expect(connection.State).toBe('pending');
    expect(connection.VgwTelemetry![0]!.Status).toBe('DOWN');
  });

  it('hands out AWS\'s gateway document: tunnel outside addresses and the pre-shared key as Neutron has them', async () => {
    const parsed = ok(
      boto3(`
import xml.etree.ElementTree as ET
conn = ec2.describe_vpn_connections(VpnConnectionIds=['${ids.vpn}'])['VpnConnections'][0]
doc = ET.fromstring(conn['CustomerGatewayConfiguration'].encode())
tunnels = doc.findall('ipsec_tunnel')
print(json.dumps({
  'id': doc.get('id'),
  'type': doc.findtext('vpn_connection_type'),
  'tunnels': [{
    'customer': t.findtext('customer_gateway/tunnel_outside_address/ip_address'),
    'vgw': t.findtext('vpn_gateway/tunnel_outside_address/ip_address'),
    'psk': t.findtext('ike/pre_shared_key'),
    'ike_auth': t.findtext('ike/authentication_protocol'),
    'ipsec_auth': t.findtext('ipsec/authentication_protocol'),
  } for t in tunnels],
}))
`),
    );
    const neutron = await vpnaasOf(ids.vpn!);
    expect(parsed).toMatchObject({ id: ids.vpn, type: 'ipsec.1' });
    expect(parsed['tunnels']).toEqual([
      { customer: CUSTOMER_IP, vgw: neutron.services[0]!['external_v4_ip'], psk: neutron.sites[0]!['psk'], ike_auth: 'sha1', ipsec_auth: 'hmac-sha1-96' },
    ]);
    expect(neutron.sites[0]!['psk']).toMatch(/^[A-Za-z0-9._]{32}$/);
  });

  it('shows the alt project none of it', () => {
    for (const [args, key] of [
      [['describe-vpn-connections'], 'VpnConnections'],
      [['describe-vpn-gateways'], 'VpnGateways'],
      [['describe-customer-gateways'], 'CustomerGateways'],
    ] as const) {
      const listed = ok(awsCli([...args], 'alt'))[key] as Json[];
      expect(JSON.stringify(listed)).not.toMatch(new RegExp(`${ids.vpn}|${ids.vgw}|${ids.cgw}`));
    }
    expect(cliError(awsCli(['describe-vpn-connections', '--vpn-connection-ids', ids.vpn!], 'alt'))).toBe('InvalidVpnConnectionID.NotFound');
    expect(cliError(awsCli(['delete-vpn-connection', '--vpn-connection-id', ids.vpn!], 'alt'))).toBe('InvalidVpnConnectionID.NotFound');
    expect(cliError(awsCli(['delete-customer-gateway', '--customer-gateway-id', ids.cgw!], 'alt'))).toBe('InvalidCustomerGatewayID.NotFound');
    expect(cliError(awsCli(['delete-vpn-gateway', '--vpn-gateway-id', ids.vgw!], 'alt'))).toBe('InvalidVpnGatewayID.NotFound');
  });

  it('refuses the teardown out of order, and Neutron keeps everything', async () => {
    expect(cliError(awsCli(['delete-customer-gateway', '--customer-gateway-id', ids.cgw!]))).toBe('IncorrectState');
    expect(cliError(awsCli(['detach-vpn-gateway', '--vpn-gateway-id', ids.vgw!, '--vpc-id', ids.vpc!]))).toBe('IncorrectState');
    expect(cliError(awsCli(['delete-vpn-gateway', '--vpn-gateway-id', ids.vgw!]))).toBe('IncorrectState');
    expect(await sdkError(demo.send(new DeleteVpcCommand({ VpcId: ids.vpc })))).toBe('DependencyViolation');
    // The router's gateway carries the tunnel: Neutron refuses to clear it.
    expect(await sdkError(demo.send(new DetachInternetGatewayCommand({ InternetGatewayId: ids.igw, VpcId: ids.vpc })))).toBe('DependencyViolation');
    // The subnet is in the tunnel's local endpoint group.
    expect(await sdkError(demo.send(new DeleteSubnetCommand({ SubnetId: ids.subnet })))).toBe('DependencyViolation');
    expect(cliError(awsCli(['delete-vpn-connection-route', '--vpn-connection-id', ids.vpn!, '--destination-cidr-block', '10.99.0.0/16']))).toBe('InvalidRoute.NotFound');
    const neutron = await vpnaasOf(ids.vpn!);
    expect([neutron.services.length, neutron.ike.length, neutron.ipsec.length, neutron.sites.length, neutron.groups.length]).toEqual([1, 1, 1, 1, 2]);
    expect((await routerOf(ids.vpc!))['external_gateway_info']).toBeTruthy();
  });

  it('tears down in order, leaving nothing in vpnaas or the table', async () => {
    ok(awsCli(['delete-vpn-connection-route', '--vpn-connection-id', ids.vpn!, '--destination-cidr-block', BRANCH_CIDR]));
    let neutron = await vpnaasOf(ids.vpn!);
    expect(neutron.groups.find((g) => g['id'] === neutron.sites[0]!['peer_ep_group_id'])!['endpoints']).toEqual([OFFICE_CIDR]);
    ok(awsCli(['disable-vgw-route-propagation', '--gateway-id', ids.vgw!, '--route-table-id', ids.mainTable!]));
    const table = (await demo.send(new DescribeRouteTablesCommand({ RouteTableIds: [ids.mainTable!] }))).RouteTables![0]!;
    expect(table.PropagatingVgws).toEqual([]);
    expect(table.Routes!.some((r) => r.GatewayId === ids.vgw)).toBe(false);

    ok(awsCli(['delete-vpn-connection', '--vpn-connection-id', ids.vpn!]));
    neutron = await vpnaasOf(ids.vpn!);
    expect([neutron.services, neutron.ike, neutron.ipsec, neutron.sites, neutron.groups]).toEqual([[], [], [], [], []]);
    expect(cliError(awsCli(['describe-vpn-connections', '--vpn-connection-ids', ids.vpn!]))).toBe('InvalidVpnConnectionID.NotFound');
    ids.vpn = undefined;

    ok(awsCli(['detach-vpn-gateway', '--vpn-gateway-id', ids.vgw!, '--vpc-id', ids.vpc!]));
    ok(awsCli(['delete-vpn-gateway', '--vpn-gateway-id', ids.vgw!]));
    ok(awsCli(['delete-customer-gateway', '--customer-gateway-id', ids.cgw!]));
    expect(cliError(awsCli(['describe-vpn-gateways', '--vpn-gateway-ids', ids.vgw!]))).toBe('InvalidVpnGatewayID.NotFound');
    expect(cliError(awsCli(['describe-customer-gateways', '--customer-gateway-ids', ids.cgw!]))).toBe('InvalidCustomerGatewayID.NotFound');
    const tags = ok(awsCli(['describe-tags', '--filters', `Name=resource-id,Values=${ids.vgw},${ids.cgw}`]))['Tags'];
    expect(tags).toEqual([]);
    ids.vgw = undefined;
    ids.cgw = undefined;

    await demo.send(new DetachInternetGatewayCommand({ InternetGatewayId: ids.igw, VpcId: ids.vpc }));
    await demo.send(new DeleteInternetGatewayCommand({ InternetGatewayId: ids.igw }));
    ids.igw = undefined;
    await demo.send(new DeleteSubnetCommand({ SubnetId: ids.subnet }));
    ids.subnet = undefined;
    const routerId = (await routerOf(ids.vpc!))['id'];
    await demo.send(new DeleteVpcCommand({ VpcId: ids.vpc }));
    ids.vpc = undefined;
    expect(await neutronList('routers', 'routers', { id: routerId })).toEqual([]);
    expect(await neutronList('vpn/vpnservices', 'vpnservices', { router_id: routerId })).toEqual([]);
  });
});
