/**
 * Outputs for the XML serializer's equivalence test and bench/xml.ts: a DescribeInstances answer
 * shaped like the instances family's (one reservation per instance, network interface, block
 * device, security group, tags), and a seeded generator filling any shape with hostile values.
 */
import type { ModelShape } from '../../../lib/protocol/model-types.js';
import { shape } from '../../../lib/protocol/model.js';

const pad = (n: number, width = 17) => n.toString(16).padStart(width, '0');

/** One instance as DescribeInstances describes a running server on the local stack. */
function instance(i: number) {
  const launched = new Date(Date.UTC(2026, 10, 29, 4, 0, i % 60, i % 1000));
  const ip = `10.0.${(i >> 8) & 255}.${i & 255}`;
  return {
    AmiLaunchIndex: 0,
    ImageId: 'ami-00000000000000001',
    InstanceId: `i-${pad(i)}`,
    InstanceType: 'm1.tiny',
    KeyName: 'bench-key',
    LaunchTime: launched,
    Monitoring: { State: 'disabled' },
    Placement: { AvailabilityZone: 'nova', GroupName: '', Tenancy: 'default' },
    PrivateDnsName: `ip-${ip.replaceAll('.', '-')}.ec2.internal`,
    PrivateIpAddress: ip,
    ProductCodes: [],
    PublicDnsName: '',
    State: { Code: 16, Name: 'running' },
    StateTransitionReason: '',
    SubnetId: 'subnet-00000000000000001',
    VpcId: 'vpc-00000000000000001',
    Architecture: 'x86_64',
    BlockDeviceMappings: [
      { DeviceName: '/dev/vda', Ebs: { VolumeId: `vol-${pad(i)}`, Status: 'attached', AttachTime: launched, DeleteOnTermination: true } },
    ],
    ClientToken: `token-${i}`,
    EbsOptimized: false,
    Hypervisor: 'xen',
    NetworkInterfaces: [
      {
        Attachment: { AttachTime: launched, AttachmentId: `eni-attach-${pad(i)}`, DeleteOnTermination: true, DeviceIndex: 0, Status: 'attached' },
        Description: '',
        Groups: [{ GroupName: 'default', GroupId: 'sg-00000000000000001' }],
        Ipv6Addresses: [],
        MacAddress: `fa:16:3e:00:${pad(i >> 8, 2)}:${pad(i & 255, 2)}`,
        NetworkInterfaceId: `eni-${pad(i)}`,
        OwnerId: '0123456789ab',
        PrivateDnsName: `ip-${ip.replaceAll('.', '-')}.ec2.internal`,
        PrivateIpAddress: ip,
        PrivateIpAddresses: [{ Primary: true, PrivateDnsName: `ip-${ip.replaceAll('.', '-')}.ec2.internal`, PrivateIpAddress: ip }],
        SourceDestCheck: true,
        Status: 'in-use',
        SubnetId: 'subnet-00000000000000001',
        VpcId: 'vpc-00000000000000001',
        InterfaceType: 'interface',
      },
    ],
    RootDeviceName: '/dev/vda',
    RootDeviceType: 'ebs',
    SecurityGroups: [{ GroupName: 'default', GroupId: 'sg-00000000000000001' }],
    SourceDestCheck: true,
    Tags: [
      { Key: 'Name', Value: `bench-${i}` },
      { Key: 'owner & <team>', Value: "htcondor \"pool\" 'a'" },
    ],
    VirtualizationType: 'hvm',
    CpuOptions: { CoreCount: 1, ThreadsPerCore: 1 },
    MetadataOptions: { State: 'applied', HttpTokens: 'optional', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' },
    PlatformDetails: 'Linux/UNIX',
    UsageOperation: 'RunInstances',
  };
}

/** The typed output of DescribeInstances over `count` instances, one reservation each. */
export function describeInstancesOutput(count: number) {
  return {
    Reservations: Array.from({ length: count }, (_, i) => ({
      ReservationId: `r-${pad(i)}`,
      OwnerId: '0123456789ab',
      Groups: [],
      Instances: [instance(i)],
    })),
  };
}

/** Strings that have broken XML writers: markup, entities, controls, lone surrogates, non-BMP text. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '<',
  '>',
  '&',
  '"',
  "'",
  '&amp;',
  '<a href="x">&lt;</a>',
  ']]>',
  '<![CDATA[x]]>',
  '<!-- c -->',
  '\u0000',
  '\u0001\u0008\u000b\u000c\u000e\u001f',
  '\t\n\r',
  '\ud800',
  '\udfff',
  'a\udc00b\ud83d',
  '\ud83d\ude00 smile',
  '\ufffe\uffff\ufffd',
  'ünïcödé 日本語 עברית',
  '\u2028\u2029\u0085',
  'x'.repeat(300),
  'true',
  '0',
  '-0',
  '@_attr',
  '#text',
];

/** A small deterministic random source (mulberry32), so a failure can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A value for shape `s`: every member of a structure tried absent, null, empty and filled. */
export function generateValue(s: ModelShape, random: () => number, depth = 0): unknown {
  const pick = <T>(options: readonly T[]): T => options[Math.floor(random() * options.length)]!;
  switch (s.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      if (depth > 7) return out;
      for (const [name, m] of Object.entries(s.members ?? {})) {
        const roll = random();
        if (roll < 0.15) continue;
        if (roll < 0.2) out[name] = null;
        else out[name] = generateValue(shape(m.shape), random, depth + 1);
      }
      return out;
    }
    case 'list': {
      const length = depth > 7 ? 0 : pick([0, 1, 1, 2, 3]);
      return Array.from({ length }, () => generateValue(shape(s.member!.shape), random, depth + 1));
    }
    case 'map': {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < pick([0, 1, 2]); i++) out[pick(NASTY_STRINGS) + i] = generateValue(shape(s.value!.shape), random, depth + 1);
      return out;
    }
    case 'boolean':
      return random() < 0.5;
    case 'integer':
    case 'long':
      return pick([0, -0, 1, -1, 2 ** 31 - 1, Number.MAX_SAFE_INTEGER, Math.floor(random() * 1e6)]);
    case 'double':
    case 'float':
      return pick([0.5, -1.25, 1e21, 1e-7, Number.NaN, Number.POSITIVE_INFINITY, random()]);
    case 'timestamp':
      return pick<unknown>([
        new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)),
        new Date(Math.floor(random() * 4e12)),
        '2026-11-29T05:00:00Z',
        '2026-11-29T05:00:00.123456',
        'not a date <&>',
        new Date(Number.NaN),
      ]);
    case 'blob':
      return pick<unknown>(['aGVsbG8=', '<&>', new Uint8Array([0, 1, 2, 255]), { type: 'Buffer', data: [104, 105] }, new Uint8Array()]);
    default:
      if (s.enum && random() < 0.3) return pick(s.enum);
      if (random() < 0.6) return pick(NASTY_STRINGS);
      // Any UTF-16 code units, lone surrogates included.
      return Array.from({ length: Math.floor(random() * 12) }, () => String.fromCharCode(Math.floor(random() * 0x10000))).join('');
  }
}
