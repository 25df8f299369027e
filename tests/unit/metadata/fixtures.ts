/** Shared by the metadata unit tests: an instance's facts and the headers the neutron agent sends. */
import { createHmac } from 'node:crypto';
import type { IncomingRequest } from '../../../lib/auth/signed-request.js';
import type { InstanceFacts } from '../../../functions/metadata/facts.js';

export const SECRET = 'metadata-secret';
export const SERVER_ID = '41c91b9d-39ae-4fc9-8d65-15017fb1e789';
export const TENANT = '55c0da8b0de64b85af80f97611940f80';

export function agentHeaders(options: { secret?: string; instanceId?: string; tenantId?: string; forwardedFor?: string } = {}) {
  const instanceId = options.instanceId ?? SERVER_ID;
  return {
    'x-instance-id': instanceId,
    'x-tenant-id': options.tenantId ?? TENANT,
    'x-instance-id-signature': createHmac('sha256', options.secret ?? SECRET).update(instanceId).digest('hex'),
    'x-forwarded-for': options.forwardedFor ?? '10.77.0.28',
  };
}

export const request = (method: string, path: string, headers: Record<string, string> = agentHeaders()): IncomingRequest => ({
  method,
  path,
  query: {},
  headers,
  body: '',
});

export function sampleFacts(overrides: Partial<InstanceFacts> = {}): InstanceFacts {
  return {
    serverId: SERVER_ID,
    ownerId: TENANT,
    instanceId: 'i-e30f60f2e5eede6c7',
    reservationId: 'r-014ab1f0e3a8b8458',
    launchIndex: 0,
    imageId: 'ami-86e4ee309ca555933',
    instanceType: 'm1.tiny',
    architecture: 'x86_64',
    availabilityZone: 'nova',
    region: 'RegionOne',
    launchTime: '2026-11-22T05:34:40Z',
    privateDnsName: 'ip-10-77-0-28.RegionOne.compute.internal',
    privateIp: '10.77.0.28',
    securityGroupNames: ['default', 'web'],
    keyName: 'md-key',
    publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq md-key',
    userData: Buffer.from([0x23, 0x21, 0xff, 0xfe, 0x00, 0x80]).toString('base64'),
    rootDeviceName: '/dev/sda1',
    ebsDevices: ['/dev/sdf'],
    ephemeralDevices: ['sdb'],
    interfaces: [
      {
        mac: 'fa:16:3e:96:99:dd',
        deviceNumber: 0,
        interfaceId: 'eni-6f0063316a46821c8',
        ownerId: TENANT,
        privateDnsName: 'ip-10-77-0-28.RegionOne.compute.internal',
        localIpv4s: ['10.77.0.28', '10.77.0.29'],
        ipv6s: [],
        ipv4Associations: [{ publicIp: '172.24.4.10', privateIp: '10.77.0.28' }],
        publicDnsName: undefined,
        securityGroupIds: ['sg-f7cfb9c0ab87ad853', 'sg-0123456789abcdef0'],
        securityGroupNames: ['default', 'web'],
        subnetId: 'subnet-0bfc99580a6ef26e2',
        subnetIpv4Cidr: '10.77.0.0/24',
        subnetIpv6Cidrs: [],
        vpcId: 'vpc-82da2b73c8da4c170',
      },
    ],
    publicIp: '172.24.4.10',
    ...overrides,
  };
}
