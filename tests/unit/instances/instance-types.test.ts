import { describe, expect, it } from 'vitest';
import DescribeIdFormat from '../../../functions/instances/DescribeIdFormat.js';
import ModifyIdFormat from '../../../functions/instances/ModifyIdFormat.js';
import { ID_FORMAT_RESOURCES } from '../../../functions/instances/id-formats.js';
import { INSTANCE_TYPE_FILTERS, instanceTypeOf } from '../../../functions/instances/instance-types.js';
import { select } from '../../../lib/describe/select.js';
import type { Flavor } from '../../../lib/openstack/nova-flavors.js';
import { fakeContext } from '../support/context.js';

const flavor = (name: string, vcpus: number, ram: number, disk: number, extra: Partial<Flavor> = {}): Flavor => ({
  id: `id-${name}`,
  name,
  vcpus,
  ram,
  disk,
  swap: '',
  'OS-FLV-EXT-DATA:ephemeral': 0,
  ...extra,
});

const flavors = [
  flavor('m1.tiny', 1, 512, 1),
  flavor('m1.small', 1, 2048, 20),
  flavor('m1.medium', 2, 4096, 40, { 'OS-FLV-EXT-DATA:ephemeral': 40 }),
  flavor('c1.big', 8, 16384, 0, { 'OS-FLV-EXT-DATA:ephemeral': 100, extra_specs: { 'hw:cpu_threads': '2' } }),
  flavor('a1.arm', 4, 8192, 0, { extra_specs: { 'capabilities:cpu_arch': 'aarch64' } }),
  flavor('t2.micro', 1, 1024, 8),
];
const types = flavors.map(instanceTypeOf);

function pick(filters: Array<{ Name: string; Values: string[] }>, paging: { maxResults?: number; nextToken?: string } = {}) {
  return select(
    'DescribeInstanceTypes',
    types,
    { filters: INSTANCE_TYPE_FILTERS, keyOf: (t) => t.InstanceType!, paging: { min: 5, max: 100 } },
    { filters, ...paging },
  );
}

describe('flavors as instance types', () => {
  it('takes vCPUs, memory and local disks from the flavor', () => {
    const medium = types.find((t) => t.InstanceType === 'm1.medium')!;
    expect(medium.VCpuInfo).toEqual({ DefaultVCpus: 2, DefaultCores: 2, DefaultThreadsPerCore: 1 });
    expect(medium.MemoryInfo).toEqual({ SizeInMiB: 4096 });
    expect(medium.InstanceStorageInfo).toMatchObject({ TotalSizeInGB: 80, Disks: [{ SizeInGB: 40, Count: 2, Type: 'ssd' }] });
    expect(medium.ProcessorInfo).toEqual({ SupportedArchitectures: ['x86_64'] });
    expect(medium.SupportedVirtualizationTypes).toEqual(['hvm']);
    expect(medium.Hypervisor).toBeUndefined();
  });

  it('reads threads and architecture from extra specs; no local disk means no instance storage', () => {
    const big = types.find((t) => t.InstanceType === 'c1.big')!;
    expect(big.VCpuInfo).toEqual({ DefaultVCpus: 8, DefaultCores: 4, DefaultThreadsPerCore: 2 });
    expect(big.InstanceStorageInfo?.Disks).toEqual([{ SizeInGB: 100, Count: 1, Type: 'ssd' }]);
    const arm = types.find((t) => t.InstanceType === 'a1.arm')!;
    expect(arm.ProcessorInfo?.SupportedArchitectures).toEqual(['arm64']);
    expect(arm.InstanceStorageSupported).toBe(false);
    expect(arm.InstanceStorageInfo).toBeUndefined();
  });

  it('filters on what flavors tell', () => {
    const names = (f: Array<{ Name: string; Values: string[] }>) => pick(f).items.map((t) => t.InstanceType);
    expect(names([{ Name: 'vcpu-info.default-vcpus', Values: ['1'] }])).toEqual(['m1.small', 'm1.tiny', 't2.micro']);
    expect(names([{ Name: 'memory-info.size-in-mib', Values: ['4096', '8192'] }])).toEqual(['a1.arm', 'm1.medium']);
    expect(names([{ Name: 'instance-type', Values: ['m1.*'] }])).toEqual(['m1.medium', 'm1.small', 'm1.tiny']);
    expect(names([{ Name: 'processor-info.supported-architecture', Values: ['arm64'] }])).toEqual(['a1.arm']);
    expect(names([{ Name: 'instance-storage-info.disk.count', Values: ['2'] }])).toEqual(['m1.medium']);
    expect(names([{ Name: 'instance-storage-supported', Values: ['false'] }])).toEqual(['a1.arm']);
    expect(names([{ Name: 'current-generation', Values: ['true'] }, { Name: 'vcpu-info.default-threads-per-core', Values: ['2'] }])).toEqual(['c1.big']);
  });

  it('refuses documented filters a flavor cannot answer, and unknown ones', () => {
    expect(() => pick([{ Name: 'network-info.maximum-network-interfaces', Values: ['2'] }])).toThrow(/not supported by this cloud/);
    expect(() => pick([{ Name: 'hypervisor', Values: ['nitro'] }])).toThrow(/not supported by this cloud/);
    expect(() => pick([{ Name: 'colour', Values: ['red'] }])).toThrow(/is invalid/);
  });

  it('pages with MaxResults between 5 and 100', () => {
    const first = pick([], { maxResults: 5 });
    expect(first.items).toHaveLength(5);
    const second = pick([], { maxResults: 5, nextToken: first.nextToken });
    expect(second.items.map((t) => t.InstanceType)).toEqual(['t2.micro']);
    expect(second.nextToken).toBeUndefined();
    expect(() => pick([], { maxResults: 4 })).toThrow(/between 5 and 100/);
    expect(() => pick([], { maxResults: 101 })).toThrow(/between 5 and 100/);
  });
});

describe('id formats', () => {
  const ctx = fakeContext();

  it('reports long ids for every resource type, or the one asked for', async () => {
    const all = await DescribeIdFormat.run({}, ctx);
    expect(all.Statuses).toHaveLength(ID_FORMAT_RESOURCES.length);
    expect(all.Statuses!.every((s) => s.UseLongIds === true)).toBe(true);
    expect((await DescribeIdFormat.run({ Resource: 'volume' }, ctx)).Statuses).toEqual([{ Resource: 'volume', UseLongIds: true }]);
    await expect(DescribeIdFormat.run({ Resource: 'key-pair-ish' }, ctx)).rejects.toMatchObject({ code: 'InvalidParameterValue' });
  });

  it('accepts long ids and refuses short ones', async () => {
    await expect(ModifyIdFormat.check!({ Resource: 'instance', UseLongIds: true }, ctx)).resolves.toBeUndefined();
    await expect(ModifyIdFormat.check!({ Resource: 'all-current', UseLongIds: true }, ctx)).resolves.toBeUndefined();
    await expect(ModifyIdFormat.check!({ Resource: 'instance', UseLongIds: false }, ctx)).rejects.toMatchObject({
      code: 'InvalidParameterValue',
    });
    await expect(ModifyIdFormat.check!({ Resource: 'nothing', UseLongIds: true }, ctx)).rejects.toMatchObject({
      code: 'InvalidParameterValue',
    });
  });
});
