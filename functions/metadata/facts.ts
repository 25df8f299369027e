/**
 * What the metadata service tells an instance, taken from the same EC2 view DescribeInstances
 * shows (lib/domain/instances/instance-model.ts): every id, address and name is the one the
 * EC2 API gives for that instance, never re-derived here. Plain data, so it can be cached.
 */
import type { NeutronSubnet } from '../../lib/openstack/neutron.js';
import { diskOf, type InstanceView } from '../../lib/domain/instances/instance-model.js';

export interface InterfaceFacts {
  mac: string;
  deviceNumber: number;
  interfaceId: string;
  ownerId: string;
  privateDnsName: string;
  localIpv4s: string[];
  ipv6s: string[];
  /** Public address -> the private address it maps to. */
  ipv4Associations: Array<{ publicIp: string; privateIp: string }>;
  publicDnsName?: string;
  securityGroupIds: string[];
  securityGroupNames: string[];
  subnetId?: string;
  subnetIpv4Cidr?: string;
  subnetIpv6Cidrs: string[];
  vpcId?: string;
}

export interface InstanceFacts {
  /** The Nova server id (X-Instance-ID). */
  serverId: string;
  ownerId: string;
  instanceId: string;
  reservationId: string;
  launchIndex: number;
  imageId: string;
  kernelId?: string;
  ramdiskId?: string;
  instanceType: string;
  architecture: string;
  availabilityZone: string;
  region: string;
  /** ISO time, seconds precision. */
  launchTime?: string;
  privateDnsName: string;
  privateIp?: string;
  publicDnsName?: string;
  publicIp?: string;
  securityGroupNames: string[];
  keyName?: string;
  /** The key pair's public key, when Nova still has it. */
  publicKey?: string;
  /** The user data as given at launch, base64. */
  userData?: string;
  rootDeviceName: string;
  /** Other EBS volumes' device names, in device order. */
  ebsDevices: string[];
  ephemeralDevices: string[];
  swapDevice?: string;
  interfaces: InterfaceFacts[];
}

export interface Extras {
  userData?: string;
  publicKey?: string;
  subnets: Map<string, NeutronSubnet>;
  region: string;
}

const isoSeconds = (value: Date | string | undefined) =>
  value === undefined ? undefined : new Date(value).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The disk after `root` on the same bus: `/dev/vda` -> `vdb`, `/dev/sda1` -> `sdb`. */
export function diskAfter(root: string, steps: number): string {
  const base = root.replace(/^\/dev\//, '').replace(/\d+$/, '');
  const bus = base.slice(0, -1) || 'sd';
  const letter = base.slice(-1) || 'a';
  return `${bus}${String.fromCharCode(letter.charCodeAt(0) + steps)}`;
}

export function factsOf(view: InstanceView, extras: Extras): InstanceFacts {
  const { instance, server, ports } = view;
  const root = view.rootDeviceName;
  const ebsDevices = (instance.BlockDeviceMappings ?? [])
    .map((m) => m.DeviceName ?? '')
    .filter((d) => d && diskOf(d) !== diskOf(root));
  // Local disks of the flavor come right after the root disk, as Nova names them.
  const ephemeral = (server.flavor.ephemeral ?? 0) > 0;
  const swap = (server.flavor.swap ?? 0) > 0;
  const interfaces = (instance.NetworkInterfaces ?? []).map((nic, index): InterfaceFacts => {
    const port = ports[index];
    const v4Subnet = port?.fixed_ips.find((f) => !f.ip_address.includes(':'))?.subnet_id;
    const v6Subnets = [...new Set(port?.fixed_ips.filter((f) => f.ip_address.includes(':')).map((f) => f.subnet_id) ?? [])];
    const addresses = nic.PrivateIpAddresses ?? [];
    return {
      mac: nic.MacAddress ?? '',
      deviceNumber: nic.Attachment?.DeviceIndex ?? index,
      interfaceId: nic.NetworkInterfaceId ?? '',
      ownerId: nic.OwnerId ?? view.ownerId,
      privateDnsName: nic.PrivateDnsName ?? '',
      localIpv4s: addresses.flatMap((a) => (a.PrivateIpAddress ? [a.PrivateIpAddress] : [])),
      ipv6s: (nic.Ipv6Addresses ?? []).flatMap((a) => (a.Ipv6Address ? [a.Ipv6Address] : [])),
      ipv4Associations: addresses.flatMap((a) =>
        a.Association?.PublicIp && a.PrivateIpAddress ? [{ publicIp: a.Association.PublicIp, privateIp: a.PrivateIpAddress }] : [],
      ),
      publicDnsName: nic.Association?.PublicDnsName || undefined,
      securityGroupIds: (nic.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
      securityGroupNames: (nic.Groups ?? []).flatMap((g) => (g.GroupName ? [g.GroupName] : [])),
      subnetId: nic.SubnetId,
      subnetIpv4Cidr: v4Subnet ? extras.subnets.get(v4Subnet)?.cidr : undefined,
      subnetIpv6Cidrs: v6Subnets.flatMap((id) => (extras.subnets.get(id) ? [extras.subnets.get(id)!.cidr] : [])),
      vpcId: nic.VpcId,
    };
  });
  return {
    serverId: view.serverId,
    ownerId: view.ownerId,
    instanceId: instance.InstanceId!,
    reservationId: view.reservationId,
    launchIndex: instance.AmiLaunchIndex ?? 0,
    imageId: instance.ImageId ?? '',
    kernelId: instance.KernelId,
    ramdiskId: instance.RamdiskId,
    instanceType: instance.InstanceType ?? '',
    architecture: instance.Architecture ?? 'x86_64',
    availabilityZone: instance.Placement?.AvailabilityZone ?? '',
    region: extras.region,
    launchTime: isoSeconds(instance.LaunchTime),
    privateDnsName: instance.PrivateDnsName ?? '',
    privateIp: instance.PrivateIpAddress,
    publicDnsName: instance.PublicDnsName || undefined,
    publicIp: instance.PublicIpAddress,
    securityGroupNames: (instance.SecurityGroups ?? []).flatMap((g) => (g.GroupName ? [g.GroupName] : [])),
    keyName: instance.KeyName,
    publicKey: extras.publicKey,
    userData: extras.userData,
    rootDeviceName: root,
    ebsDevices,
    ephemeralDevices: ephemeral ? [diskAfter(root, 1)] : [],
    swapDevice: swap ? diskAfter(root, ephemeral ? 2 : 1) : undefined,
    interfaces,
  };
}
