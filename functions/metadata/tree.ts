/**
 * The metadata of one instance as a tree of directories and values, for one version: the
 * categories of AWS's instance metadata (with the version each appeared in) and where each value
 * comes from. Listings follow AWS: names sorted, directories with a trailing `/`, and
 * `public-keys/` listing `0=<key name>`.
 */
import type { InstanceFacts, InterfaceFacts } from './facts.js';
import { identityDocument } from './identity-document.js';
import { shows, type MetadataVersion } from '../../lib/domain/metadata/versions.js';

export interface Bytes {
  bytes: Buffer;
}
export interface Dir {
  entries: Record<string, Node>;
  /** How an entry is listed when not as its name (+ `/` for directories). */
  labels?: Record<string, string>;
}
export type Node = string | Bytes | Dir;

export const isDir = (node: Node): node is Dir => typeof node === 'object' && 'entries' in node;

type Spec = [name: string, since: string, value: Node | undefined];

function dir(version: MetadataVersion, specs: Spec[], labels?: Record<string, string>): Dir {
  const entries: Record<string, Node> = {};
  for (const [name, since, value] of specs) if (value !== undefined && shows(version, since)) entries[name] = value;
  return labels ? { entries, labels } : { entries };
}

const lines = (values: string[]) => (values.length ? values.join('\n') : undefined);
const shortDevice = (device: string) => device.replace(/^\/dev\//, '');

function blockDeviceMapping(v: MetadataVersion, f: InstanceFacts): Dir {
  return dir(v, [
    ['ami', '2007-12-15', f.rootDeviceName],
    ['root', '2007-12-15', f.rootDeviceName],
    ...f.ebsDevices.map((d, i): Spec => [`ebs${i + 1}`, '2007-12-15', shortDevice(d)]),
    ...f.ephemeralDevices.map((d, i): Spec => [`ephemeral${i}`, '2007-12-15', d]),
    ['swap', '2007-12-15', f.swapDevice],
  ]);
}

function networkInterface(v: MetadataVersion, nic: InterfaceFacts): Dir {
  const associations = nic.ipv4Associations.length
    ? { entries: Object.fromEntries(nic.ipv4Associations.map((a) => [a.publicIp, a.privateIp])) }
    : undefined;
  return dir(v, [
    ['device-number', '2011-01-01', String(nic.deviceNumber)],
    ['interface-id', '2011-01-01', nic.interfaceId || undefined],
    ['ipv4-associations', '2011-01-01', associations],
    ['ipv6s', '2016-06-30', lines(nic.ipv6s)],
    ['local-hostname', '2011-01-01', nic.privateDnsName || undefined],
    ['local-ipv4s', '2011-01-01', lines(nic.localIpv4s)],
    ['mac', '2011-01-01', nic.mac],
    ['owner-id', '2011-01-01', nic.ownerId],
    ['public-hostname', '2011-01-01', nic.publicDnsName],
    ['public-ipv4s', '2011-01-01', lines(nic.ipv4Associations.map((a) => a.publicIp))],
    ['security-group-ids', '2011-01-01', lines(nic.securityGroupIds)],
    ['security-groups', '2011-01-01', lines(nic.securityGroupNames)],
    ['subnet-id', '2011-01-01', nic.subnetId],
    ['subnet-ipv4-cidr-block', '2011-01-01', nic.subnetIpv4Cidr],
    ['subnet-ipv6-cidr-blocks', '2016-06-30', lines(nic.subnetIpv6Cidrs)],
    ['vpc-id', '2011-01-01', nic.vpcId],
  ]);
}

function publicKeys(v: MetadataVersion, f: InstanceFacts): Dir | undefined {
  if (!f.keyName || !f.publicKey) return undefined;
  return dir(v, [['0', '1.0', dir(v, [['openssh-key', '1.0', f.publicKey]])]], { '0': `0=${f.keyName}` });
}

export function metaData(v: MetadataVersion, f: InstanceFacts): Dir {
  const nics = f.interfaces.filter((n) => n.mac);
  const network = nics.length
    ? { entries: { interfaces: { entries: { macs: { entries: Object.fromEntries(nics.map((n) => [n.mac, networkInterface(v, n)])) } } } } }
    : undefined;
  return dir(v, [
    ['ami-id', '1.0', f.imageId || undefined],
    ['ami-launch-index', '1.0', String(f.launchIndex)],
    // Only instance-store AMIs bundled to S3 have a manifest; AWS shows this for all others.
    ['ami-manifest-path', '1.0', '(unknown)'],
    ['block-device-mapping', '2007-12-15', blockDeviceMapping(v, f)],
    ['hostname', '1.0', f.privateDnsName || undefined],
    ['instance-action', '2008-09-01', 'none'],
    ['instance-id', '1.0', f.instanceId],
    ['instance-life-cycle', '2019-10-01', 'on-demand'],
    ['instance-type', '2007-08-29', f.instanceType],
    ['kernel-id', '2008-02-01', f.kernelId],
    ['local-hostname', '2007-01-19', f.privateDnsName || undefined],
    ['local-ipv4', '1.0', f.privateIp],
    ['mac', '2011-01-01', nics[0]?.mac],
    ['network', '2011-01-01', network],
    [
      'placement',
      '2008-02-01',
      dir(v, [
        ['availability-zone', '2008-02-01', f.availabilityZone || undefined],
        ['region', '2020-08-24', f.region],
      ]),
    ],
    ['public-hostname', '2007-01-19', f.publicDnsName],
    ['public-ipv4', '2007-01-19', f.publicIp],
    ['public-keys', '1.0', publicKeys(v, f)],
    ['ramdisk-id', '2007-10-10', f.ramdiskId],
    ['reservation-id', '1.0', f.reservationId],
    ['security-groups', '1.0', lines(f.securityGroupNames)],
    [
      'services',
      '2014-02-25',
      dir(v, [
        ['domain', '2014-02-25', 'amazonaws.com'],
        ['partition', '2015-10-20', 'aws'],
      ]),
    ],
  ]);
}

/** Everything under `/<version>/`: meta-data, user-data (when given) and dynamic data. */
export function versionTree(v: MetadataVersion, f: InstanceFacts): Dir {
  const userData = f.userData !== undefined ? { bytes: Buffer.from(f.userData, 'base64') } : undefined;
  const dynamic = dir(v, [['instance-identity', '2009-04-04', dir(v, [['document', '2009-04-04', identityDocument(f)]])]]);
  // AWS lists this level without trailing slashes.
  return dir(
    v,
    [
      ['dynamic', '2009-04-04', dynamic],
      ['meta-data', '1.0', metaData(v, f)],
      ['user-data', '1.0', userData],
    ],
    { dynamic: 'dynamic', 'meta-data': 'meta-data' },
  );
}

/** The node at `path` (names below the version), or undefined. */
export function resolve(root: Dir, path: string[]): Node | undefined {
  let node: Node = root;
  for (const name of path) {
    if (!isDir(node) || !Object.hasOwn(node.entries, name)) return undefined;
    node = node.entries[name]!;
  }
  return node;
}

export function listing(d: Dir): string {
  return Object.keys(d.entries)
    .sort()
    .map((name) => d.labels?.[name] ?? (isDir(d.entries[name]!) ? `${name}/` : name))
    .join('\n');
}
