/**
 * Elastic IP addresses with real clients: allocated with the aws cli, associated with boto3 to a web
 * instance in a subnet routed to an internet gateway, moved to a second instance with
 * @aws-sdk/client-ec2 and AllowReassociation, disassociated and released; each step checked in
 * Neutron (the floating IP's port and fixed address) and against DescribeInstances. Then AWS's
 * errors, the alt project, the gateway requirement, and termination (the address stays allocated).
 */
import {
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DisassociateAddressCommand,
  ReleaseAddressCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  waitUntilInstanceRunning,
  waitUntilInstanceTerminated,
  type Instance,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amiId } from './instances-fixtures.js';
import { awsCli, boto3, ec2Client, ok, cliError, sdkError, type Json } from './support/clients.js';
import { fixtures, uniqueName } from './support/env.js';
import { openstackAs, type DirectOpenStack } from './support/openstack.js';

const demo = ec2Client('demo');
const alt = ec2Client('alt');
const prefix = uniqueName('eip');
const waiter = { client: demo, maxWaitTime: 300, minDelay: 2, maxDelay: 5 };
const octet = 100 + Math.floor(Math.random() * 100);


const net: { vpcId?: string; subnetId?: string; gatewayId?: string; attached?: boolean; instanceIds?: string[] } = {};
let allocationId = '';
let publicIp = '';
let floatingIpId = '';
let os: DirectOpenStack;

async function floatingIp(): Promise<Json | undefined> {
  try {
    return (await os.neutron.get<{ floatingip: Json }>(`floatingips/${floatingIpId}`)).floatingip;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}

async function instance(id: string): Promise<Instance> {
  const { Reservations = [] } = await demo.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return Reservations[0]!.Instances![0]!;
}

async function address() {
  const { Addresses = [] } = await demo.send(new DescribeAddressesCommand({ AllocationIds: [allocationId] }));
  return Addresses[0]!;
}

/** What Neutron says the address points at, and what DescribeInstances and DescribeAddresses say, agree. */
async function expectAssociatedWith(instanceId: string) {
  const target = await instance(instanceId);
  const primary = target.NetworkInterfaces![0]!;
  expect(await floatingIp()).toMatchObject({ fixed_ip_address: target.PrivateIpAddress, floating_ip_address: publicIp });
  const { ports } = await os.neutron.get<{ ports: Json[] }>('ports', { id: (await floatingIp())!['port_id'] });
  expect(ports[0]!['device_id']).toBeDefined();
  expect(target.PublicIpAddress).toBe(publicIp);
  expect(primary.Association?.PublicIp).toBe(publicIp);
  const shown = await address();
  expect(shown).toMatchObject({
    InstanceId: instanceId,
    NetworkInterfaceId: primary.NetworkInterfaceId,
    PrivateIpAddress: target.PrivateIpAddress,
    PublicIp: publicIp,
    Domain: 'vpc',
  });
  return shown.AssociationId!;
}

beforeAll(async () => {
  os = await openstackAs('demo');
  net.vpcId = ok(awsCli(['create-vpc', '--cidr-block', `10.${octet}.0.0/16`])).Vpc.VpcId;
  net.subnetId = ok(awsCli(['create-subnet', '--vpc-id', net.vpcId!, '--cidr-block', `10.${octet}.1.0/24`])).Subnet.SubnetId;
  net.gatewayId = ok(awsCli(['create-internet-gateway'])).InternetGateway.InternetGatewayId;
  ok(awsCli(['attach-internet-gateway', '--internet-gateway-id', net.gatewayId!, '--vpc-id', net.vpcId!]));
  net.attached = true;
  const main = ok(awsCli(['describe-route-tables', '--filters', `Name=vpc-id,Values=${net.vpcId}`])).RouteTables[0].RouteTableId;
  ok(awsCli(['create-route', '--route-table-id', main, '--destination-cidr-block', '0.0.0.0/0', '--gateway-id', net.gatewayId!]));
  const run = await demo.send(
    new RunInstancesCommand({ ImageId: await amiId(demo), InstanceType: 'm1.tiny' as _InstanceType, MinCount: 2, MaxCount: 2, SubnetId: net.subnetId }),
  );
  net.instanceIds = run.Instances!.map((i) => i.InstanceId!);
  await waitUntilInstanceRunning(waiter, { InstanceIds: net.instanceIds });
}, 400_000);

afterAll(async () => {
  // Best effort, in a user's order, when a test failed half way.
  if (net.instanceIds?.length) {
    await demo.send(new TerminateInstancesCommand({ InstanceIds: net.instanceIds })).catch(() => undefined);
    await waitUntilInstanceTerminated(waiter, { InstanceIds: net.instanceIds }).catch(() => undefined);
  }
  if (allocationId) awsCli(['release-address', '--allocation-id', allocationId]);
  if (net.attached) awsCli(['detach-internet-gateway', '--internet-gateway-id', net.gatewayId!, '--vpc-id', net.vpcId!]);
  if (net.gatewayId) awsCli(['delete-internet-gateway', '--internet-gateway-id', net.gatewayId]);
  if (net.subnetId) awsCli(['delete-subnet', '--subnet-id', net.subnetId]);
  if (net.vpcId) awsCli(['delete-vpc', '--vpc-id', net.vpcId]);
  const { routers } = await os.neutron.get<{ routers: Json[] }>('routers', { name: net.vpcId! });
  expect(routers).toEqual([]);
}, 400_000);

describe('an Elastic IP address', () => {
  it('is allocated with the aws cli as a floating IP on the external network, with tags', async () => {
    const allocated = ok(awsCli(['allocate-address', '--domain', 'vpc', '--tag-specifications', `ResourceType=elastic-ip,Tags=[{Key=Name,Value=${prefix}}]`]));
    allocationId = allocated.AllocationId;
    publicIp = allocated.PublicIp;
    expect(allocated).toMatchObject({ Domain: 'vpc', AllocationId: expect.stringMatching(/^eipalloc-[0-9a-f]{17}$/) });
    const { floatingips } = await os.neutron.get<{ floatingips: Json[] }>('floatingips', { floating_ip_address: publicIp });
    expect(floatingips).toHaveLength(1);
    floatingIpId = floatingips[0]!['id'];
    expect(floatingips[0]).toMatchObject({ floating_network_id: fixtures().publicNetworkId, port_id: null });
    const listed = ok(awsCli(['describe-addresses', '--filters', `Name=tag:Name,Values=${prefix}`])).Addresses;
    expect(listed).toEqual([expect.objectContaining({ AllocationId: allocationId, PublicIp: publicIp, Tags: [{ Key: 'Name', Value: prefix }] })]);
    expect(listed[0].AssociationId).toBeUndefined();
    const byIp = ok(awsCli(['describe-addresses', '--public-ips', publicIp])).Addresses;
    expect(byIp.map((a: Json) => a.AllocationId)).toEqual([allocationId]);
  });

  it('is associated with the web instance with boto3, as Neutron and DescribeInstances show', async () => {
    const [web] = net.instanceIds!;
    const out = ok(
      boto3(`
first = ec2.associate_address(AllocationId='${allocationId}', InstanceId='${web}')['AssociationId']
again = ec2.associate_address(AllocationId='${allocationId}', InstanceId='${web}')['AssociationId']
found = ec2.describe_addresses(Filters=[{'Name': 'association-id', 'Values': [first]}])['Addresses']
print(json.dumps({'first': first, 'again': again, 'found': [a['AllocationId'] for a in found]}))
`),
    );
    expect(out['first']).toMatch(/^eipassoc-[0-9a-f]{17}$/);
    expect(out['again']).toBe(out['first']);
    expect(out['found']).toEqual([allocationId]);
    expect(await expectAssociatedWith(web!)).toBe(out['first']);
    const byInstance = await demo.send(new DescribeAddressesCommand({ Filters: [{ Name: 'instance-id', Values: [web!] }] }));
    expect(byInstance.Addresses?.map((a) => a.AllocationId)).toEqual([allocationId]);
  });

  it('moves to another instance only with AllowReassociation (@aws-sdk/client-ec2), with a new association id', async () => {
    const [web, other] = net.instanceIds!;
    const before = (await address()).AssociationId!;
    expect(await sdkError(demo.send(new AssociateAddressCommand({ AllocationId: allocationId, InstanceId: other })))).toBe('Resource.AlreadyAssociated');
    expect(await expectAssociatedWith(web!)).toBe(before);
    const moved = await demo.send(new AssociateAddressCommand({ AllocationId: allocationId, InstanceId: other, AllowReassociation: true }));
    expect(moved.AssociationId).not.toBe(before);
    expect(await expectAssociatedWith(other!)).toBe(moved.AssociationId);
    expect((await instance(web!)).PublicIpAddress).toBeUndefined();
    // The old association is over; the interface form names the same association.
    expect(await sdkError(demo.send(new DisassociateAddressCommand({ AssociationId: before })))).toBe('InvalidAssociationID.NotFound');
    const target = await instance(other!);
    const viaInterface = await demo.send(
      new AssociateAddressCommand({ AllocationId: allocationId, NetworkInterfaceId: target.NetworkInterfaces![0]!.NetworkInterfaceId, PrivateIpAddress: target.PrivateIpAddress }),
    );
    expect(viaInterface.AssociationId).toBe(moved.AssociationId);
  });

  it("answers AWS's errors and changes nothing", async () => {
    const [, other] = net.instanceIds!;
    expect(cliError(awsCli(['release-address', '--allocation-id', allocationId]))).toBe('InvalidIPAddress.InUse');
    expect(cliError(awsCli(['disassociate-address', '--public-ip', publicIp]))).toBe('InvalidParameterValue');
    expect(cliError(awsCli(['release-address', '--public-ip', publicIp]))).toBe('InvalidParameterValue');
    expect(cliError(awsCli(['associate-address', '--public-ip', publicIp, '--instance-id', other!]))).toBe('InvalidParameterCombination');
    expect(cliError(awsCli(['allocate-address', '--domain', 'standard']))).toBe('InvalidParameterValue');
    expect(cliError(awsCli(['describe-addresses', '--allocation-ids', 'eipalloc-0123456789abcdef0']))).toBe('InvalidAllocationID.NotFound');
    expect(cliError(awsCli(['describe-addresses', '--allocation-ids', 'vol-0123456789abcdef0']))).toBe('InvalidAllocationID.Malformed');
    expect(cliError(awsCli(['describe-addresses', '--public-ips', '203.0.113.200']))).toBe('InvalidAddress.NotFound');
    expect(cliError(awsCli(['disassociate-address', '--association-id', 'eipassoc-0123456789abcdef0']))).toBe('InvalidAssociationID.NotFound');
    expect(cliError(awsCli(['associate-address', '--allocation-id', allocationId, '--instance-id', 'i-0123456789abcdef0']))).toBe('InvalidInstanceID.NotFound');
    expect(cliError(awsCli(['associate-address', '--allocation-id', allocationId, '--instance-id', other!, '--private-ip-address', '192.0.2.1']))).toBe(
      'InvalidParameterValue',
    );
    expect(cliError(awsCli(['associate-address', '--allocation-id', allocationId]))).toBe('MissingParameter');
    expect(cliError(awsCli(['associate-address', '--allocation-id', allocationId, '--instance-id', other!, '--allow-reassociation', '--dry-run']))).toBe(
      'DryRunOperation',
    );
    expect(await expectAssociatedWith(other!)).toBeDefined();
  });

  it('is invisible and untouchable for the alt project', async () => {
    const [, other] = net.instanceIds!;
    const associationId = (await address()).AssociationId!;
    expect(await sdkError(alt.send(new DescribeAddressesCommand({ AllocationIds: [allocationId] })))).toBe('InvalidAllocationID.NotFound');
    expect(await sdkError(alt.send(new DescribeAddressesCommand({ PublicIps: [publicIp] })))).toBe('InvalidAddress.NotFound');
    const listed = await alt.send(new DescribeAddressesCommand({}));
    expect(listed.Addresses?.map((a) => a.PublicIp)).not.toContain(publicIp);
    expect(await sdkError(alt.send(new ReleaseAddressCommand({ AllocationId: allocationId })))).toBe('InvalidAllocationID.NotFound');
    expect(await sdkError(alt.send(new DisassociateAddressCommand({ AssociationId: associationId })))).toBe('InvalidAssociationID.NotFound');
    expect(cliError(awsCli(['associate-address', '--allocation-id', allocationId, '--instance-id', other!], 'alt'))).toBe('InvalidAllocationID.NotFound');
    expect(await expectAssociatedWith(other!)).toBe(associationId);
  });

  it('is disassociated with the aws cli, and cannot be associated while the VPC has no internet gateway', async () => {
    const [web] = net.instanceIds!;
    const associationId = (await address()).AssociationId!;
    ok(awsCli(['disassociate-address', '--association-id', associationId]));
    expect(await floatingIp()).toMatchObject({ port_id: null, fixed_ip_address: null });
    const shown = await address();
    expect([shown.AssociationId, shown.InstanceId, shown.NetworkInterfaceId]).toEqual([undefined, undefined, undefined]);
    expect(cliError(awsCli(['disassociate-address', '--association-id', associationId]))).toBe('InvalidAssociationID.NotFound');

    ok(awsCli(['detach-internet-gateway', '--internet-gateway-id', net.gatewayId!, '--vpc-id', net.vpcId!]));
    net.attached = false;
    expect(cliError(awsCli(['associate-address', '--allocation-id', allocationId, '--instance-id', web!]))).toBe('Gateway.NotAttached');
    expect(await floatingIp()).toMatchObject({ port_id: null });
    ok(awsCli(['attach-internet-gateway', '--internet-gateway-id', net.gatewayId!, '--vpc-id', net.vpcId!]));
    net.attached = true;
  });

  it('stays allocated, disassociated, when its instance is terminated; then it is released', async () => {
    const [web] = net.instanceIds!;
    await demo.send(new AssociateAddressCommand({ AllocationId: allocationId, InstanceId: web }));
    await expectAssociatedWith(web!);
    await demo.send(new TerminateInstancesCommand({ InstanceIds: [web!] }));
    await waitUntilInstanceTerminated(waiter, { InstanceIds: [web!] });
    expect(await floatingIp()).toMatchObject({ port_id: null, floating_ip_address: publicIp });
    const shown = await address();
    expect(shown).toMatchObject({ AllocationId: allocationId, PublicIp: publicIp });
    expect([shown.AssociationId, shown.InstanceId]).toEqual([undefined, undefined]);

    ok(awsCli(['release-address', '--allocation-id', allocationId]));
    expect(await floatingIp()).toBeUndefined();
    expect(cliError(awsCli(['describe-addresses', '--allocation-ids', allocationId]))).toBe('InvalidAllocationID.NotFound');
    const listed = await demo.send(new DescribeAddressesCommand({ Filters: [{ Name: 'tag:Name', Values: [prefix] }] }));
    expect(listed.Addresses).toEqual([]);
    allocationId = '';
  });
});
