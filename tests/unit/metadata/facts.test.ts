/**
 * The metadata facts come from the EC2 view DescribeInstances shows: built here through the
 * instances family's own formatting (formatInstance) from a Nova server, its ports and volumes.
 */
import { describe, expect, it } from 'vitest';
import { diskAfter, factsOf } from '../../../functions/metadata/facts.js';
import { asMemberSees } from '../../../functions/metadata/lookup.js';
import { formatInstance } from '../../../lib/domain/instances/instance-model.js';
import type { Related } from '../../../lib/domain/instances/instance-related.js';
import type { LaunchRecord } from '../../../lib/domain/instances/launch-record.js';
import type { NeutronPort, NeutronSubnet } from '../../../lib/openstack/neutron.js';
import type { NovaServer } from '../../../lib/openstack/nova.js';

const TENANT = 'p1';

const server: NovaServer = {
  id: 'srv-1',
  name: 'vm',
  status: 'ACTIVE',
  tenant_id: TENANT,
  user_id: 'u1',
  image: { id: 'img-uuid' },
  flavor: { original_name: 'm1.small', vcpus: 1, ram: 2048, disk: 20, ephemeral: 5, swap: 0 },
  created: '2026-01-01T10:00:00Z',
  updated: '2026-01-01T10:00:05Z',
  addresses: {},
  key_name: 'k1',
  'OS-EXT-AZ:availability_zone': 'az1',
  'OS-SRV-USG:launched_at': '2026-01-01T10:00:03.000000',
  'OS-EXT-STS:vm_state': 'active',
  'os-extended-volumes:volumes_attached': [{ id: 'vol-uuid', delete_on_termination: false }],
};

const ports: NeutronPort[] = [
  {
    id: 'port-0',
    name: '',
    network_id: 'net-uuid',
    project_id: TENANT,
    mac_address: 'fa:16:3e:00:00:01',
    admin_state_up: true,
    status: 'ACTIVE',
    device_id: 'srv-1',
    device_owner: 'compute:az1',
    fixed_ips: [
      { subnet_id: 'subnet-uuid', ip_address: '10.0.0.5' },
      { subnet_id: 'subnet-uuid', ip_address: '10.0.0.6' },
      { subnet_id: 'subnet6-uuid', ip_address: 'fd00::5' },
    ],
    security_groups: ['sg-uuid'],
    created_at: '2026-01-01T10:00:01Z',
  },
  {
    id: 'port-1',
    name: '',
    network_id: 'net-uuid',
    project_id: TENANT,
    mac_address: 'fa:16:3e:00:00:02',
    admin_state_up: true,
    status: 'ACTIVE',
    device_id: 'srv-1',
    device_owner: 'compute:az1',
    fixed_ips: [{ subnet_id: 'subnet-uuid', ip_address: '10.0.0.9' }],
    security_groups: [],
    created_at: '2026-01-01T10:00:02Z',
  },
];

const related: Related = {
  portsByServer: new Map([['srv-1', ports]]),
  floatingIpsByPort: new Map([
    ['port-0', [{ id: 'fip', floating_ip_address: '172.24.4.7', floating_network_id: 'pub', port_id: 'port-0', fixed_ip_address: '10.0.0.5', project_id: TENANT, status: 'DOWN' }]],
  ]),
  securityGroups: new Map([['sg-uuid', { id: 'sg-uuid', name: 'web', project_id: TENANT }]]),
  volumes: new Map([['vol-uuid', { id: 'vol-uuid', status: 'in-use', attachments: [{ server_id: 'srv-1', device: '/dev/vdc', attached_at: '2026-01-01T10:00:04Z' }] }]]),
  images: new Map([['img-uuid', undefined]]),
  launches: new Map(),
  ids: {
    image: new Map([['img-uuid', 'ami-00000000000000001']]),
    kernel: new Map(),
    ramdisk: new Map(),
    subnet: new Map([
      ['subnet-uuid', 'subnet-00000000000000001'],
      ['subnet6-uuid', 'subnet-00000000000000002'],
    ]),
    vpc: new Map([['net-uuid', 'vpc-00000000000000001']]),
    securityGroup: new Map([['sg-uuid', 'sg-00000000000000001']]),
    volume: new Map([['vol-uuid', 'vol-00000000000000001']]),
    port: new Map([
      ['port-0', 'eni-00000000000000001'],
      ['port-1', 'eni-00000000000000002'],
    ]),
  },
};

const launch: LaunchRecord = {
  instanceId: 'i-00000000000000001',
  serverId: 'srv-1',
  origin: 'ec2',
  reservationId: 'r-00000000000000001',
  launchIndex: 2,
  keyName: 'k1',
  userData: Buffer.from('hello').toString('base64'),
  rootDeviceName: '/dev/vda',
  rootDeviceType: 'instance-store',
};

const subnets = new Map<string, NeutronSubnet>([
  ['subnet-uuid', { id: 'subnet-uuid', name: '', network_id: 'net-uuid', project_id: TENANT, ip_version: 4, cidr: '10.0.0.0/24', gateway_ip: '10.0.0.1' }],
  ['subnet6-uuid', { id: 'subnet6-uuid', name: '', network_id: 'net-uuid', project_id: TENANT, ip_version: 6, cidr: 'fd00::/64', gateway_ip: null }],
]);

const view = formatInstance({ server, ec2Id: 'i-00000000000000001', tags: [], launch, related, deps: { projectId: TENANT, region: 'RegionOne' } });
const facts = factsOf(view, { userData: launch.userData, publicKey: 'ssh-ed25519 AAAA k1', subnets, region: 'RegionOne' });

describe('metadata facts', () => {
  it('take every id and value from the EC2 instance view', () => {
    const i = view.instance;
    expect(facts.instanceId).toBe(i.InstanceId);
    expect(facts.reservationId).toBe(view.reservationId);
    expect(facts.launchIndex).toBe(i.AmiLaunchIndex);
    expect(facts.imageId).toBe(i.ImageId);
    expect(facts.instanceType).toBe(i.InstanceType);
    expect(facts.availabilityZone).toBe(i.Placement?.AvailabilityZone);
    expect(facts.privateIp).toBe(i.PrivateIpAddress);
    expect(facts.privateDnsName).toBe(i.PrivateDnsName);
    expect(facts.publicIp).toBe(i.PublicIpAddress);
    expect(facts.keyName).toBe(i.KeyName);
    expect(facts.securityGroupNames).toEqual(i.SecurityGroups?.map((g) => g.GroupName));
    expect(facts.ownerId).toBe(TENANT);
    expect(facts.launchTime).toBe('2026-01-01T10:00:03Z');
    expect(facts).toMatchObject({
      instanceId: 'i-00000000000000001',
      reservationId: 'r-00000000000000001',
      launchIndex: 2,
      imageId: 'ami-00000000000000001',
      instanceType: 'm1.small',
      privateIp: '10.0.0.5',
      publicIp: '172.24.4.7',
      securityGroupNames: ['web'],
    });
  });

  it('describe each interface as DescribeInstances does, plus the subnet blocks', () => {
    const nics = view.instance.NetworkInterfaces!;
    expect(facts.interfaces.map((n) => n.interfaceId)).toEqual(nics.map((n) => n.NetworkInterfaceId));
    expect(facts.interfaces[0]).toEqual({
      mac: 'fa:16:3e:00:00:01',
      deviceNumber: 0,
      interfaceId: 'eni-00000000000000001',
      ownerId: TENANT,
      privateDnsName: 'ip-10-0-0-5.RegionOne.compute.internal',
      localIpv4s: ['10.0.0.5', '10.0.0.6'],
      ipv6s: ['fd00::5'],
      ipv4Associations: [{ publicIp: '172.24.4.7', privateIp: '10.0.0.5' }],
      publicDnsName: undefined,
      securityGroupIds: ['sg-00000000000000001'],
      securityGroupNames: ['web'],
      subnetId: 'subnet-00000000000000001',
      subnetIpv4Cidr: '10.0.0.0/24',
      subnetIpv6Cidrs: ['fd00::/64'],
      vpcId: 'vpc-00000000000000001',
    });
    expect(facts.interfaces[1]).toMatchObject({ deviceNumber: 1, mac: 'fa:16:3e:00:00:02', localIpv4s: ['10.0.0.9'], securityGroupIds: [] });
  });

  it('name the root device, the other EBS volumes and the flavor’s local disk', () => {
    expect(facts.rootDeviceName).toBe('/dev/vda');
    expect(facts.ebsDevices).toEqual(['/dev/vdc']);
    expect(facts.ephemeralDevices).toEqual(['vdb']);
    expect(facts.swapDevice).toBeUndefined();
  });

  it('number disks after the root as Nova does', () => {
    expect(diskAfter('/dev/vda', 1)).toBe('vdb');
    expect(diskAfter('/dev/sda1', 1)).toBe('sdb');
    expect(diskAfter('/dev/xvda', 2)).toBe('xvdc');
  });
});

describe('the server as a member sees it', () => {
  it('drops what only an admin reads, keeps the hostname (public since 2.90)', () => {
    const admin = {
      ...server,
      'OS-EXT-SRV-ATTR:root_device_name': '/dev/vda',
      'OS-EXT-SRV-ATTR:kernel_id': 'k',
      'OS-EXT-SRV-ATTR:user_data': 'aGk=',
      'OS-EXT-SRV-ATTR:reservation_id': 'r-nova',
      'OS-EXT-SRV-ATTR:hostname': 'vm',
      'OS-EXT-SRV-ATTR:host': 'compute-1',
      host_status: 'UP',
    } as NovaServer;
    const member = asMemberSees(admin) as unknown as Record<string, unknown>;
    expect(Object.keys(member).filter((k) => k.startsWith('OS-EXT-SRV-ATTR:'))).toEqual(['OS-EXT-SRV-ATTR:hostname']);
    expect(member['host_status']).toBeUndefined();
    expect(member['OS-EXT-AZ:availability_zone']).toBe('az1');
  });
});
