/**
 * The VPC family with real clients: a two-tier network built with the aws cli, boto3 and
 * @aws-sdk/client-ec2, instances in both tiers, every step checked in Neutron; the teardown first in
 * a wrong order (refused with DependencyViolation) and then in a user's order, leaving nothing in
 * Neutron or the table. The alt project sees none of it. Then the default VPC as an infrastructure
 * tool meets it, and AWS's errors for bad input.
 */
import {
  AssociateRouteTableCommand,
  CreateDhcpOptionsCommand,
  DeleteSubnetCommand,
  DescribeAccountAttributesCommand,
  DescribeDhcpOptionsCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeTagsCommand,
  DescribeVpcsCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  paginateDescribeRouteTables,
  waitUntilInstanceRunning,
  waitUntilInstanceTerminated,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amiId } from './instances-fixtures.js';
import { awsCli, boto3, ec2Client, ok, cliError, sdkError, type Json } from './support/clients.js';
import { fixtures, uniqueName } from './support/env.js';
import { openstackAs, type DirectOpenStack } from './support/openstack.js';

const demo = ec2Client('demo');
const alt = ec2Client('alt');
const prefix = uniqueName('vpc');
const waiter = { client: demo, maxWaitTime: 300, minDelay: 2, maxDelay: 5 };
// A second octet of our own, so parallel runs do not overlap (overlap between VPCs is allowed anyway).
const octet = 100 + Math.floor(Math.random() * 100);
const VPC_CIDR = `10.${octet}.0.0/16`;
const PUBLIC_CIDR = `10.${octet}.1.0/24`;
const PRIVATE_CIDR = `10.${octet}.2.0/24`;

interface Network {
  vpcId: string;
  publicSubnetId: string;
  privateSubnetId: string;
  gatewayId: string;
  routeTableId: string;
  associationId: string;
  dhcpOptionsId: string;
  instanceIds: string[];
}
const net: Partial<Network> = {};
let publicAddress = '';
let os: DirectOpenStack;


async function neutronGet<T>(path: string): Promise<T | undefined> {
  try {
    return await os.neutron.get<T>(path);
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}

/** The EC2 subnet's Neutron subnet (its network and subnet are named with the EC2 id). */
async function neutronSubnet(subnetId: string) {
  const { subnets } = await os.neutron.get<{ subnets: Json[] }>('subnets', { name: subnetId });
  return subnets[0];
}

beforeAll(async () => {
  os = await openstackAs('demo');
});

afterAll(async () => {
  // Best-effort cleanup in a user's order when a test failed half way.
  if (net.instanceIds?.length) {
    await demo.send(new TerminateInstancesCommand({ InstanceIds: net.instanceIds })).catch(() => undefined);
    await waitUntilInstanceTerminated(waiter, { InstanceIds: net.instanceIds }).catch(() => undefined);
  }
  const run = (args: string[]) => awsCli(args);
  if (net.associationId) run(['disassociate-route-table', '--association-id', net.associationId]);
  if (net.routeTableId) run(['delete-route-table', '--route-table-id', net.routeTableId]);
  if (net.vpcId) run(['associate-dhcp-options', '--dhcp-options-id', 'default', '--vpc-id', net.vpcId]);
  if (net.dhcpOptionsId) run(['delete-dhcp-options', '--dhcp-options-id', net.dhcpOptionsId]);
  if (net.gatewayId && net.vpcId) run(['detach-internet-gateway', '--internet-gateway-id', net.gatewayId, '--vpc-id', net.vpcId]);
  if (net.gatewayId) run(['delete-internet-gateway', '--internet-gateway-id', net.gatewayId]);
  for (const id of [net.publicSubnetId, net.privateSubnetId]) if (id) run(['delete-subnet', '--subnet-id', id]);
  if (net.vpcId) run(['delete-vpc', '--vpc-id', net.vpcId]);
});

describe('a two-tier network', () => {
  it('is built with the aws cli: a VPC and two subnets, a router and two networks in Neutron', async () => {
    const vpc = ok(awsCli(['create-vpc', '--cidr-block', VPC_CIDR, '--tag-specifications', `ResourceType=vpc,Tags=[{Key=Name,Value=${prefix}}]`])).Vpc;
    net.vpcId = vpc.VpcId;
    expect(vpc).toMatchObject({ CidrBlock: VPC_CIDR, State: 'available', IsDefault: false, DhcpOptionsId: 'default', Tags: [{ Key: 'Name', Value: prefix }] });
    const pub = ok(awsCli(['create-subnet', '--vpc-id', net.vpcId!, '--cidr-block', PUBLIC_CIDR])).Subnet;
    net.publicSubnetId = pub.SubnetId;
    net.privateSubnetId = ok(awsCli(['create-subnet', '--vpc-id', net.vpcId!, '--cidr-block', PRIVATE_CIDR])).Subnet.SubnetId;
    expect(pub).toMatchObject({ VpcId: net.vpcId, CidrBlock: PUBLIC_CIDR, AvailableIpAddressCount: 251, State: 'available', MapPublicIpOnLaunch: false });

    const { routers } = await os.neutron.get<{ routers: Json[] }>('routers', { name: net.vpcId });
    expect(routers).toHaveLength(1);
    const interfaces = await os.neutron.get<{ ports: Json[] }>('ports', { device_id: routers[0]!.id });
    const plugged = interfaces.ports.flatMap((p) => p.fixed_ips.map((f: { ip_address: string }) => f.ip_address)).sort();
    expect(plugged).toEqual([`10.${octet}.1.1`, `10.${octet}.2.1`]);
    const neutronPublic = await neutronSubnet(net.publicSubnetId!);
    expect(neutronPublic).toMatchObject({ cidr: PUBLIC_CIDR, allocation_pools: [{ start: `10.${octet}.1.4`, end: `10.${octet}.1.254` }] });
    // No internet gateway yet: no default route, only the metadata route.
    expect(neutronPublic!['gateway_ip']).toBeNull();
    expect(neutronPublic!['host_routes']).toEqual([{ destination: '169.254.169.254/32', nexthop: `10.${octet}.1.1` }]);
  });

  it('gets an internet gateway, a public route table and DHCP options with boto3', async () => {
    const out = ok(
      boto3(`
igw = ec2.create_internet_gateway(TagSpecifications=[{'ResourceType': 'internet-gateway', 'Tags': [{'Key': 'Name', 'Value': '${prefix}'}]}])['InternetGateway']['InternetGatewayId']
ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId='${net.vpcId}')
rtb = ec2.create_route_table(VpcId='${net.vpcId}')['RouteTable']['RouteTableId']
ec2.create_route(RouteTableId=rtb, DestinationCidrBlock='0.0.0.0/0', GatewayId=igw)
assoc = ec2.associate_route_table(RouteTableId=rtb, SubnetId='${net.publicSubnetId}')['AssociationId']
dopt = ec2.create_dhcp_options(DhcpConfigurations=[{'Key': 'domain-name-servers', 'Values': ['10.${octet}.0.2', '9.9.9.9']}, {'Key': 'domain-name', 'Values': ['${prefix}.internal']}])['DhcpOptions']['DhcpOptionsId']
ec2.associate_dhcp_options(DhcpOptionsId=dopt, VpcId='${net.vpcId}')
print(json.dumps({'igw': igw, 'rtb': rtb, 'assoc': assoc, 'dopt': dopt}))
`),
    );
    Object.assign(net, { gatewayId: out['igw'], routeTableId: out['rtb'], associationId: out['assoc'], dhcpOptionsId: out['dopt'] });

    const { routers } = await os.neutron.get<{ routers: Json[] }>('routers', { name: net.vpcId! });
    expect(routers[0]!['external_gateway_info'].network_id).toBe(fixtures().publicNetworkId);
    const [pub, priv] = await Promise.all([neutronSubnet(net.publicSubnetId!), neutronSubnet(net.privateSubnetId!)]);
    expect(pub).toMatchObject({ gateway_ip: `10.${octet}.1.1`, host_routes: [], dns_nameservers: [`10.${octet}.0.2`, '9.9.9.9'] });
    expect(priv).toMatchObject({ gateway_ip: null, host_routes: [{ destination: '169.254.169.254/32', nexthop: `10.${octet}.2.1` }] });
    expect(priv!['dns_nameservers']).toEqual([`10.${octet}.0.2`, '9.9.9.9']);
  });

  it('is described the same way by @aws-sdk/client-ec2, with filters', async () => {
    const { Vpcs = [] } = await demo.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:Name', Values: [prefix] }] }));
    expect(Vpcs.map((v) => [v.VpcId, v.DhcpOptionsId, v.CidrBlock])).toEqual([[net.vpcId, net.dhcpOptionsId, VPC_CIDR]]);
    const { Subnets = [] } = await demo.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [net.vpcId!] }] }));
    expect(Subnets.map((s) => s.SubnetId).sort()).toEqual([net.publicSubnetId, net.privateSubnetId].sort());
    const { InternetGateways = [] } = await demo.send(new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [net.vpcId!] }] }));
    expect(InternetGateways.map((g) => g.InternetGatewayId)).toEqual([net.gatewayId]);
    const { RouteTables = [] } = await demo.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [net.vpcId!] }] }));
    expect(RouteTables).toHaveLength(2);
    const main = RouteTables.find((t) => t.Associations?.some((a) => a.Main))!;
    expect(main.Routes).toEqual([{ DestinationCidrBlock: VPC_CIDR, GatewayId: 'local', Origin: 'CreateRouteTable', State: 'active' }]);
    const pub = RouteTables.find((t) => t.RouteTableId === net.routeTableId)!;
    expect(pub.Associations).toEqual([
      { Main: false, RouteTableAssociationId: net.associationId, RouteTableId: net.routeTableId, SubnetId: net.publicSubnetId, AssociationState: { State: 'associated' } },
    ]);
    expect(pub.Routes?.map((r) => [r.DestinationCidrBlock, r.GatewayId, r.State])).toEqual([
      [VPC_CIDR, 'local', 'active'],
      ['0.0.0.0/0', net.gatewayId, 'active'],
    ]);
    const byRoute = await demo.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'route.gateway-id', Values: [net.gatewayId!] }, { Name: 'association.subnet-id', Values: [net.publicSubnetId!] }] }));
    expect(byRoute.RouteTables?.map((t) => t.RouteTableId)).toEqual([net.routeTableId]);
    // The SDK's paginator over pages of 5 sees every table once (ours among the project's).
    const paged: string[] = [];
    for await (const page of paginateDescribeRouteTables({ client: demo, pageSize: 5 }, {})) paged.push(...(page.RouteTables ?? []).map((t) => t.RouteTableId!));
    expect(new Set(paged).size).toBe(paged.length);
    expect(paged).toEqual(expect.arrayContaining(RouteTables.map((t) => t.RouteTableId)));
    expect(await sdkError(demo.send(new DescribeRouteTablesCommand({ MaxResults: 101 })))).toBe('InvalidParameterValue');
    const { DhcpOptions = [] } = await demo.send(new DescribeDhcpOptionsCommand({ DhcpOptionsIds: [net.dhcpOptionsId!] }));
    expect(DhcpOptions[0]!.DhcpConfigurations).toEqual([
      { Key: 'domain-name-servers', Values: [{ Value: `10.${octet}.0.2` }, { Value: '9.9.9.9' }] },
      { Key: 'domain-name', Values: [{ Value: `${prefix}.internal` }] },
    ]);
    const tags = await demo.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [net.vpcId!, net.gatewayId!] }] }));
    expect(tags.Tags?.map((t) => [t.ResourceId, t.ResourceType, t.Value]).sort()).toEqual(
      [
        [net.gatewayId, 'internet-gateway', prefix],
        [net.vpcId, 'vpc', prefix],
      ].sort(),
    );
  });

  it('runs instances in both tiers, with a public address in the public one', async () => {
    ok(awsCli(['modify-subnet-attribute', '--subnet-id', net.publicSubnetId!, '--map-public-ip-on-launch']));
    const shown = await demo.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'map-public-ip-on-launch', Values: ['true'] }, { Name: 'vpc-id', Values: [net.vpcId!] }] }));
    expect(shown.Subnets?.map((s) => s.SubnetId)).toEqual([net.publicSubnetId]);
    const imageId = await amiId(demo);
    const ids: string[] = [];
    for (const subnetId of [net.publicSubnetId!, net.privateSubnetId!]) {
      const run = await demo.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: 'm1.tiny' as _InstanceType, MinCount: 1, MaxCount: 1, SubnetId: subnetId }));
      ids.push(run.Instances![0]!.InstanceId!);
      net.instanceIds = [...ids];
    }
    // A tool that names the interface (Terraform does) gets the subnet's public address too.
    const viaInterface = await demo.send(
      new RunInstancesCommand({
        ImageId: imageId,
        InstanceType: 'm1.tiny' as _InstanceType,
        MinCount: 1,
        MaxCount: 1,
        NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: net.publicSubnetId! }],
      }),
    );
    const interfaceId = viaInterface.Instances![0]!.InstanceId!;
    net.instanceIds = [...ids, interfaceId];
    await waitUntilInstanceRunning(waiter, { InstanceIds: net.instanceIds });
    const { Reservations = [] } = await demo.send(new DescribeInstancesCommand({ InstanceIds: net.instanceIds }));
    const instances = Reservations.flatMap((r) => r.Instances ?? []);
    expect(instances.map((i) => [i.VpcId, i.SubnetId]).sort()).toEqual(
      [
        [net.vpcId, net.publicSubnetId],
        [net.vpcId, net.publicSubnetId],
        [net.vpcId, net.privateSubnetId],
      ].sort(),
    );
    expect(instances.find((i) => i.InstanceId === interfaceId)!.PublicIpAddress).toBeDefined();
    const inPublic = instances.find((i) => i.InstanceId === ids[0])!;
    expect(inPublic.PrivateIpAddress).toMatch(new RegExp(`^10\\.${octet}\\.1\\.`));
    expect(instances.find((i) => i.SubnetId === net.privateSubnetId)!.PublicIpAddress).toBeUndefined();
    // The public address is a floating IP on the public network, on the instance's port.
    const { floatingips } = await os.neutron.get<{ floatingips: Json[] }>('floatingips', { floating_ip_address: inPublic.PublicIpAddress! });
    expect(floatingips).toHaveLength(1);
    expect(floatingips[0]).toMatchObject({ floating_network_id: fixtures().publicNetworkId, fixed_ip_address: inPublic.PrivateIpAddress });
    publicAddress = inPublic.PublicIpAddress!;
    const byVpc = await demo.send(new DescribeInstancesCommand({ Filters: [{ Name: 'vpc-id', Values: [net.vpcId!] }] }));
    expect(byVpc.Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId).sort()).toEqual([...net.instanceIds].sort());
    const { Subnets = [] } = await demo.send(new DescribeSubnetsCommand({ SubnetIds: [net.publicSubnetId!] }));
    expect(Subnets[0]!.AvailableIpAddressCount).toBe(249);
  });

  it('is invisible to the alt project, by id and by listing', async () => {
    expect(await sdkError(alt.send(new DescribeVpcsCommand({ VpcIds: [net.vpcId!] })))).toBe('InvalidVpcID.NotFound');
    expect(await sdkError(alt.send(new DescribeSubnetsCommand({ SubnetIds: [net.publicSubnetId!] })))).toBe('InvalidSubnetID.NotFound');
    expect(await sdkError(alt.send(new DescribeRouteTablesCommand({ RouteTableIds: [net.routeTableId!] })))).toBe('InvalidRouteTableID.NotFound');
    expect(await sdkError(alt.send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [net.gatewayId!] })))).toBe('InvalidInternetGatewayID.NotFound');
    expect(await sdkError(alt.send(new DescribeDhcpOptionsCommand({ DhcpOptionsIds: [net.dhcpOptionsId!] })))).toBe('InvalidDhcpOptionID.NotFound');
    expect(await sdkError(alt.send(new DeleteSubnetCommand({ SubnetId: net.privateSubnetId! })))).toBe('InvalidSubnetID.NotFound');
    const listed = await alt.send(new DescribeVpcsCommand({}));
    expect(listed.Vpcs?.map((v) => v.VpcId)).not.toContain(net.vpcId);
    const subnets = await alt.send(new DescribeSubnetsCommand({}));
    expect(subnets.Subnets?.map((s) => s.SubnetId)).not.toContain(net.publicSubnetId);
    const attach = awsCli(['attach-internet-gateway', '--internet-gateway-id', net.gatewayId!, '--vpc-id', net.vpcId!], 'alt');
    expect(cliError(attach)).toBe('InvalidInternetGatewayID.NotFound');
  });

  it('refuses a teardown in the wrong order with DependencyViolation', () => {
    const refused = [
      awsCli(['delete-vpc', '--vpc-id', net.vpcId!]),
      awsCli(['delete-subnet', '--subnet-id', net.privateSubnetId!]),
      awsCli(['delete-internet-gateway', '--internet-gateway-id', net.gatewayId!]),
      awsCli(['delete-route-table', '--route-table-id', net.routeTableId!]),
      awsCli(['delete-dhcp-options', '--dhcp-options-id', net.dhcpOptionsId!]),
    ];
    expect(refused.map(cliError)).toEqual(Array(5).fill('DependencyViolation'));
  });

  it("is torn down in a user's order and leaves nothing in Neutron or the table", async () => {
    const routerId = (await os.neutron.get<{ routers: Array<{ id: string }> }>('routers', { name: net.vpcId! })).routers[0]!.id;
    const networkIds = await Promise.all([net.publicSubnetId!, net.privateSubnetId!].map(async (id) => (await neutronSubnet(id))!['network_id'] as string));
    await demo.send(new TerminateInstancesCommand({ InstanceIds: net.instanceIds! }));
    await waitUntilInstanceTerminated(waiter, { InstanceIds: net.instanceIds! });
    for (const args of [
      ['disassociate-route-table', '--association-id', net.associationId!],
      ['delete-route-table', '--route-table-id', net.routeTableId!],
      ['associate-dhcp-options', '--dhcp-options-id', 'default', '--vpc-id', net.vpcId!],
      ['delete-dhcp-options', '--dhcp-options-id', net.dhcpOptionsId!],
      ['detach-internet-gateway', '--internet-gateway-id', net.gatewayId!, '--vpc-id', net.vpcId!],
      ['delete-internet-gateway', '--internet-gateway-id', net.gatewayId!],
      ['delete-subnet', '--subnet-id', net.publicSubnetId!],
      ['delete-subnet', '--subnet-id', net.privateSubnetId!],
      ['delete-vpc', '--vpc-id', net.vpcId!],
    ]) {
      ok(awsCli(args));
    }
    const ids = { ...net };
    for (const key of Object.keys(net)) delete net[key as keyof Network];

    expect(await neutronGet(`routers/${routerId}`)).toBeUndefined();
    const { floatingips } = await os.neutron.get<{ floatingips: Json[] }>('floatingips', { floating_ip_address: publicAddress });
    expect(floatingips).toEqual([]);
    for (const id of networkIds) expect(await neutronGet(`networks/${id}`)).toBeUndefined();
    expect(await sdkError(demo.send(new DescribeVpcsCommand({ VpcIds: [ids.vpcId!] })))).toBe('InvalidVpcID.NotFound');
    expect(await sdkError(demo.send(new DescribeSubnetsCommand({ SubnetIds: [ids.publicSubnetId!] })))).toBe('InvalidSubnetID.NotFound');
    expect(await sdkError(demo.send(new DescribeRouteTablesCommand({ RouteTableIds: [ids.routeTableId!] })))).toBe('InvalidRouteTableID.NotFound');
    expect(await sdkError(demo.send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [ids.gatewayId!] })))).toBe('InvalidInternetGatewayID.NotFound');
    expect(await sdkError(demo.send(new DescribeDhcpOptionsCommand({ DhcpOptionsIds: [ids.dhcpOptionsId!] })))).toBe('InvalidDhcpOptionID.NotFound');
    const tags = await demo.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [ids.vpcId!, ids.gatewayId!] }] }));
    expect(tags.Tags).toEqual([]);
    const routeTables = await demo.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [ids.vpcId!] }] }));
    expect(routeTables.RouteTables).toEqual([]);
  });
});

describe('the default VPC', () => {
  it('is what an infrastructure tool finds, and where instances without a subnet go', async () => {
    // Ansible's ec2_instance, Terraform's aws provider: the account's default VPC, then its subnets.
    const attrs = await demo.send(new DescribeAccountAttributesCommand({ AttributeNames: ['default-vpc'] }));
    const defaultVpcId = attrs.AccountAttributes![0]!.AttributeValues![0]!.AttributeValue!;
    const { Vpcs = [] } = await demo.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
    expect(Vpcs.map((v) => v.VpcId)).toEqual([defaultVpcId]);
    const { Subnets = [] } = await demo.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [defaultVpcId] }, { Name: 'default-for-az', Values: ['true'] }] }));
    expect(Subnets.length).toBeGreaterThan(0);
    const gateways = await demo.send(new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [defaultVpcId] }] }));
    expect(gateways.InternetGateways).toHaveLength(1);

    // The operator's setting keeps default subnets from mapping public addresses here: turn it on
    // for the subnet as a user would, launch without a subnet, read the public address.
    const subnetId = Subnets[0]!.SubnetId!;
    const mapped = Subnets[0]!.MapPublicIpOnLaunch!;
    ok(awsCli(['modify-subnet-attribute', '--subnet-id', subnetId, '--map-public-ip-on-launch']));
    let publicIp: string | undefined;
    let id: string | undefined;
    try {
      const run = await demo.send(
        new RunInstancesCommand({
          ImageId: await amiId(demo),
          InstanceType: 'm1.tiny' as _InstanceType,
          MinCount: 1,
          MaxCount: 1,
          TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'suite', Value: prefix }] }],
        }),
      );
      id = run.Instances![0]!.InstanceId!;
      await waitUntilInstanceRunning(waiter, { InstanceIds: [id] });
      const { Reservations = [] } = await demo.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
      const instance = Reservations[0]!.Instances![0]!;
      expect(instance.VpcId).toBe(defaultVpcId);
      expect(Subnets.map((s) => s.SubnetId)).toContain(instance.SubnetId);
      publicIp = instance.PublicIpAddress;
      expect(publicIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(instance.NetworkInterfaces?.[0]?.Association?.PublicIp).toBe(publicIp);
    } finally {
      ok(awsCli(['modify-subnet-attribute', '--subnet-id', subnetId, mapped ? '--map-public-ip-on-launch' : '--no-map-public-ip-on-launch']));
      if (id) {
        await demo.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
        await waitUntilInstanceTerminated(waiter, { InstanceIds: [id] });
      }
    }
    // Terminating released the floating IP.
    const { floatingips } = await os.neutron.get<{ floatingips: Json[] }>('floatingips', { floating_ip_address: publicIp! });
    expect(floatingips).toEqual([]);
    // The other project has its own default VPC.
    const altAttrs = await alt.send(new DescribeAccountAttributesCommand({ AttributeNames: ['default-vpc'] }));
    expect(altAttrs.AccountAttributes![0]!.AttributeValues![0]!.AttributeValue).not.toBe(defaultVpcId);
    expect(cliError(awsCli(['create-default-vpc']))).toBe('DefaultVpcAlreadyExists');
  });
});

describe('bad input', () => {
  it("answers AWS's codes, never a 500, and creates nothing", async () => {
    const codes = {
      wide: cliError(awsCli(['create-vpc', '--cidr-block', '10.0.0.0/8'])),
      narrow: cliError(awsCli(['create-vpc', '--cidr-block', '10.0.0.0/29'])),
      malformed: cliError(awsCli(['create-vpc', '--cidr-block', '10.0.0.300/16'])),
      hostBits: cliError(awsCli(['create-vpc', '--cidr-block', '10.0.0.1/16'])),
      unknownVpc: cliError(awsCli(['create-subnet', '--vpc-id', 'vpc-00000000000000000', '--cidr-block', '10.0.0.0/24'])),
      malformedVpc: cliError(awsCli(['describe-vpcs', '--vpc-ids', 'subnet-00000000'])),
      unknownSubnet: cliError(awsCli(['delete-subnet', '--subnet-id', 'subnet-00000000000000000'])),
      unknownTable: cliError(awsCli(['delete-route-table', '--route-table-id', 'rtb-00000000000000000'])),
      unknownGateway: cliError(awsCli(['delete-internet-gateway', '--internet-gateway-id', 'igw-00000000000000000'])),
      unknownOptions: cliError(awsCli(['delete-dhcp-options', '--dhcp-options-id', 'dopt-00000000000000000'])),
      badFilter: cliError(awsCli(['describe-subnets', '--filters', 'Name=colour,Values=blue'])),
      dryRun: cliError(awsCli(['create-vpc', '--cidr-block', '10.9.0.0/16', '--dry-run'])),
    };
    expect(codes).toEqual({
      wide: 'InvalidVpc.Range',
      narrow: 'InvalidVpc.Range',
      malformed: 'InvalidParameterValue',
      hostBits: 'InvalidParameterValue',
      unknownVpc: 'InvalidVpcID.NotFound',
      malformedVpc: 'InvalidVpcID.Malformed',
      unknownSubnet: 'InvalidSubnetID.NotFound',
      unknownTable: 'InvalidRouteTableID.NotFound',
      unknownGateway: 'InvalidInternetGatewayID.NotFound',
      unknownOptions: 'InvalidDhcpOptionID.NotFound',
      badFilter: 'InvalidParameterValue',
      dryRun: 'DryRunOperation',
    });

    const vpcId = ok(awsCli(['create-vpc', '--cidr-block', '10.8.0.0/16'])).Vpc.VpcId as string;
    try {
      const subnetId = ok(awsCli(['create-subnet', '--vpc-id', vpcId, '--cidr-block', '10.8.0.0/24'])).Subnet.SubnetId as string;
      const subnetCodes = [
        cliError(awsCli(['create-subnet', '--vpc-id', vpcId, '--cidr-block', '10.8.0.128/25'])),
        cliError(awsCli(['create-subnet', '--vpc-id', vpcId, '--cidr-block', '10.9.0.0/24'])),
        cliError(awsCli(['create-subnet', '--vpc-id', vpcId, '--cidr-block', '10.8.1.0/29'])),
        cliError(awsCli(['create-subnet', '--vpc-id', vpcId, '--cidr-block', '10.8.1.0/24', '--availability-zone', 'mars-1a'])),
      ];
      expect(subnetCodes).toEqual(['InvalidSubnet.Conflict', 'InvalidSubnet.Range', 'InvalidSubnet.Range', 'InvalidParameterValue']);
      const { Subnets = [] } = await demo.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }));
      expect(Subnets.map((s) => s.SubnetId)).toEqual([subnetId]);
      const main = (await demo.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).RouteTables![0]!;
      const routeCodes = [
        cliError(awsCli(['delete-route', '--route-table-id', main.RouteTableId!, '--destination-cidr-block', '10.8.0.0/16'])),
        cliError(awsCli(['delete-route', '--route-table-id', main.RouteTableId!, '--destination-cidr-block', '0.0.0.0/0'])),
        cliError(awsCli(['create-route', '--route-table-id', main.RouteTableId!, '--destination-cidr-block', '0.0.0.0/0', '--gateway-id', 'igw-00000000000000000'])),
        cliError(awsCli(['disassociate-route-table', '--association-id', main.Associations![0]!.RouteTableAssociationId!])),
        await sdkError(demo.send(new AssociateRouteTableCommand({ RouteTableId: main.RouteTableId!, SubnetId: 'subnet-00000000000000000' }))),
      ];
      expect(routeCodes).toEqual(['InvalidParameterValue', 'InvalidRoute.NotFound', 'InvalidInternetGatewayID.NotFound', 'InvalidParameterValue', 'InvalidSubnetID.NotFound']);
      const badOptions = await sdkError(demo.send(new CreateDhcpOptionsCommand({ DhcpConfigurations: [{ Key: 'colour', Values: ['blue'] }] })));
      expect(badOptions).toBe('InvalidParameterValue');
      ok(awsCli(['delete-subnet', '--subnet-id', subnetId]));
    } finally {
      ok(awsCli(['delete-vpc', '--vpc-id', vpcId]));
    }
    const { routers } = await os.neutron.get<{ routers: unknown[] }>('routers', { name: vpcId });
    expect(routers).toEqual([]);
  });
});
