/**
 * Network interfaces with real clients (issue 12's acceptance): a web tier (80 and 22 from
 * anywhere) and a db tier (5432 from the web group) with an instance each, an Elastic IP on the web
 * instance, a second interface with two secondary addresses attached to the web instance, the
 * address moved to the db instance with AllowReassociation; each step checked in Neutron (rules,
 * ports, fixed IPs, floating IP associations) and against DescribeInstances. Then the attributes,
 * detach, termination (DeleteOnTermination), an existing interface at launch, the alt project, and
 * teardown with nothing left in Neutron or the table.
 */
import {
  AssignPrivateIpAddressesCommand,
  AttachNetworkInterfaceCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  waitUntilInstanceRunning,
  waitUntilInstanceTerminated,
  type Instance,
  type NetworkInterface,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amiId } from './instances-fixtures.js';
import { awsCli, boto3, ec2Client, ok, cliError, sdkError, type Json } from './support/clients.js';
import { endpointInfo, profileOf, uniqueName } from './support/env.js';
import { eventually, freeAddresses, openstackAs, type DirectOpenStack } from './support/openstack.js';

const demo = ec2Client('demo');
const alt = ec2Client('alt');
const prefix = uniqueName('eni');
const waiter = { client: demo, maxWaitTime: 300, minDelay: 2, maxDelay: 5 };
const octet = 100 + Math.floor(Math.random() * 100);


const s: {
  vpcId?: string;
  webSubnet?: string;
  dbSubnet?: string;
  gatewayId?: string;
  attached?: boolean;
  webGroup?: string;
  dbGroup?: string;
  web?: string;
  db?: string;
  launched?: string;
  altInstance?: string;
  allocationId?: string;
  publicIp?: string;
  eni?: string;
  /** The second interface's primary address and the secondary one named later: free ones of the web subnet. */
  eniAddress?: string;
  secondaryAddress?: string;
  spare?: string;
  attachmentId?: string;
} = {};
const interfaces: string[] = [];
/** Every interface made here, with its port: nothing of them may be left in the table at the end. */
const everMade = new Map<string, string>();
let os: DirectOpenStack;

// The state table is read directly, configured as the server is (before anything reads the configuration).
Object.assign(process.env, endpointInfo().serverEnv);
async function demoTable() {
  const { storeFor } = await import('../../lib/store/project-store.js');
  return storeFor(profileOf('demo').projectId);
}

async function port(eniId: string): Promise<Json | undefined> {
  const { NetworkInterfaces = [] } = await demo.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId] }));
  const mac = NetworkInterfaces[0]?.MacAddress;
  const { ports } = await os.neutron.get<{ ports: Json[] }>('ports', { mac_address: mac! });
  return ports[0];
}

async function portNamed(eniId: string): Promise<Json | undefined> {
  return (await os.neutron.get<{ ports: Json[] }>('ports', { name: eniId })).ports[0];
}

async function eni(id: string): Promise<NetworkInterface> {
  return (await demo.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [id] }))).NetworkInterfaces![0]!;
}

async function instance(id: string): Promise<Instance> {
  const { Reservations = [] } = await demo.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return Reservations[0]!.Instances![0]!;
}

async function floatingIp(): Promise<Json> {
  const { floatingips } = await os.neutron.get<{ floatingips: Json[] }>('floatingips', { floating_ip_address: s.publicIp! });
  return floatingips[0]!;
}

/** DescribeInstances shows every interface of the instance exactly as DescribeNetworkInterfaces does. */
async function expectSameViews(instanceId: string) {
  const shown = (await instance(instanceId)).NetworkInterfaces ?? [];
  const { NetworkInterfaces = [] } = await demo.send(
    new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [instanceId] }] }),
  );
  expect(NetworkInterfaces).toHaveLength(shown.length);
  for (const ni of shown) {
    const same = NetworkInterfaces.find((n) => n.NetworkInterfaceId === ni.NetworkInterfaceId)!;
    expect(same).toBeDefined();
    expect(same).toMatchObject({
      SubnetId: ni.SubnetId,
      VpcId: ni.VpcId,
      MacAddress: ni.MacAddress,
      PrivateIpAddress: ni.PrivateIpAddress,
      SourceDestCheck: ni.SourceDestCheck,
      Status: ni.Status,
      Description: ni.Description,
    });
    expect(same.Groups).toEqual(ni.Groups);
    expect(same.PrivateIpAddresses!.map((a) => [a.PrivateIpAddress, a.Primary, a.Association?.PublicIp])).toEqual(
      ni.PrivateIpAddresses!.map((a) => [a.PrivateIpAddress, a.Primary, a.Association?.PublicIp]),
    );
    expect(same.Attachment).toMatchObject({
      AttachmentId: ni.Attachment!.AttachmentId,
      DeviceIndex: ni.Attachment!.DeviceIndex,
      DeleteOnTermination: ni.Attachment!.DeleteOnTermination,
      InstanceId: instanceId,
      Status: 'attached',
    });
  }
  return shown;
}

beforeAll(async () => {
  os = await openstackAs('demo');
  s.vpcId = ok(awsCli(['create-vpc', '--cidr-block', `10.${octet}.0.0/16`])).Vpc.VpcId;
  s.webSubnet = ok(awsCli(['create-subnet', '--vpc-id', s.vpcId!, '--cidr-block', `10.${octet}.1.0/24`])).Subnet.SubnetId;
  s.dbSubnet = ok(awsCli(['create-subnet', '--vpc-id', s.vpcId!, '--cidr-block', `10.${octet}.2.0/24`])).Subnet.SubnetId;
  s.gatewayId = ok(awsCli(['create-internet-gateway'])).InternetGateway.InternetGatewayId;
  ok(awsCli(['attach-internet-gateway', '--internet-gateway-id', s.gatewayId!, '--vpc-id', s.vpcId!]));
  s.attached = true;
  const main = ok(awsCli(['describe-route-tables', '--filters', `Name=vpc-id,Values=${s.vpcId}`])).RouteTables[0].RouteTableId;
  ok(awsCli(['create-route', '--route-table-id', main, '--destination-cidr-block', '0.0.0.0/0', '--gateway-id', s.gatewayId!]));
  s.webGroup = ok(awsCli(['create-security-group', '--vpc-id', s.vpcId!, '--group-name', `${prefix}-web`, '--description', 'web tier'])).GroupId;
  s.dbGroup = ok(awsCli(['create-security-group', '--vpc-id', s.vpcId!, '--group-name', `${prefix}-db`, '--description', 'db tier'])).GroupId;
  ok(awsCli(['authorize-security-group-ingress', '--group-id', s.webGroup!, '--ip-permissions', 'IpProtocol=tcp,FromPort=80,ToPort=80,IpRanges=[{CidrIp=0.0.0.0/0}]', 'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=0.0.0.0/0}]']));
  ok(awsCli(['authorize-security-group-ingress', '--group-id', s.dbGroup!, '--ip-permissions', `IpProtocol=tcp,FromPort=5432,ToPort=5432,UserIdGroupPairs=[{GroupId=${s.webGroup}}]`]));
  const image = await amiId(demo);
  const launch = (subnet: string, group: string) =>
    demo.send(new RunInstancesCommand({ ImageId: image, InstanceType: 'm1.tiny' as _InstanceType, MinCount: 1, MaxCount: 1, SubnetId: subnet, SecurityGroupIds: [group] }));
  // The alt project's instance (for the isolation checks) is launched meanwhile.
  const altRun = alt.send(new RunInstancesCommand({ ImageId: await amiId(alt), InstanceType: 'm1.tiny' as _InstanceType, MinCount: 1, MaxCount: 1 }));
  const [web, db, altInstance] = await Promise.all([launch(s.webSubnet!, s.webGroup!), launch(s.dbSubnet!, s.dbGroup!), altRun]);
  s.web = web.Instances![0]!.InstanceId!;
  s.db = db.Instances![0]!.InstanceId!;
  s.altInstance = altInstance.Instances![0]!.InstanceId!;
  await Promise.all([
    waitUntilInstanceRunning(waiter, { InstanceIds: [s.web, s.db] }),
    waitUntilInstanceRunning({ ...waiter, client: alt }, { InstanceIds: [s.altInstance] }),
  ]);
}, 600_000);

afterAll(async () => {
  // Best effort, in a user's order, when a test failed half way.
  const instances = [s.web, s.db, s.launched].filter((id): id is string => Boolean(id));
  if (instances.length) {
    await demo.send(new TerminateInstancesCommand({ InstanceIds: instances })).catch(() => undefined);
    await waitUntilInstanceTerminated(waiter, { InstanceIds: instances }).catch(() => undefined);
  }
  if (s.altInstance) {
    await alt.send(new TerminateInstancesCommand({ InstanceIds: [s.altInstance] })).catch(() => undefined);
    await waitUntilInstanceTerminated({ ...waiter, client: alt }, { InstanceIds: [s.altInstance] }).catch(() => undefined);
  }
  for (const id of interfaces) awsCli(['delete-network-interface', '--network-interface-id', id]);
  if (s.allocationId) awsCli(['release-address', '--allocation-id', s.allocationId]);
  for (const group of [s.dbGroup, s.webGroup]) if (group) awsCli(['delete-security-group', '--group-id', group]);
  if (s.attached) awsCli(['detach-internet-gateway', '--internet-gateway-id', s.gatewayId!, '--vpc-id', s.vpcId!]);
  if (s.gatewayId) awsCli(['delete-internet-gateway', '--internet-gateway-id', s.gatewayId]);
  for (const subnet of [s.webSubnet, s.dbSubnet]) if (subnet) awsCli(['delete-subnet', '--subnet-id', subnet]);
  if (s.vpcId) awsCli(['delete-vpc', '--vpc-id', s.vpcId]);
  // Nothing of ours is left in Neutron: no port named by our interfaces, no router of the VPC.
  for (const id of interfaces) expect(await portNamed(id)).toBeUndefined();
  // Nor in the table: no id mapping in either direction, no tags, no primary address record.
  const { existingEc2Id, uuidOf } = await import('../../lib/store/ids.js');
  const { tagsOf } = await import('../../lib/store/tags.js');
  const table = await demoTable();
  expect(everMade.size).toBe(2);
  for (const [id, portId] of everMade) {
    expect(await uuidOf(table, id), id).toBeUndefined();
    expect(await existingEc2Id(table, 'network-interface', portId), portId).toBeUndefined();
    expect((await tagsOf(table, [id])).get(id) ?? []).toEqual([]);
    expect(await table.get(`eniprimary#${portId}`)).toBeUndefined();
  }
  const { routers } = await os.neutron.get<{ routers: Json[] }>('routers', { name: s.vpcId! });
  expect(routers).toEqual([]);
}, 600_000);

describe('network interfaces of a two-tier VPC', () => {
  it('has the tiers\' rules in Neutron', async () => {
    const groups = ok(awsCli(['describe-security-groups', '--group-ids', s.webGroup!, s.dbGroup!])).SecurityGroups as Json[];
    const web = groups.find((g) => g.GroupId === s.webGroup)!;
    const db = groups.find((g) => g.GroupId === s.dbGroup)!;
    const named = async (name: string) => (await os.neutron.get<{ security_groups: Json[] }>('security-groups', { name })).security_groups[0]!;
    const [neutronWeb, neutronDb] = await Promise.all([named(`${prefix}-web`), named(`${prefix}-db`)]);
    const ingress = (g: Json) => (g['security_group_rules'] as Json[]).filter((r) => r['direction'] === 'ingress');
    expect(ingress(neutronWeb).map((r) => [r['protocol'], r['port_range_min'], r['remote_ip_prefix']]).sort()).toEqual([
      ['tcp', 22, '0.0.0.0/0'],
      ['tcp', 80, '0.0.0.0/0'],
    ]);
    expect(ingress(neutronDb).map((r) => [r['protocol'], r['port_range_min'], r['remote_group_id']])).toEqual([['tcp', 5432, neutronWeb['id']]]);
    expect(web.IpPermissions).toHaveLength(2);
    expect(db.IpPermissions[0].UserIdGroupPairs[0].GroupId).toBe(s.webGroup);
    // Each instance's primary interface is its port, in its tier's group.
    const [webNi] = await expectSameViews(s.web!);
    expect(webNi!.Groups!.map((g) => g.GroupId)).toEqual([s.webGroup]);
    expect((await port(webNi!.NetworkInterfaceId!))!['security_groups']).toEqual([neutronWeb['id']]);
    expect(webNi!.Attachment).toMatchObject({ DeviceIndex: 0, DeleteOnTermination: true });
  });

  it('gives the web instance an Elastic IP (boto3), on its primary port in Neutron', async () => {
    const out = ok(
      boto3(`
a = ec2.allocate_address(Domain='vpc')
assoc = ec2.associate_address(AllocationId=a['AllocationId'], InstanceId='${s.web}')
print(json.dumps({'allocation': a['AllocationId'], 'ip': a['PublicIp'], 'association': assoc['AssociationId']}))
`),
    );
    s.allocationId = out['allocation'];
    s.publicIp = out['ip'];
    const web = await instance(s.web!);
    const fip = await floatingIp();
    expect(fip['fixed_ip_address']).toBe(web.PrivateIpAddress);
    expect(fip['port_id']).toBe((await port(web.NetworkInterfaces![0]!.NetworkInterfaceId!))!['id']);
    const primary = await eni(web.NetworkInterfaces![0]!.NetworkInterfaceId!);
    expect(primary.Association).toMatchObject({ PublicIp: s.publicIp, AllocationId: s.allocationId, AssociationId: out['association'] });
  });

  it('creates a second interface with the aws cli: a Neutron port on the subnet, in the web group, idempotent by client token', async () => {
    const webNetwork = (await port((await instance(s.web!)).NetworkInterfaces![0]!.NetworkInterfaceId!))!['network_id'] as string;
    [s.eniAddress, s.secondaryAddress] = await freeAddresses(os, webNetwork, `10.${octet}.1.0/24`, 2);
    const address = s.eniAddress!;
    const token = uniqueName('token');
    const args = [
      'create-network-interface', '--subnet-id', s.webSubnet!, '--private-ip-address', address, '--groups', s.webGroup!,
      '--description', 'second interface', '--client-token', token,
      '--tag-specifications', `ResourceType=network-interface,Tags=[{Key=Name,Value=${prefix}}]`,
    ];
    const made = ok(awsCli(args)).NetworkInterface;
    s.eni = made.NetworkInterfaceId;
    interfaces.push(s.eni!);
    expect(made).toMatchObject({
      NetworkInterfaceId: expect.stringMatching(/^eni-[0-9a-f]{17}$/),
      SubnetId: s.webSubnet,
      VpcId: s.vpcId,
      PrivateIpAddress: address,
      Description: 'second interface',
      Status: 'available',
      SourceDestCheck: true,
      Groups: [{ GroupId: s.webGroup, GroupName: `${prefix}-web` }],
      TagSet: [{ Key: 'Name', Value: prefix }],
    });
    const neutronPort = (await portNamed(s.eni!))!;
    everMade.set(s.eni!, neutronPort['id']);
    expect(neutronPort['fixed_ips'].map((f: Json) => f['ip_address'])).toEqual([address]);
    expect(neutronPort['device_id']).toBe('');
    // A retry answers the same interface; the same token with other parameters is refused.
    expect(ok(awsCli(args)).NetworkInterface.NetworkInterfaceId).toBe(s.eni);
    expect(cliError(awsCli([...args.slice(0, -4), '--description', 'other', '--client-token', token]))).toBe('IdempotentParameterMismatch');
    const listed = ok(awsCli(['describe-network-interfaces', '--filters', `Name=tag:Name,Values=${prefix}`])).NetworkInterfaces;
    expect(listed.map((n: Json) => n.NetworkInterfaceId)).toEqual([s.eni]);
    // Refusals leave nothing behind in Neutron.
    const before = (await os.neutron.get<{ ports: Json[] }>('ports', { network_id: neutronPort['network_id'] })).ports.length;
    expect(cliError(awsCli(['create-network-interface', '--subnet-id', s.webSubnet!, '--private-ip-address', address]))).toBe('InvalidIPAddress.InUse');
    expect(cliError(awsCli(['create-network-interface', '--subnet-id', s.webSubnet!, '--private-ip-address', `10.${octet}.2.9`]))).toBe('InvalidParameterValue');
    expect(cliError(awsCli(['create-network-interface', '--subnet-id', s.webSubnet!, '--groups', 'sg-0123456789abcdef0']))).toBe('InvalidGroup.NotFound');
    expect((await os.neutron.get<{ ports: Json[] }>('ports', { network_id: neutronPort['network_id'] })).ports.length).toBe(before);
  });

  it('assigns two secondary addresses with @aws-sdk/client-ec2, as fixed IPs of the port', async () => {
    const named = s.secondaryAddress!;
    const first = await demo.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: s.eni, PrivateIpAddresses: [named] }));
    const second = await demo.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: s.eni, SecondaryPrivateIpAddressCount: 1 }));
    expect(first.AssignedPrivateIpAddresses).toEqual([{ PrivateIpAddress: named }]);
    expect(second.AssignedPrivateIpAddresses).toHaveLength(1);
    const fixed = (await portNamed(s.eni!))!['fixed_ips'].map((f: Json) => f['ip_address']);
    const picked = second.AssignedPrivateIpAddresses![0]!.PrivateIpAddress!;
    expect([...fixed].sort()).toEqual([s.eniAddress, named, picked].sort());
    // The primary stays the primary, whatever order Neutron lists the addresses in.
    const shown = await eni(s.eni!);
    expect(shown.PrivateIpAddress).toBe(s.eniAddress);
    expect(shown.PrivateIpAddresses!.map((a) => [a.PrivateIpAddress, a.Primary])).toEqual([
      [s.eniAddress, true],
      ...fixed.filter((ip: string) => ip !== s.eniAddress).map((ip: string) => [ip, false]),
    ]);
    expect(await sdkError(demo.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: s.eni, PrivateIpAddresses: [`10.${octet}.2.7`] })))).toBe('InvalidParameterValue');
    expect(await sdkError(demo.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: s.eni, SecondaryPrivateIpAddressCount: 60 })))).toBe('PrivateIpAddressLimitExceeded');
    // The web instance's primary address belongs to its primary interface: not movable.
    const webIp = (await instance(s.web!)).PrivateIpAddress!;
    expect(await sdkError(demo.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: s.eni, PrivateIpAddresses: [webIp] })))).toBe('InvalidIPAddress.InUse');
    expect(await sdkError(demo.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: s.eni, PrivateIpAddresses: [webIp], AllowReassignment: true })))).toBe('InvalidParameterValue');
  });

  it('attaches it to the web instance at device index 1 (Nova os-interface), shown alike by both describes', async () => {
    const attached = await demo.send(new AttachNetworkInterfaceCommand({ NetworkInterfaceId: s.eni, InstanceId: s.web, DeviceIndex: 1 }));
    s.attachmentId = attached.AttachmentId!;
    expect(s.attachmentId).toMatch(/^eni-attach-[0-9a-f]{17}$/);
    const servers = await os.nova.get<{ interfaceAttachments: Json[] }>(`servers/${(await port((await instance(s.web!)).NetworkInterfaces![0]!.NetworkInterfaceId!))!['device_id']}/os-interface`);
    expect(servers.interfaceAttachments.map((a) => a['port_id'])).toContain((await portNamed(s.eni!))!['id']);
    const shown = await expectSameViews(s.web!);
    expect(shown.map((n) => [n.NetworkInterfaceId === s.eni, n.Attachment!.DeviceIndex])).toEqual([
      [false, 0],
      [true, 1],
    ]);
    expect(shown[1]!.Attachment).toMatchObject({ AttachmentId: s.attachmentId, DeleteOnTermination: false });
    expect(shown[1]!.PrivateIpAddresses).toHaveLength(3);
    // In use: not attachable again, not deletable; the index is taken; the primary cannot go.
    expect(await sdkError(demo.send(new AttachNetworkInterfaceCommand({ NetworkInterfaceId: s.eni, InstanceId: s.db, DeviceIndex: 1 })))).toBe('InvalidNetworkInterface.InUse');
    expect(cliError(awsCli(['delete-network-interface', '--network-interface-id', s.eni!]))).toBe('InvalidNetworkInterface.InUse');
    expect(cliError(awsCli(['detach-network-interface', '--attachment-id', shown[0]!.Attachment!.AttachmentId!]))).toBe('OperationNotPermitted');
  });

  it('moves the Elastic IP to the second interface, then to the db instance with AllowReassociation', async () => {
    const secondary = s.secondaryAddress!;
    ok(awsCli(['associate-address', '--allocation-id', s.allocationId!, '--network-interface-id', s.eni!, '--private-ip-address', secondary, '--allow-reassociation']));
    expect(await floatingIp()).toMatchObject({ port_id: (await portNamed(s.eni!))!['id'], fixed_ip_address: secondary });
    const onEni = (await eni(s.eni!)).PrivateIpAddresses!.find((a) => a.PrivateIpAddress === secondary)!;
    expect(onEni.Association).toMatchObject({ PublicIp: s.publicIp, AllocationId: s.allocationId });
    await expectSameViews(s.web!);
    expect(cliError(awsCli(['associate-address', '--allocation-id', s.allocationId!, '--instance-id', s.db!]))).toBe('Resource.AlreadyAssociated');
    const moved = ok(
      boto3(`print(json.dumps(ec2.associate_address(AllocationId='${s.allocationId}', InstanceId='${s.db}', AllowReassociation=True)))`),
    );
    const db = await instance(s.db!);
    expect(await floatingIp()).toMatchObject({ fixed_ip_address: db.PrivateIpAddress });
    expect(db.PublicIpAddress).toBe(s.publicIp);
    const dbNi = await eni(db.NetworkInterfaces![0]!.NetworkInterfaceId!);
    expect(dbNi.Association).toMatchObject({ PublicIp: s.publicIp, AssociationId: moved['AssociationId'] });
    expect((await eni(s.eni!)).PrivateIpAddresses!.every((a) => !a.Association)).toBe(true);
    const filtered = ok(awsCli(['describe-network-interfaces', '--filters', `Name=association.public-ip,Values=${s.publicIp}`])).NetworkInterfaces;
    expect(filtered.map((n: Json) => n.NetworkInterfaceId)).toEqual([dbNi.NetworkInterfaceId]);
  });

  it('changes and shows the attributes (description, sourceDestCheck, groups, DeleteOnTermination)', async () => {
    const id = s.eni!;
    const attr = (name: string) => ok(awsCli(['describe-network-interface-attribute', '--network-interface-id', id, '--attribute', name]));
    ok(awsCli(['modify-network-interface-attribute', '--network-interface-id', id, '--description', 'Value=changed']));
    expect(attr('description').Description.Value).toBe('changed');
    ok(awsCli(['modify-network-interface-attribute', '--network-interface-id', id, '--no-source-dest-check']));
    expect(attr('sourceDestCheck').SourceDestCheck.Value).toBe(false);
    const neutronPort = (await portNamed(id))!;
    expect(neutronPort['allowed_address_pairs'].map((p: Json) => p['ip_address'])).toContain('0.0.0.0/0');
    expect(neutronPort['port_security_enabled']).toBe(true);
    ok(awsCli(['reset-network-interface-attribute', '--network-interface-id', id, '--source-dest-check', 'sourceDestCheck']));
    expect(attr('sourceDestCheck').SourceDestCheck.Value).toBe(true);
    expect((await portNamed(id))!['allowed_address_pairs']).toEqual([]);
    ok(awsCli(['modify-network-interface-attribute', '--network-interface-id', id, '--groups', s.webGroup!, s.dbGroup!]));
    expect(attr('groupSet').Groups.map((g: Json) => g.GroupId).sort()).toEqual([s.webGroup, s.dbGroup].sort());
    expect((await portNamed(id))!['security_groups']).toHaveLength(2);
    expect(cliError(awsCli(['modify-network-interface-attribute', '--network-interface-id', id, '--groups', 'sg-0123456789abcdef0']))).toBe('InvalidGroup.NotFound');
    ok(awsCli(['modify-network-interface-attribute', '--network-interface-id', id, '--attachment', `AttachmentId=${s.attachmentId},DeleteOnTermination=true`]));
    expect(attr('attachment').Attachment).toMatchObject({ AttachmentId: s.attachmentId, DeleteOnTermination: true, DeviceIndex: 1 });
    expect(cliError(awsCli(['modify-network-interface-attribute', '--network-interface-id', id, '--attachment', 'AttachmentId=eni-attach-0123456789abcdef0,DeleteOnTermination=true']))).toBe('InvalidAttachmentID.NotFound');
    await expectSameViews(s.web!);
  });

  it('stays out of reach of the alt project', async () => {
    expect(await sdkError(alt.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [s.eni!] })))).toBe('InvalidNetworkInterfaceID.NotFound');
    const listed = (await alt.send(new DescribeNetworkInterfacesCommand({}))).NetworkInterfaces ?? [];
    expect(listed.map((n) => n.MacAddress)).not.toContain((await eni(s.eni!)).MacAddress);
    expect(await sdkError(alt.send(new AttachNetworkInterfaceCommand({ NetworkInterfaceId: s.eni, InstanceId: s.altInstance, DeviceIndex: 2 })))).toBe(
      'InvalidNetworkInterfaceID.NotFound',
    );
    expect(await sdkError(alt.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: s.eni, SecondaryPrivateIpAddressCount: 1 })))).toBe(
      'InvalidNetworkInterfaceID.NotFound',
    );
    expect(cliError(awsCli(['delete-network-interface', '--network-interface-id', s.eni!], 'alt'))).toBe('InvalidNetworkInterfaceID.NotFound');
    expect(cliError(awsCli(['detach-network-interface', '--attachment-id', s.attachmentId!], 'alt'))).toBe('InvalidAttachmentID.NotFound');
    // Our instance cannot take the alt project's interface either (its id is unknown here).
    const altPrimary = (await alt.send(new DescribeInstancesCommand({ InstanceIds: [s.altInstance!] }))).Reservations![0]!.Instances![0]!.NetworkInterfaces![0]!;
    expect(await sdkError(demo.send(new AttachNetworkInterfaceCommand({ NetworkInterfaceId: altPrimary.NetworkInterfaceId, InstanceId: s.web, DeviceIndex: 3 })))).toBe(
      'InvalidNetworkInterfaceID.NotFound',
    );
    expect((await portNamed(s.eni!))!['fixed_ips']).toHaveLength(3);
  });

  it('detaches (boto3) and unassigns; a spare interface attached with DeleteOnTermination false survives termination, the other goes', async () => {
    ok(boto3(`ec2.detach_network_interface(AttachmentId='${s.attachmentId}')\nprint('{}')`));
    expect((await eni(s.eni!)).Status).toBe('available');
    expect((await portNamed(s.eni!))!['device_id']).toBe('');
    expect((await instance(s.web!)).NetworkInterfaces).toHaveLength(1);
    // With one interface again, the instance's groupSet is its primary interface's groups.
    ok(awsCli(['modify-instance-attribute', '--instance-id', s.web!, '--groups', s.webGroup!, s.dbGroup!]));
    const primary = (await instance(s.web!)).NetworkInterfaces![0]!;
    expect((await port(primary.NetworkInterfaceId!))!['security_groups']).toHaveLength(2);
    expect((await eni(primary.NetworkInterfaceId!)).Groups!.map((g) => g.GroupId).sort()).toEqual([s.webGroup, s.dbGroup].sort());
    ok(awsCli(['modify-instance-attribute', '--instance-id', s.web!, '--groups', s.webGroup!]));
    const secondaries = (await eni(s.eni!)).PrivateIpAddresses!.filter((a) => !a.Primary).map((a) => a.PrivateIpAddress!);
    ok(awsCli(['unassign-private-ip-addresses', '--network-interface-id', s.eni!, '--private-ip-addresses', ...secondaries]));
    expect((await portNamed(s.eni!))!['fixed_ips']).toHaveLength(1);
    // Attach both again: this one to be deleted with the instance, a spare to be kept.
    s.spare = ok(awsCli(['create-network-interface', '--subnet-id', s.webSubnet!])).NetworkInterface.NetworkInterfaceId;
    interfaces.push(s.spare!);
    everMade.set(s.spare!, (await portNamed(s.spare!))!['id']);
    const again = ok(awsCli(['attach-network-interface', '--network-interface-id', s.eni!, '--instance-id', s.web!, '--device-index', '1'])).AttachmentId;
    ok(awsCli(['modify-network-interface-attribute', '--network-interface-id', s.eni!, '--attachment', `AttachmentId=${again},DeleteOnTermination=true`]));
    ok(awsCli(['attach-network-interface', '--network-interface-id', s.spare!, '--instance-id', s.web!, '--device-index', '2']));
    const shown = await expectSameViews(s.web!);
    expect(shown.map((n) => [n.NetworkInterfaceId, n.Attachment!.DeviceIndex, n.Attachment!.DeleteOnTermination])).toEqual([
      [shown[0]!.NetworkInterfaceId, 0, true],
      [s.eni, 1, true],
      [s.spare, 2, false],
    ]);
    // The address goes to the interface that will be deleted: it must come back disassociated, still allocated.
    ok(awsCli(['associate-address', '--allocation-id', s.allocationId!, '--network-interface-id', s.eni!, '--allow-reassociation']));
    const eniPortId = (await portNamed(s.eni!))!['id'];
    await demo.send(new TerminateInstancesCommand({ InstanceIds: [s.web!] }));
    await waitUntilInstanceTerminated(waiter, { InstanceIds: [s.web!] });
    await eventually(async () => ((await portNamed(s.spare!))?.['device_id'] === '' ? true : undefined), 'the spare port unbound', 60_000);
    expect((await os.neutron.get<{ ports: Json[] }>('ports', { id: eniPortId })).ports).toEqual([]);
    expect(await floatingIp()).toMatchObject({ port_id: null });
    expect(ok(awsCli(['describe-addresses', '--allocation-ids', s.allocationId!])).Addresses[0].AssociationId).toBeUndefined();
    expect((await eni(s.spare!)).Status).toBe('available');
    expect(await sdkError(demo.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [s.eni!] })))).toBe('InvalidNetworkInterfaceID.NotFound');
    interfaces.splice(interfaces.indexOf(s.eni!), 1);
    s.web = undefined;
  });

  it('launches an instance on the existing spare interface (NetworkInterface.N), which outlives it', async () => {
    const run = await demo.send(
      new RunInstancesCommand({
        ImageId: await amiId(demo),
        InstanceType: 'm1.tiny' as _InstanceType,
        MinCount: 1,
        MaxCount: 1,
        NetworkInterfaces: [{ DeviceIndex: 0, NetworkInterfaceId: s.spare }],
      }),
    );
    s.launched = run.Instances![0]!.InstanceId!;
    await waitUntilInstanceRunning(waiter, { InstanceIds: [s.launched] });
    const [primary] = await expectSameViews(s.launched);
    expect(primary).toMatchObject({ NetworkInterfaceId: s.spare, Attachment: expect.objectContaining({ DeviceIndex: 0, DeleteOnTermination: false }) });
    await demo.send(new TerminateInstancesCommand({ InstanceIds: [s.launched] }));
    await waitUntilInstanceTerminated(waiter, { InstanceIds: [s.launched] });
    await eventually(async () => ((await portNamed(s.spare!))?.['device_id'] === '' ? true : undefined), 'the spare port unbound', 60_000);
    expect((await eni(s.spare!)).Status).toBe('available');
    s.launched = undefined;
    ok(awsCli(['delete-network-interface', '--network-interface-id', s.spare!]));
    expect(await portNamed(s.spare!)).toBeUndefined();
    expect(cliError(awsCli(['describe-network-interfaces', '--network-interface-ids', s.spare!]))).toBe('InvalidNetworkInterfaceID.NotFound');
    interfaces.splice(interfaces.indexOf(s.spare!), 1);
  });
});
