/**
 * DescribeInstanceTypes shows the project's Nova flavors (figures compared with Nova's own answer),
 * and DescribeIdFormat / ModifyIdFormat report long ids that cannot be turned off.
 */
import { DescribeIdFormatCommand, DescribeInstanceTypesCommand, ModifyIdFormatCommand, type _InstanceType } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { awsCli, boto3, ec2Client } from './support/clients.js';
import { fixtures } from './support/env.js';
import { openstackAs } from './support/openstack.js';

const demo = ec2Client('demo');
/** Flavor names are instance types here, though the SDK's type lists only AWS's own. */
const typeName = (name: string) => name as _InstanceType;

interface NovaFlavor {
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
  'OS-FLV-EXT-DATA:ephemeral': number;
}
interface TypeInfo {
  InstanceType: string;
  VCpuInfo: { DefaultVCpus: number };
  MemoryInfo: { SizeInMiB: number };
  InstanceStorageInfo?: { TotalSizeInGB: number };
}

async function novaFlavors(): Promise<Map<string, NovaFlavor>> {
  const nova = (await openstackAs('demo')).nova;
  const { flavors } = await nova.get<{ flavors: NovaFlavor[] }>('flavors/detail', { is_public: 'None' });
  return new Map(flavors.map((f) => [f.name, f]));
}

describe('instance types', () => {
  it('aws cli v2: every flavor, with the vCPUs, memory and disks Nova reports', async () => {
    const result = awsCli(['describe-instance-types']);
    expect(result.status, result.stderr).toBe(0);
    const types = (result.json as { InstanceTypes: TypeInfo[] }).InstanceTypes;
    const flavors = await novaFlavors();
    for (const name of fixtures().flavors) expect(types.map((t) => t.InstanceType)).toContain(name);
    for (const t of types) {
      const f = flavors.get(t.InstanceType);
      expect(f, `${t.InstanceType} is a Nova flavor`).toBeDefined();
      expect(t.VCpuInfo.DefaultVCpus).toBe(f!.vcpus);
      expect(t.MemoryInfo.SizeInMiB).toBe(f!.ram);
      const local = f!.disk + (f!['OS-FLV-EXT-DATA:ephemeral'] ?? 0);
      expect(t.InstanceStorageInfo?.TotalSizeInGB ?? 0).toBe(local);
    }
  });

  it('@aws-sdk/client-ec2: named types, filters, unknown type', async () => {
    const flavors = await novaFlavors();
    const tiny = flavors.get('m1.tiny')!;
    const named = await demo.send(new DescribeInstanceTypesCommand({ InstanceTypes: [typeName('m1.tiny')] }));
    expect(named.InstanceTypes).toHaveLength(1);
    expect(named.InstanceTypes![0]).toMatchObject({
      InstanceType: 'm1.tiny',
      VCpuInfo: { DefaultVCpus: tiny.vcpus },
      MemoryInfo: { SizeInMiB: tiny.ram },
      ProcessorInfo: { SupportedArchitectures: ['x86_64'] },
      SupportedVirtualizationTypes: ['hvm'],
      CurrentGeneration: true,
    });

    const oneVcpu = await demo.send(
      new DescribeInstanceTypesCommand({ Filters: [{ Name: 'vcpu-info.default-vcpus', Values: ['1'] }] }),
    );
    const expected = [...flavors.values()].filter((f) => f.vcpus === 1).map((f) => f.name).sort();
    expect(oneVcpu.InstanceTypes!.map((t) => t.InstanceType).sort()).toEqual(expected);

    const byMemory = await demo.send(
      new DescribeInstanceTypesCommand({ Filters: [{ Name: 'memory-info.size-in-mib', Values: [String(tiny.ram)] }, { Name: 'instance-type', Values: ['m1.*'] }] }),
    );
    expect(byMemory.InstanceTypes!.map((t) => t.InstanceType)).toContain('m1.tiny');
    expect(byMemory.InstanceTypes!.every((t) => t.MemoryInfo?.SizeInMiB === tiny.ram)).toBe(true);

    await expect(demo.send(new DescribeInstanceTypesCommand({ InstanceTypes: [typeName('m9.nothing')] }))).rejects.toMatchObject({
      name: 'InvalidInstanceType',
    });
    await expect(
      demo.send(new DescribeInstanceTypesCommand({ Filters: [{ Name: 'network-info.maximum-network-interfaces', Values: ['2'] }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('boto3: the paginator pages with MaxResults=5 and sees every type once', async () => {
    const result = boto3(`
seen = []
pages = 0
for page in ec2.get_paginator('describe_instance_types').paginate(PaginationConfig={'PageSize': 5}):
    pages += 1
    seen += [t['InstanceType'] for t in page['InstanceTypes']]
print(json.dumps({'seen': seen, 'pages': pages}))
`);
    expect(result.status, result.stderr).toBe(0);
    const { seen, pages } = result.json as { seen: string[]; pages: number };
    const flavors = await novaFlavors();
    expect([...seen].sort()).toEqual([...flavors.keys()].sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBe(Math.max(1, Math.ceil(seen.length / 5)));
  });
});

describe('id formats', () => {
  it('long ids for every resource type, and they cannot be turned off', async () => {
    const all = await demo.send(new DescribeIdFormatCommand({}));
    expect(all.Statuses!.length).toBeGreaterThan(20);
    expect(all.Statuses!.every((s) => s.UseLongIds === true)).toBe(true);
    const one = awsCli(['describe-id-format', '--resource', 'instance']);
    expect(one.status, one.stderr).toBe(0);
    expect(one.json).toEqual({ Statuses: [{ Resource: 'instance', UseLongIds: true }] });
    await demo.send(new ModifyIdFormatCommand({ Resource: 'instance', UseLongIds: true }));
    const off = awsCli(['modify-id-format', '--resource', 'volume', '--no-use-long-ids']);
    expect(off.status).not.toBe(0);
    expect(off.stderr).toContain('(InvalidParameterValue)');
  });
});
