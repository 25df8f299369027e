/**
 * Nova flavors as EC2 instance types: the flavor's name is the instance type, its vCPUs, RAM and
 * disks give the figures; what a flavor cannot tell is answered as OpenStack with KVM behaves
 * (HVM guests, virtio devices: no ENA, no NVMe, no EBS optimisation) and otherwise left out.
 */
import type { FilterSpec } from '../../lib/describe/filters.js';
import type { Flavor } from '../../lib/openstack/nova-flavors.js';
import type { ArchitectureType, DiskInfo, InstanceTypeInfo } from '../../schemas/types.js';

/** Flavor extra specs that say the CPU architecture (x86_64 when none does). */
const ARCH_SPECS = ['capabilities:cpu_arch', 'hw:cpu_arch', 'cpu_arch'];
const ARCHITECTURES: Record<string, ArchitectureType> = {
  x86_64: 'x86_64',
  amd64: 'x86_64',
  i386: 'i386',
  i686: 'i386',
  aarch64: 'arm64',
  arm64: 'arm64',
};

function architecture(flavor: Flavor): ArchitectureType {
  for (const spec of ARCH_SPECS) {
    const value = flavor.extra_specs?.[spec]?.replace(/^<in>\s*/, '').trim().toLowerCase();
    if (value && ARCHITECTURES[value]) return ARCHITECTURES[value];
  }
  return 'x86_64';
}

function positive(value: string | undefined): number | undefined {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Local disks: the root disk (booting from an image) and the ephemeral disk, grouped by size. */
function disks(flavor: Flavor): DiskInfo[] {
  const sizes = [flavor.disk, flavor['OS-FLV-EXT-DATA:ephemeral'] ?? 0].filter((s) => s > 0);
  const out: DiskInfo[] = [];
  for (const size of sizes) {
    const same = out.find((d) => d.SizeInGB === size);
    if (same) same.Count! += 1;
    else out.push({ SizeInGB: size, Count: 1, Type: 'ssd' });
  }
  return out;
}

export function instanceTypeOf(flavor: Flavor): InstanceTypeInfo {
  const threads = positive(flavor.extra_specs?.['hw:cpu_threads']) ?? 1;
  const cores = positive(flavor.extra_specs?.['hw:cpu_cores']) ?? Math.max(1, Math.floor(flavor.vcpus / threads));
  const local = disks(flavor);
  return {
    InstanceType: flavor.name,
    CurrentGeneration: true,
    FreeTierEligible: false,
    SupportedUsageClasses: ['on-demand'],
    // Booting from an image runs on the flavor's local disk; booting from a volume is EBS-like.
    SupportedRootDeviceTypes: ['ebs', 'instance-store'],
    SupportedVirtualizationTypes: ['hvm'],
    BareMetal: false,
    // No Hypervisor: the model knows only "nitro" and "xen", and a tool told "nitro" would look
    // for NVMe devices that a KVM guest with virtio disks does not have.
    ProcessorInfo: { SupportedArchitectures: [architecture(flavor)] },
    VCpuInfo: { DefaultVCpus: flavor.vcpus, DefaultCores: cores, DefaultThreadsPerCore: threads },
    MemoryInfo: { SizeInMiB: flavor.ram },
    InstanceStorageSupported: local.length > 0,
    ...(local.length
      ? {
          InstanceStorageInfo: {
            TotalSizeInGB: local.reduce((sum, d) => sum + d.SizeInGB! * d.Count!, 0),
            Disks: local,
            NvmeSupport: 'unsupported',
            EncryptionSupport: 'unsupported',
          },
        }
      : {}),
    EbsInfo: { EbsOptimizedSupport: 'unsupported', EncryptionSupport: 'unsupported', NvmeSupport: 'unsupported' },
    NetworkInfo: { Ipv6Supported: true, EnaSupport: 'unsupported', EfaSupported: false, EncryptionInTransitSupported: false },
    HibernationSupported: false,
    BurstablePerformanceSupported: false,
    DedicatedHostsSupported: false,
    AutoRecoverySupported: false,
    SupportedBootModes: ['legacy-bios', 'uefi'],
  };
}

/**
 * The filters a flavor can answer. The others AWS documents (EBS bandwidth, network limits, clock
 * speed, valid core counts…) are refused by the engine as not supported, not silently ignored.
 */
export const INSTANCE_TYPE_FILTERS: FilterSpec<InstanceTypeInfo> = {
  'instance-type': (t) => t.InstanceType,
  'current-generation': (t) => t.CurrentGeneration,
  'free-tier-eligible': (t) => t.FreeTierEligible,
  'bare-metal': (t) => t.BareMetal,
  'hibernation-supported': (t) => t.HibernationSupported,
  'burstable-performance-supported': (t) => t.BurstablePerformanceSupported,
  'auto-recovery-supported': (t) => t.AutoRecoverySupported,
  'memory-info.size-in-mib': (t) => t.MemoryInfo?.SizeInMiB,
  'vcpu-info.default-vcpus': (t) => t.VCpuInfo?.DefaultVCpus,
  'vcpu-info.default-cores': (t) => t.VCpuInfo?.DefaultCores,
  'vcpu-info.default-threads-per-core': (t) => t.VCpuInfo?.DefaultThreadsPerCore,
  'processor-info.supported-architecture': (t) => t.ProcessorInfo?.SupportedArchitectures,
  'instance-storage-supported': (t) => t.InstanceStorageSupported,
  'instance-storage-info.total-size-in-gb': (t) => t.InstanceStorageInfo?.TotalSizeInGB,
  'instance-storage-info.disk.count': (t) => t.InstanceStorageInfo?.Disks?.map((d) => d.Count),
  'instance-storage-info.disk.size-in-gb': (t) => t.InstanceStorageInfo?.Disks?.map((d) => d.SizeInGB),
  'instance-storage-info.disk.type': (t) => t.InstanceStorageInfo?.Disks?.map((d) => d.Type),
  'instance-storage-info.nvme-support': (t) => t.InstanceStorageInfo?.NvmeSupport,
  'instance-storage-info.encryption-support': (t) => t.InstanceStorageInfo?.EncryptionSupport,
  'supported-root-device-type': (t) => t.SupportedRootDeviceTypes,
  'supported-usage-class': (t) => t.SupportedUsageClasses,
  'supported-virtualization-type': (t) => t.SupportedVirtualizationTypes,
  'supported-boot-mode': (t) => t.SupportedBootModes,
  'ebs-info.ebs-optimized-support': (t) => t.EbsInfo?.EbsOptimizedSupport,
  'ebs-info.encryption-support': (t) => t.EbsInfo?.EncryptionSupport,
  'ebs-info.nvme-support': (t) => t.EbsInfo?.NvmeSupport,
  'network-info.ena-support': (t) => t.NetworkInfo?.EnaSupport,
  'network-info.efa-supported': (t) => t.NetworkInfo?.EfaSupported,
  'network-info.ipv6-supported': (t) => t.NetworkInfo?.Ipv6Supported,
  'network-info.encryption-in-transit-supported': (t) => t.NetworkInfo?.EncryptionInTransitSupported,
};
