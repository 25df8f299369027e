/**
 * The interface view (lib/domain/vpc/network-interfaces.ts): one port formatted for
 * DescribeNetworkInterfaces and, through the same function, for DescribeInstances; attachments
 * from the launch record; the primary address record; the request parsing of the interface actions.
 */
import { describe, expect, it } from 'vitest';
import {
  addressPairsFor,
  addressesInOrder,
  attachmentIdOf,
  attachmentOf,
  formatNetworkInterface,
  instanceInterfaceOf,
  isAttached,
  isInterfacePort,
  orderPorts,
  primaryAddressesOf,
  recordPrimaryAddress,
  recordedPorts,
  sourceDestCheckOf,
  type InterfaceFacts,
} from '../../../lib/domain/vpc/network-interfaces.js';
import type { NeutronFloatingIp, NeutronPort } from '../../../lib/openstack/neutron.js';
import { checkAddresses, checkCount, requestedAddresses } from '../../../functions/vpc/interface-addresses.js';
import { MemoryStore } from '../support/memory-store.js';
import { codeOf } from '../support/ec2-error.js';

function port(id: string, ips: string[], extra: Partial<NeutronPort> = {}): NeutronPort {
  return {
    id,
    name: '',
    network_id: 'net-1',
    project_id: 'project-1',
    mac_address: 'fa:16:3e:00:00:01',
    admin_state_up: true,
    status: 'ACTIVE',
    device_id: '',
    device_owner: '',
    fixed_ips: ips.map((ip_address) => ({ subnet_id: 'subnet-uuid', ip_address })),
    security_groups: ['sg-uuid'],
    description: 'second',
    created_at: '2026-01-01T10:00:00Z',
    ...extra,
  };
}

const fip = (id: string, portId: string, fixedIp: string): NeutronFloatingIp => ({
  id, floating_ip_address: '172.24.4.9', floating_network_id: 'ext', port_id: portId, fixed_ip_address: fixedIp, project_id: 'project-1', status: 'ACTIVE',
});

function facts(extra: Partial<InterfaceFacts> = {}): InterfaceFacts {
  return {
    ids: {
      port: new Map([['p1', 'eni-0000000000000000a']]),
      subnet: new Map([['subnet-uuid', 'subnet-0000000000000000a']]),
      vpc: new Map([['net-1', 'vpc-0000000000000000a']]),
      securityGroup: new Map([['sg-uuid', 'sg-0000000000000000a']]),
    },
    securityGroups: new Map([['sg-uuid', { name: 'web' }]]),
    floatingIpsByPort: new Map(),
    projectId: 'project-1',
    region: 'RegionOne',
    ...extra,
  };
}

describe('formatNetworkInterface', () => {
  it('shows a free port as an available interface with its ids, group and addresses', () => {
    const ni = formatNetworkInterface(port('p1', ['10.0.1.50', '10.0.1.7']), facts({ zones: new Map([['subnet-uuid', 'nova']]) }), undefined, {
      tags: [{ Key: 'Name', Value: 'x' }],
    });
    expect(ni).toMatchObject({
      NetworkInterfaceId: 'eni-0000000000000000a',
      SubnetId: 'subnet-0000000000000000a',
      VpcId: 'vpc-0000000000000000a',
      AvailabilityZone: 'nova',
      Status: 'available',
      PrivateIpAddress: '10.0.1.50',
      PrivateDnsName: 'ip-10-0-1-50.RegionOne.compute.internal',
      SourceDestCheck: true,
      Groups: [{ GroupId: 'sg-0000000000000000a', GroupName: 'web' }],
      TagSet: [{ Key: 'Name', Value: 'x' }],
      OwnerId: 'project-1',
      RequesterManaged: false,
    });
    expect(ni.Attachment).toBeUndefined();
    expect(ni.PrivateIpAddresses!.map((a) => [a.PrivateIpAddress, a.Primary])).toEqual([
      ['10.0.1.50', true],
      ['10.0.1.7', false],
    ]);
  });

  it('keeps the recorded primary address first whatever order Neutron lists them in', () => {
    const ni = formatNetworkInterface(port('p1', ['10.0.1.169', '10.0.1.50']), facts({ primaryIps: new Map([['p1', '10.0.1.50']]) }), undefined);
    expect(ni.PrivateIpAddress).toBe('10.0.1.50');
    expect(ni.PrivateIpAddresses!.map((a) => a.Primary)).toEqual([true, false]);
  });

  it('shows the Elastic IP on the address it is associated with, with allocation and association ids', () => {
    const f = facts({
      floatingIpsByPort: new Map([['p1', [fip('f1', 'p1', '10.0.1.7')]]]),
      allocationIds: new Map([['f1', 'eipalloc-0000000000000000a']]),
      associationIds: new Map([['f1', 'eipassoc-0000000000000000a']]),
    });
    const ni = formatNetworkInterface(port('p1', ['10.0.1.50', '10.0.1.7']), f, undefined);
    expect(ni.Association).toBeUndefined();
    expect(ni.PrivateIpAddresses![1]!.Association).toEqual({
      PublicIp: '172.24.4.9', PublicDnsName: '', IpOwnerId: 'project-1', AllocationId: 'eipalloc-0000000000000000a', AssociationId: 'eipassoc-0000000000000000a',
    });
  });

  it('is the same object DescribeInstances shows, in the instance\'s shape', () => {
    const attachment = { serverId: 'srv-1', instanceId: 'i-0000000000000000a', deviceIndex: 1, deleteOnTermination: false, attachTime: new Date('2026-01-01T10:00:00Z') };
    const f = facts({ floatingIpsByPort: new Map([['p1', [fip('f1', 'p1', '10.0.1.50')]]]), allocationIds: new Map([['f1', 'eipalloc-0000000000000000a']]) });
    const ni = formatNetworkInterface(port('p1', ['10.0.1.50']), f, attachment);
    expect(ni.Status).toBe('in-use');
    expect(ni.Attachment).toMatchObject({ AttachmentId: attachmentIdOf('p1', 'srv-1'), InstanceId: 'i-0000000000000000a', DeviceIndex: 1, DeleteOnTermination: false, Status: 'attached' });
    const shown = instanceInterfaceOf(ni);
    expect(shown).toMatchObject({
      NetworkInterfaceId: ni.NetworkInterfaceId,
      Groups: ni.Groups,
      PrivateIpAddress: ni.PrivateIpAddress,
      Attachment: { AttachmentId: ni.Attachment!.AttachmentId, DeviceIndex: 1, DeleteOnTermination: false, Status: 'attached' },
      Association: { PublicIp: '172.24.4.9', IpOwnerId: 'project-1' },
    });
    // The instance's shape has no allocation ids, tags or instance id of its own.
    expect(shown.Association).not.toHaveProperty('AllocationId');
    expect(shown).not.toHaveProperty('TagSet');
    expect(shown.Attachment).not.toHaveProperty('InstanceId');
  });
});

describe('attachments', () => {
  const created = new Date('2026-01-01T09:00:00Z');

  it('come from the launch record where it has the port', () => {
    const launch = { ports: [{ portId: 'p1', deviceIndex: 2, deleteOnTermination: true, attachedAt: '2026-01-02T00:00:00Z' }] };
    expect(attachmentOf(port('p1', []), { id: 'srv', created }, launch, 0)).toMatchObject({ deviceIndex: 2, deleteOnTermination: true, attachTime: new Date('2026-01-02T00:00:00Z') });
  });

  it('otherwise are the position, and Nova\'s ports made with the server go with it', () => {
    expect(attachmentOf(port('p1', []), { id: 'srv', created }, undefined, 1)).toMatchObject({ deviceIndex: 1, deleteOnTermination: true });
    const older = port('p2', [], { created_at: '2025-12-31T00:00:00Z' });
    expect(attachmentOf(older, { id: 'srv', created }, undefined, 0).deleteOnTermination).toBe(false);
  });

  it('order ports by recorded device index, then by creation', () => {
    const a = port('a', [], { created_at: '2026-01-01T00:00:01Z' });
    const b = port('b', [], { created_at: '2026-01-01T00:00:00Z' });
    const c = port('c', [], { created_at: '2026-01-01T00:00:02Z' });
    expect(orderPorts([a, b, c], undefined).map((p) => p.id)).toEqual(['b', 'a', 'c']);
    expect(orderPorts([a, b, c], { ports: [{ portId: 'c', deviceIndex: 0, deleteOnTermination: false }] }).map((p) => p.id)).toEqual(['c', 'b', 'a']);
  });

  it('record every current port before one is added, Nova\'s own marked as such', () => {
    const current = [{ portId: 'nova-port', deviceIndex: 0, deleteOnTermination: true }];
    const added = { portId: 'eni-port', deviceIndex: 1, deleteOnTermination: false, attachedAt: 'now' };
    expect(recordedPorts(current, { ports: [] }, added)).toEqual([{ portId: 'nova-port', deviceIndex: 0, deleteOnTermination: true, madeByNova: true }, added]);
    const ours = { portId: 'nova-port', deviceIndex: 0, deleteOnTermination: false };
    expect(recordedPorts(current, { ports: [ours] })).toEqual([ours]);
  });

  it('tell interface ports from routers\' and DHCP\'s, and attached from free ones', () => {
    expect(isInterfacePort({ device_owner: '' })).toBe(true);
    expect(isInterfacePort({ device_owner: 'compute:nova' })).toBe(true);
    expect(isInterfacePort({ device_owner: 'network:router_interface' })).toBe(false);
    expect(isInterfacePort({ device_owner: 'network:dhcp' })).toBe(false);
    expect(isAttached({ device_owner: 'compute:nova', device_id: 'srv' })).toBe(true);
    expect(isAttached({ device_owner: '', device_id: '' })).toBe(false);
  });
});

describe('source/destination checking', () => {
  it('is an allowed address pair for any source, other pairs kept', () => {
    const p = port('p1', ['10.0.1.5'], { allowed_address_pairs: [{ ip_address: '10.9.9.9', mac_address: 'fa:16:3e:00:00:09' }] });
    const off = addressPairsFor(p, false);
    expect(off).toEqual([{ ip_address: '10.9.9.9', mac_address: 'fa:16:3e:00:00:09' }, { ip_address: '0.0.0.0/0' }]);
    expect(sourceDestCheckOf({ ...p, allowed_address_pairs: off })).toBe(false);
    expect(addressPairsFor({ ...p, allowed_address_pairs: off }, true)).toEqual([{ ip_address: '10.9.9.9', mac_address: 'fa:16:3e:00:00:09' }]);
    expect(sourceDestCheckOf({ port_security_enabled: false })).toBe(false);
  });
});

describe('primary addresses', () => {
  it('are read only for ports with several IPv4 addresses', async () => {
    const store = new MemoryStore('project-1');
    await recordPrimaryAddress(store, 'p2', '10.0.1.50');
    const found = await primaryAddressesOf(store, [port('p1', ['10.0.1.4']), port('p2', ['10.0.1.169', '10.0.1.50'])]);
    expect([...found]).toEqual([['p2', '10.0.1.50']]);
    expect(addressesInOrder(port('p2', ['10.0.1.169', '10.0.1.50', 'fd00::1']), found.get('p2')).map((f) => f.ip_address)).toEqual(['10.0.1.50', '10.0.1.169']);
    expect(addressesInOrder(port('p3', ['10.0.1.169']), undefined).map((f) => f.ip_address)).toEqual(['10.0.1.169']);
  });
});

describe('requested addresses of CreateNetworkInterface', () => {
  it('take the primary from PrivateIpAddress or the list, the rest as secondaries', () => {
    expect(requestedAddresses({ PrivateIpAddress: '10.0.1.5' })).toEqual({ primary: '10.0.1.5', secondary: [], count: 0 });
    expect(requestedAddresses({ PrivateIpAddresses: [{ PrivateIpAddress: '10.0.1.6' }, { PrivateIpAddress: '10.0.1.5', Primary: true }] })).toEqual({
      primary: '10.0.1.5', secondary: ['10.0.1.6'], count: 0,
    });
    expect(requestedAddresses({ PrivateIpAddresses: [{ PrivateIpAddress: '10.0.1.6' }, { PrivateIpAddress: '10.0.1.7' }] })).toEqual({
      primary: '10.0.1.6', secondary: ['10.0.1.7'], count: 0,
    });
    expect(requestedAddresses({ SecondaryPrivateIpAddressCount: 2 })).toEqual({ primary: undefined, secondary: [], count: 2 });
  });

  it('refuse contradictions with AWS\'s codes', () => {
    expect(codeOf(() => requestedAddresses({ PrivateIpAddress: '10.0.1.5', PrivateIpAddresses: [{ PrivateIpAddress: '10.0.1.6', Primary: true }] }))).toBe('InvalidParameterCombination');
    expect(codeOf(() => requestedAddresses({ PrivateIpAddresses: [{ PrivateIpAddress: '10.0.1.6', Primary: true }, { PrivateIpAddress: '10.0.1.7', Primary: true }] }))).toBe('InvalidParameterValue');
    expect(codeOf(() => requestedAddresses({ PrivateIpAddresses: [{ PrivateIpAddress: '10.0.1.6' }, { PrivateIpAddress: '10.0.1.7' }], SecondaryPrivateIpAddressCount: 1 }))).toBe('InvalidParameterCombination');
    expect(codeOf(() => requestedAddresses({ SecondaryPrivateIpAddressCount: -1 }))).toBe('InvalidParameterValue');
  });

  it('must be distinct IPv4 addresses of the subnet, at most 50 per interface', () => {
    const subnet = { cidr: '10.0.1.0/24' };
    expect(codeOf(() => checkAddresses(['10.0.1.5', '10.0.1.6'], subnet))).toBe('accepted');
    expect(codeOf(() => checkAddresses(['10.0.2.5'], subnet))).toBe('InvalidParameterValue');
    expect(codeOf(() => checkAddresses(['10.0.1.5', '10.0.1.5'], subnet))).toBe('InvalidParameterValue');
    expect(codeOf(() => checkAddresses(['not-an-ip'], subnet))).toBe('InvalidParameterValue');
    expect(codeOf(() => checkCount(50))).toBe('accepted');
    expect(codeOf(() => checkCount(51))).toBe('PrivateIpAddressLimitExceeded');
  });
});
