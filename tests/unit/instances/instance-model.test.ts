import { describe, expect, it } from 'vitest';
import { attachmentIdOf, diskOf, formatInstance, privateDnsName } from '../../../lib/domain/instances/instance-model.js';
import type { Related } from '../../../lib/domain/instances/instance-related.js';
import type { LaunchRecord } from '../../../lib/domain/instances/launch-record.js';
import type { NeutronPort } from '../../../lib/openstack/neutron.js';
import type { NovaServer } from '../../../lib/openstack/nova.js';

const server = (extra: Partial<NovaServer> = {}): NovaServer => ({
  id: 'srv-1',
  name: 'r-abc-1',
  status: 'ACTIVE',
  tenant_id: 'p1',
  user_id: 'u1',
  image: { id: 'img-1' },
  flavor: { original_name: 'm1.tiny', vcpus: 2, ram: 512, disk: 1 },
  created: '2026-01-01T00:00:00Z',
  updated: '2026-01-01T00:01:00Z',
  addresses: {},
  key_name: 'k1',
  'OS-EXT-AZ:availability_zone': 'nova',
  'OS-SRV-USG:launched_at': '2026-01-01T00:00:30.000000',
  'OS-EXT-STS:vm_state': 'active',
  'OS-EXT-STS:task_state': null,
  'OS-EXT-STS:power_state': 1,
  'os-extended-volumes:volumes_attached': [],
  ...extra,
});

const port = (extra: Partial<NeutronPort> = {}): NeutronPort => ({
  id: 'port-1',
  name: '',
  network_id: 'net-1',
  project_id: 'p1',
  mac_address: 'fa:16:3e:00:00:01',
  admin_state_up: true,
  status: 'ACTIVE',
  device_id: 'srv-1',
  device_owner: 'compute:nova',
  fixed_ips: [{ subnet_id: 'sub-1', ip_address: '10.0.0.5' }],
  security_groups: ['sg-uuid'],
  allowed_address_pairs: [],
  port_security_enabled: true,
  created_at: '2026-01-01T00:00:10Z',
  ...extra,
});

const related = (extra: Partial<Related> = {}): Related => ({
  portsByServer: new Map([['srv-1', [port()]]]),
  floatingIpsByPort: new Map([
    ['port-1', [{ id: 'fip-1', floating_ip_address: '172.24.4.9', floating_network_id: 'ext', port_id: 'port-1', fixed_ip_address: '10.0.0.5', project_id: 'p1', status: 'DOWN' }]],
  ]),
  securityGroups: new Map([['sg-uuid', { id: 'sg-uuid', name: 'default', project_id: 'p1' }]]),
  volumes: new Map(),
  images: new Map([['img-1', { id: 'img-1', name: 'cirros', status: 'active', visibility: 'public', owner: 'x', disk_format: 'raw', container_format: 'bare', size: 1, created_at: '' }]]),
  launches: new Map(),
  ids: {
    image: new Map([['img-1', 'ami-00000000000000001']]),
    kernel: new Map(),
    ramdisk: new Map(),
    subnet: new Map([['sub-1', 'subnet-00000000000000001']]),
    vpc: new Map([['net-1', 'vpc-00000000000000001']]),
    securityGroup: new Map([['sg-uuid', 'sg-00000000000000001']]),
    volume: new Map([['vol-uuid', 'vol-00000000000000001']]),
    port: new Map([['port-1', 'eni-00000000000000001']]),
  },
  ...extra,
});

const launch = (extra: Partial<LaunchRecord> = {}): LaunchRecord => ({
  instanceId: 'i-00000000000000001',
  serverId: 'srv-1',
  origin: 'ec2',
  reservationId: 'r-00000000000000001',
  launchIndex: 2,
  clientToken: 'tok',
  ...extra,
});

const deps = { projectId: 'p1', region: 'RegionOne', metadataTokensRequired: false };

describe('a Nova server as an EC2 instance', () => {
  it('shows what Nova, Neutron, the ids and the launch record say', () => {
    const view = formatInstance({ server: server(), ec2Id: 'i-00000000000000001', tags: [{ Key: 'a', Value: 'b' }], launch: launch(), related: related(), deps });
    const i = view.instance;
    expect(view.reservationId).toBe('r-00000000000000001');
    expect(view.ownerId).toBe('p1');
    expect(i).toMatchObject({
      InstanceId: 'i-00000000000000001',
      ImageId: 'ami-00000000000000001',
      State: { Code: 16, Name: 'running' },
      InstanceType: 'm1.tiny',
      KeyName: 'k1',
      AmiLaunchIndex: 2,
      ClientToken: 'tok',
      PrivateIpAddress: '10.0.0.5',
      PrivateDnsName: 'ip-10-0-0-5.RegionOne.compute.internal',
      PublicIpAddress: '172.24.4.9',
      SubnetId: 'subnet-00000000000000001',
      VpcId: 'vpc-00000000000000001',
      Placement: { AvailabilityZone: 'nova', Tenancy: 'default' },
      SecurityGroups: [{ GroupId: 'sg-00000000000000001', GroupName: 'default' }],
      RootDeviceType: 'instance-store',
      RootDeviceName: '/dev/sda1',
      SourceDestCheck: true,
      CpuOptions: { CoreCount: 2, ThreadsPerCore: 1 },
      Tags: [{ Key: 'a', Value: 'b' }],
    });
    expect((i.LaunchTime as Date).toISOString()).toBe('2026-01-01T00:00:30.000Z');
    expect(i.NetworkInterfaces).toHaveLength(1);
    expect(i.NetworkInterfaces![0]).toMatchObject({
      NetworkInterfaceId: 'eni-00000000000000001',
      MacAddress: 'fa:16:3e:00:00:01',
      OwnerId: 'p1',
      Status: 'in-use',
      Association: { PublicIp: '172.24.4.9', IpOwnerId: 'p1' },
      Attachment: { AttachmentId: attachmentIdOf('port-1', 'srv-1'), DeviceIndex: 0, Status: 'attached', DeleteOnTermination: true },
      PrivateIpAddresses: [{ PrivateIpAddress: '10.0.0.5', Primary: true }],
    });
  });

  it('shows a server booted from a volume with its root device name and volumes', () => {
    const r = related({
      volumes: new Map([
        ['vol-uuid', { id: 'vol-uuid', status: 'in-use', attachments: [{ server_id: 'srv-1', device: '/dev/vda', attached_at: '2026-01-01T00:00:20.000000' }] }],
      ]),
    });
    const view = formatInstance({
      server: server({ image: '', 'os-extended-volumes:volumes_attached': [{ id: 'vol-uuid', delete_on_termination: true }] }),
      ec2Id: 'i-1',
      tags: [],
      launch: launch({ rootDeviceName: '/dev/xvda', rootDeviceType: 'ebs', imageId: 'ami-00000000000000009', pending: { keepVolumes: [] } }),
      related: r,
      deps,
    });
    expect(view.instance.ImageId).toBe('ami-00000000000000009');
    expect(view.instance.RootDeviceType).toBe('ebs');
    expect(view.instance.BlockDeviceMappings).toEqual([
      { DeviceName: '/dev/xvda', Ebs: { VolumeId: 'vol-00000000000000001', Status: 'attached', AttachTime: new Date('2026-01-01T00:00:20Z'), DeleteOnTermination: true } },
    ]);
  });

  it('shows a volume to be kept on termination as kept before Nova is told', () => {
    const r = related({ volumes: new Map([['vol-uuid', { id: 'vol-uuid', status: 'in-use', attachments: [{ server_id: 'srv-1', device: '/dev/sdb', attached_at: null }] }]]) });
    const view = formatInstance({
      server: server({ 'os-extended-volumes:volumes_attached': [{ id: 'vol-uuid', delete_on_termination: true }] }),
      ec2Id: 'i-1',
      tags: [],
      launch: launch({ pending: { keepVolumes: ['/dev/xvdb'] } }),
      related: r,
      deps,
    });
    expect(view.instance.BlockDeviceMappings![0]!.Ebs!.DeleteOnTermination).toBe(false);
  });

  it('shows a stopped instance with who stopped it, and a terminated one without addresses', () => {
    const stopped = formatInstance({
      server: server({ status: 'SHUTOFF', 'OS-EXT-STS:vm_state': 'stopped', 'OS-EXT-STS:power_state': 4 }),
      ec2Id: 'i-1',
      tags: [],
      launch: launch({ stoppedByApiAt: '2026-01-02T03:04:05.000Z' }),
      related: related(),
      deps,
    }).instance;
    expect(stopped.State).toEqual({ Code: 80, Name: 'stopped' });
    expect(stopped.StateReason?.Code).toBe('Client.UserInitiatedShutdown');
    expect(stopped.StateTransitionReason).toBe('User initiated (2026-01-02 03:04:05 GMT)');

    const gone = formatInstance({
      server: server({ status: 'DELETED' }),
      ec2Id: 'i-1',
      tags: [],
      launch: launch({ terminated: { at: '2026-01-02T00:00:00Z', reason: { Code: 'Client.UserInitiatedShutdown', Message: 'm' }, server: server() } }),
      related: related(),
      deps,
    }).instance;
    expect(gone.State).toEqual({ Code: 48, Name: 'terminated' });
    expect(gone.NetworkInterfaces).toEqual([]);
    expect(gone.PrivateIpAddress).toBeUndefined();
    expect(gone.PrivateDnsName).toBe('');
  });

  it('turns source/destination checking off with an any-address pair', () => {
    const r = related({ portsByServer: new Map([['srv-1', [port({ allowed_address_pairs: [{ ip_address: '0.0.0.0/0' }] })]]]) });
    const i = formatInstance({ server: server(), ec2Id: 'i-1', tags: [], launch: launch(), related: r, deps }).instance;
    expect(i.SourceDestCheck).toBe(false);
  });

  it('names disks whatever the bus', () => {
    expect(diskOf('/dev/sda1')).toBe('a');
    expect(diskOf('/dev/xvda')).toBe('a');
    expect(diskOf('vdb')).toBe('b');
    expect(privateDnsName(undefined, 'r')).toBe('');
  });
});
