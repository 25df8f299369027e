/**
 * CreateDefaultVpc in a project without a network of its own (nothing to adopt): AWS's default VPC
 * is built in Neutron. Then a launch into it that needs a public address the project may not have
 * (floating IP quota 0) fails with AddressLimitExceeded and leaves no server or port behind, and
 * the default VPC is torn down to nothing.
 */
import {
  CreateDefaultVpcCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteInternetGatewayCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DetachInternetGatewayCommand,
  DescribeAccountAttributesCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  ModifySubnetAttributeCommand,
  RunInstancesCommand,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amiId, novaServers, ownProject, type OwnProject } from './instances-fixtures.js';
import { fixtures } from './support/env.js';
import { openstackAs } from './support/openstack.js';

let own: OwnProject;
const failure = (promise: Promise<unknown>) => promise.then(() => 'accepted', (e: { Code?: string; name?: string }) => e.Code ?? e.name);

beforeAll(async () => {
  own = await ownProject('vpcdef', { instances: 5 });
  const admin = await openstackAs('admin');
  await admin.neutron.put(`quotas/${own.projectId}`, { quota: { floatingip: 0 } });
}, 120_000);

afterAll(async () => {
  await own?.remove();
});

const defaultVpcAttribute = async () =>
  (await own.client.send(new DescribeAccountAttributesCommand({ AttributeNames: ['default-vpc'] }))).AccountAttributes![0]!.AttributeValues![0]!.AttributeValue;

describe('CreateDefaultVpc with nothing to adopt', () => {
  it("builds AWS's default VPC, refuses a public address beyond the quota, and is torn down to nothing", async () => {
    expect(await defaultVpcAttribute()).toBe('none');
    const { Vpc } = await own.client.send(new CreateDefaultVpcCommand({}));
    expect(Vpc).toMatchObject({ CidrBlock: '172.31.0.0/16', IsDefault: true, State: 'available' });
    const vpcId = Vpc!.VpcId!;
    expect(await defaultVpcAttribute()).toBe(vpcId);
    expect(await failure(own.client.send(new CreateDefaultVpcCommand({})))).toBe('DefaultVpcAlreadyExists');

    const { Subnets = [] } = await own.client.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }));
    expect(Subnets.length).toBeGreaterThan(0);
    expect(Subnets.every((s) => s.DefaultForAz && s.CidrBlock!.endsWith('/20'))).toBe(true);
    const { InternetGateways = [] } = await own.client.send(new DescribeInternetGatewaysCommand({}));
    expect(InternetGateways.map((g) => g.Attachments)).toEqual([[{ State: 'available', VpcId: vpcId }]]);
    const { RouteTables = [] } = await own.client.send(new DescribeRouteTablesCommand({}));
    expect(RouteTables[0]!.Routes?.map((r) => [r.DestinationCidrBlock, r.GatewayId])).toEqual([
      ['172.31.0.0/16', 'local'],
      ['0.0.0.0/0', InternetGateways[0]!.InternetGatewayId],
    ]);
    const { routers } = await own.os.neutron.get<{ routers: Array<{ id: string; name: string; external_gateway_info: { network_id: string } | null }> }>('routers');
    expect(routers.map((r) => [r.name, r.external_gateway_info?.network_id])).toEqual([[vpcId, fixtures().publicNetworkId]]);

    // A public address on launch, beyond the project's floating IP quota: refused, rolled back.
    const subnet = Subnets[0]!;
    await own.client.send(new ModifySubnetAttributeCommand({ SubnetId: subnet.SubnetId!, MapPublicIpOnLaunch: { Value: true } }));
    const launch = own.client.send(
      new RunInstancesCommand({ ImageId: await amiId(own.client), InstanceType: 'm1.tiny' as _InstanceType, MinCount: 1, MaxCount: 1 }),
    );
    expect(await failure(launch)).toBe('AddressLimitExceeded');
    expect(await novaServers(own.os)).toEqual([]);
    const { ports } = await own.os.neutron.get<{ ports: Array<{ device_owner: string }> }>('ports', { project_id: own.projectId });
    expect(ports.filter((p) => p.device_owner === '' || p.device_owner.startsWith('compute:'))).toEqual([]);

    // Torn down as a user would (aws cli has no "delete default VPC": the same calls as any VPC).
    const gatewayId = InternetGateways[0]!.InternetGatewayId!;
    for (const s of Subnets) await own.client.send(new DeleteSubnetCommand({ SubnetId: s.SubnetId! }));
    await own.client.send(new DetachInternetGatewayCommand({ InternetGatewayId: gatewayId, VpcId: vpcId }));
    await own.client.send(new DeleteInternetGatewayCommand({ InternetGatewayId: gatewayId }));
    await own.client.send(new DeleteVpcCommand({ VpcId: vpcId }));
    expect(await defaultVpcAttribute()).toBe('none');
    expect((await own.os.neutron.get<{ routers: unknown[] }>('routers')).routers).toEqual([]);
    expect((await own.os.neutron.get<{ networks: unknown[] }>('networks', { project_id: own.projectId })).networks).toEqual([]);
  });

  it('rolls a create back when Neutron refuses a later step (quotas), leaving nothing behind', async () => {
    const admin = await openstackAs('admin');
    await admin.neutron.put(`quotas/${own.projectId}`, { quota: { router: 1, subnet: 0 } });
    const vpcId = (await own.client.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))).Vpc!.VpcId!;
    try {
      // The network is made, its subnet refused: the network goes again.
      expect(await failure(own.client.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.20.1.0/24' })))).toBe('SubnetLimitExceeded');
      expect((await own.os.neutron.get<{ networks: unknown[] }>('networks', { project_id: own.projectId })).networks).toEqual([]);
      expect((await own.client.send(new DescribeSubnetsCommand({}))).Subnets).toEqual([]);
      expect(await failure(own.client.send(new CreateVpcCommand({ CidrBlock: '10.21.0.0/16' })))).toBe('VpcLimitExceeded');
      expect((await own.os.neutron.get<{ routers: unknown[] }>('routers')).routers).toHaveLength(1);
    } finally {
      await own.client.send(new DeleteVpcCommand({ VpcId: vpcId }));
    }
    expect((await own.os.neutron.get<{ routers: unknown[] }>('routers')).routers).toEqual([]);
  });
});
