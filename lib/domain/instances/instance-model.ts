/**
 * Nova servers as EC2 instances: the one place that decides every id and value an instance shows.
 * DescribeInstances, the instance actions and the metadata function all go through
 * `loadInstanceViews`, so they agree on every EC2 id, address and name.
 *
 * Nothing here assumes who is asking: it works with a project member's clients (the EC2 request)
 * or a service's (the metadata function), given the instance's project table.
 *
 * Values Nova cannot give a member come from the launch record (written at launch, or on first
 * sight for servers made outside EC2), then from Nova's extended attributes when policy lets the
 * caller read them, then AWS's defaults.
 */
import type { ActionContext } from '../../context.js';
import { ec2GroupName } from '../vpc/security-groups.js';
import {
  addressesInOrder,
  attachmentOf,
  derivedId,
  formatNetworkInterface,
  groupsOfPort,
  instanceInterfaceOf,
  privateDnsName,
  publicDnsName,
  sourceDestCheckOf,
} from '../vpc/network-interfaces.js';
import type { NeutronPort } from '../../openstack/neutron.js';
import type { NovaServer } from '../../openstack/nova.js';
import { attachmentKey, deviceNamesOf } from '../../store/device-names.js';
import { ec2IdsFor } from '../../store/ids.js';
import { tagsOf, type Tag } from '../../store/tags.js';
import type {
  GroupIdentifier,
  Instance,
  InstanceBlockDeviceMapping,
  InstanceNetworkInterface,
  PlatformValues,
} from '../../../schemas/types.js';
import { DEFAULT_ROOT_DEVICE, architectureOf, deviceName, isWindows, rootDeviceNameOf } from '../images/image-model.js';
import { STATE_CODES, novaTime, stateNamed, stateNameOf, userInitiated } from './instance-state.js';
import { fetchRelated, type InstanceDeps, type RelatedPrefetch, type Related } from './instance-related.js';
import { writeLaunchRecord, type LaunchRecord } from './launch-record.js';

export type { InstanceDeps } from './instance-related.js';

/** The clients and table of an EC2 request, as instance loading wants them. */
export function depsFor(ctx: ActionContext): InstanceDeps {
  return {
    nova: ctx.openstack.nova,
    neutron: ctx.openstack.neutron,
    cinder: ctx.openstack.cinder,
    glance: ctx.openstack.glance,
    store: ctx.store,
    projectId: ctx.caller.projectId,
    region: ctx.config.ec2Region,
    metadataTokensRequired: ctx.config.metadata.requireToken,
  };
}

/** An instance with what groups it into a reservation and what the attribute actions need. */
export interface InstanceView {
  instance: Instance;
  reservationId: string;
  ownerId: string;
  serverId: string;
  server: NovaServer;
  launch: LaunchRecord;
  /** In device-index order; empty for a terminated instance. */
  ports: NeutronPort[];
  /** The root device, as AWS names it (also the name of the boot volume in the mappings). */
  rootDeviceName: string;
}

export interface LoadTarget {
  server: NovaServer;
  /** The EC2 id when already known (the describe engine resolved it). */
  ec2Id?: string;
  tags?: Tag[];
}

export interface LoadOptions {
  /** What was read while Nova answered (a listing's, or the servers' asked for by id). */
  prefetch?: RelatedPrefetch;
  /** Launch records already read (by server id). */
  launches?: Map<string, LaunchRecord>;
  /** Servers Nova has just accepted (RunInstances' answer): no port of Nova's making exists yet. */
  justAccepted?: boolean;
}

/**
 * EC2 views of these servers (terminated records included as `server` objects with status
 * DELETED). EC2 ids and launch records are made for servers seen for the first time.
 */
export async function loadInstanceViews(deps: InstanceDeps, targets: LoadTarget[], options: LoadOptions = {}): Promise<InstanceView[]> {
  if (targets.length === 0) return [];
  const servers = targets.map((t) => t.server);
  const missingIds = targets.filter((t) => !t.ec2Id).map((t) => t.server.id);
  const attachments = servers.flatMap((s) => (s['os-extended-volumes:volumes_attached'] ?? []).map((v) => ({ serverUuid: s.id, volumeUuid: v.id })));
  // The device names are read with fetchRelated's first reads (one batch), not after them.
  const [related, newIds, deviceNames] = await Promise.all([
    fetchRelated(deps, servers, options),
    ec2IdsFor(deps.store, 'instance', missingIds),
    deviceNamesOf(deps.store, attachments),
  ]);
  const ec2IdOf = (t: LoadTarget) => t.ec2Id ?? newIds.get(t.server.id)!;
  const untagged = targets.filter((t) => !t.tags).map(ec2IdOf);
  const tags = untagged.length ? await tagsOf(deps.store, untagged) : new Map<string, Tag[]>();
  const launches = await ensureLaunchRecords(deps, targets.map((t) => ({ server: t.server, ec2Id: ec2IdOf(t) })), related.launches);
  return targets.map((t) => {
    const ec2Id = ec2IdOf(t);
    return formatInstance({
      server: t.server,
      ec2Id,
      tags: t.tags ?? tags.get(ec2Id) ?? [],
      launch: launches.get(t.server.id)!,
      related,
      deps,
      deviceNames,
    });
  });
}

// Derived ids and the interface view live with the network interfaces (lib/domain/vpc), shared with DescribeNetworkInterfaces.
export { attachmentIdOf, derivedId, privateDnsName, sourceDestCheckOf } from '../vpc/network-interfaces.js';

/** The record every reader will use for a server; made on first sight for servers made outside EC2. */
export async function ensureLaunchRecords(
  deps: InstanceDeps,
  targets: Array<{ server: NovaServer; ec2Id: string }>,
  known: Map<string, LaunchRecord>,
): Promise<Map<string, LaunchRecord>> {
  const out = new Map(known);
  const missing = targets.filter((t) => !out.has(t.server.id) && t.server.status !== 'DELETED');
  const CONCURRENCY = 16;
  for (let i = 0; i < missing.length; i += CONCURRENCY) {
    await Promise.all(
      missing.slice(i, i + CONCURRENCY).map(async ({ server, ec2Id }) => {
        const adopted = adoptedRecord(server, ec2Id);
        const won = await writeLaunchRecord(deps.store, adopted, { ifAbsent: true });
        const record = won ? adopted : ((await deps.store.getJson<LaunchRecord>(`launch#${server.id}`)) ?? adopted);
        out.set(server.id, record);
      }),
    );
  }
  // Terminated servers without a record (none in practice) still need one to be shown.
  for (const t of targets) if (!out.has(t.server.id)) out.set(t.server.id, adoptedRecord(t.server, t.ec2Id));
  return out;
}

function adoptedRecord(server: NovaServer, ec2Id: string): LaunchRecord {
  const novaReservation = server['OS-EXT-SRV-ATTR:reservation_id'];
  return {
    instanceId: ec2Id,
    serverId: server.id,
    origin: 'adopted',
    reservationId: derivedId('r', novaReservation ? `nova/${novaReservation}` : `server/${server.id}`),
    launchIndex: server['OS-EXT-SRV-ATTR:launch_index'] ?? 0,
    rootDeviceName: deviceName(server['OS-EXT-SRV-ATTR:root_device_name'] ?? undefined),
    // Tells the ports Nova made with the server (DescribeNetworkInterfaces reads no server).
    launchedAt: server.created,
  };
}

// ---- formatting (pure)

interface FormatInput {
  server: NovaServer;
  ec2Id: string;
  tags: Tag[];
  launch: LaunchRecord;
  related: Related;
  deps: Pick<InstanceDeps, 'projectId' | 'region' | 'metadataTokensRequired'>;
  /** Device names as the client asked for them, by attachmentKey (lib/store/device-names.ts). */
  deviceNames?: Map<string, string>;
}


/** The instance's ports through the same view as DescribeNetworkInterfaces (lib/domain/vpc/network-interfaces.ts). */
function networkInterfaces(input: FormatInput, ports: NeutronPort[]): InstanceNetworkInterface[] {
  const { server, ec2Id, launch, related, deps } = input;
  const facts = { ...related, projectId: deps.projectId, region: deps.region };
  const owner = { id: server.id, created: novaTime(server.created), instanceId: ec2Id };
  return ports.map((port, index) => instanceInterfaceOf(formatNetworkInterface(port, facts, attachmentOf(port, owner, launch, index))));
}

/** `/dev/xvda`, `/dev/sda1`, `vda` -> `a`: the disk a device name stands for, whatever the bus. */
export function diskOf(name: string): string {
  return name.replace(/^\/dev\//, '').replace(/^(xv|v|s|h)d/, '').replace(/\d+$/, '');
}

function blockDevices(input: FormatInput, rootDeviceName: string, bootFromVolume: boolean): InstanceBlockDeviceMapping[] {
  const { server, launch, related } = input;
  const keep = launch.pending?.keepVolumes ?? [];
  const attached = server['os-extended-volumes:volumes_attached'] ?? [];
  const mappings = attached.map((v) => {
    const volume = related.volumes.get(v.id);
    const attachment = volume?.attachments.find((a) => a.server_id === server.id);
    const reported = deviceName(attachment?.device ?? undefined) ?? '';
    const launchedAs = reported ? launch.deviceNames?.find((d) => diskOf(d) === diskOf(reported)) : undefined;
    let device = input.deviceNames?.get(attachmentKey(server.id, v.id)) ?? launchedAs ?? reported;
    // The boot volume carries the instance's root device name (the one AWS and the metadata show),
    // whatever name the hypervisor gave the first disk.
    if (bootFromVolume && device === reported && device && diskOf(device) === diskOf(rootDeviceName)) device = rootDeviceName;
    const status = volume?.status === 'detaching' ? 'detaching' : volume?.status === 'attaching' ? 'attaching' : 'attached';
    const kept = keep.some((d) => diskOf(d) === diskOf(device));
    return {
      DeviceName: device,
      Ebs: {
        VolumeId: related.ids.volume.get(v.id),
        Status: status as 'attached',
        AttachTime: novaTime(attachment?.attached_at) ?? novaTime(server['OS-SRV-USG:launched_at']) ?? novaTime(server.created),
        DeleteOnTermination: kept ? false : (v.delete_on_termination ?? false),
      },
    };
  });
  return mappings.sort((a, b) => a.DeviceName.localeCompare(b.DeviceName));
}

function imageEc2Id(input: FormatInput): string | undefined {
  const { server, launch, related } = input;
  if (launch.imageId) return launch.imageId;
  const uuid = server.image && typeof server.image === 'object' ? server.image.id : undefined;
  if (uuid) return related.ids.image.get(uuid);
  for (const v of server['os-extended-volumes:volumes_attached'] ?? []) {
    const fromVolume = related.volumes.get(v.id)?.volume_image_metadata?.['image_id'];
    if (fromVolume) return related.ids.image.get(fromVolume);
  }
  return undefined;
}

export function formatInstance(input: FormatInput): InstanceView {
  const { server, ec2Id, tags, launch, related, deps } = input;
  const terminated = launch.terminated && server.status === 'DELETED' ? launch.terminated : undefined;
  const stateName = terminated ? 'terminated' : stateNameOf(server);
  const ports = terminated ? [] : (related.portsByServer.get(server.id) ?? []);
  const primary = ports[0];
  const primaryIp = primary ? addressesInOrder(primary, related.primaryIps?.get(primary.id))[0] : undefined;
  const fip = primaryIp ? related.floatingIpsByPort.get(primary!.id)?.find((f) => f.fixed_ip_address === primaryIp.ip_address) : undefined;
  const imageUuid = server.image && typeof server.image === 'object' ? server.image.id : undefined;
  const image = imageUuid ? related.images.get(imageUuid) : undefined;
  const bootFromVolume = launch.rootDeviceType ? launch.rootDeviceType === 'ebs' : !imageUuid;
  const rootDeviceName =
    launch.rootDeviceName ??
    deviceName(server['OS-EXT-SRV-ATTR:root_device_name'] ?? undefined) ??
    (image ? rootDeviceNameOf(image) : DEFAULT_ROOT_DEVICE);
  const kernelUuid = server['OS-EXT-SRV-ATTR:kernel_id'] || (image?.['kernel_id'] as string | undefined);
  const ramdiskUuid = server['OS-EXT-SRV-ATTR:ramdisk_id'] || (image?.['ramdisk_id'] as string | undefined);
  const launchTime = novaTime(server['OS-SRV-USG:launched_at']) ?? novaTime(server.created);
  const stoppedAt = launch.stoppedByApiAt ? new Date(launch.stoppedByApiAt) : undefined;

  let stateReason: Instance['StateReason'];
  let transition = '';
  if (terminated) {
    stateReason = terminated.reason;
    transition = terminated.reason.Code === 'Client.UserInitiatedShutdown' ? userInitiated(new Date(terminated.at)) : terminated.reason.Message;
  } else if (stateName === 'stopped' || stateName === 'stopping') {
    if (server.fault && (server['OS-EXT-STS:vm_state'] ?? '') === 'error') {
      stateReason = { Code: 'Server.InternalError', Message: `Server.InternalError: ${server.fault.message}` };
      transition = stateReason.Message!;
    } else if (stoppedAt) {
      stateReason = { Code: 'Client.UserInitiatedShutdown', Message: 'Client.UserInitiatedShutdown: User initiated shutdown' };
      transition = userInitiated(stoppedAt);
    } else {
      stateReason = { Code: 'Client.InstanceInitiatedShutdown', Message: 'Client.InstanceInitiatedShutdown: Instance initiated shutdown' };
      transition = stateReason.Message!;
    }
  } else if (stateName === 'pending') {
    stateReason = { Code: 'pending', Message: 'pending' };
  } else if (stateName === 'shutting-down') {
    stateReason = launch.terminated?.reason ?? { Code: 'Client.UserInitiatedShutdown', Message: 'Client.UserInitiatedShutdown: User initiated shutdown' };
  }

  const groups = new Map<string, GroupIdentifier>();
  for (const p of ports) for (const g of groupsOfPort(p, related)) groups.set(g.GroupId!, g);
  if (ports.length === 0 && !terminated) {
    for (const g of server.security_groups ?? []) groups.set(g.name, { GroupName: ec2GroupName(g.name) });
  }
  const windows = image ? isWindows(image) : false;
  const vcpus = server.flavor.vcpus;
  const instance: Instance = {
    InstanceId: ec2Id,
    ImageId: imageEc2Id(input) ?? '',
    State: stateNamed(stateName),
    PrivateDnsName: terminated ? '' : privateDnsName(primaryIp?.ip_address, deps.region, primary),
    PublicDnsName: terminated ? '' : publicDnsName(fip),
    StateTransitionReason: transition,
    KeyName: launch.keyName ?? server.key_name ?? undefined,
    AmiLaunchIndex: launch.launchIndex,
    ProductCodes: [],
    InstanceType: server.flavor.original_name ?? server.flavor.id,
    LaunchTime: launchTime,
    Placement: { AvailabilityZone: server['OS-EXT-AZ:availability_zone'] ?? '', GroupName: '', Tenancy: 'default' },
    KernelId: kernelUuid ? related.ids.kernel.get(kernelUuid) : undefined,
    RamdiskId: ramdiskUuid ? related.ids.ramdisk.get(ramdiskUuid) : undefined,
    Platform: windows ? ('windows' as PlatformValues) : undefined,
    Monitoring: { State: 'disabled' },
    SubnetId: primaryIp ? related.ids.subnet.get(primaryIp.subnet_id) : undefined,
    VpcId: primary ? related.ids.vpc.get(primary.network_id) : undefined,
    PrivateIpAddress: primaryIp?.ip_address,
    PublicIpAddress: fip?.floating_ip_address,
    StateReason: stateReason,
    Architecture: image ? architectureOf(image) : 'x86_64',
    RootDeviceType: bootFromVolume ? 'ebs' : 'instance-store',
    RootDeviceName: rootDeviceName,
    BlockDeviceMappings: terminated ? [] : blockDevices(input, rootDeviceName, bootFromVolume),
    VirtualizationType: 'hvm',
    ClientToken: launch.clientToken ?? '',
    Tags: tags,
    SecurityGroups: [...groups.values()],
    SourceDestCheck: primary ? sourceDestCheckOf(primary) : true,
    Hypervisor: 'xen',
    NetworkInterfaces: networkInterfaces(input, ports),
    EbsOptimized: false,
    EnaSupport: true,
    CpuOptions: vcpus ? { CoreCount: vcpus, ThreadsPerCore: 1 } : undefined,
    CapacityReservationSpecification: { CapacityReservationPreference: 'open' },
    HibernationOptions: { Configured: false },
    MetadataOptions: {
      State: 'applied',
      HttpTokens: deps.metadataTokensRequired ? 'required' : 'optional',
      HttpPutResponseHopLimit: 1,
      HttpEndpoint: 'enabled',
      HttpProtocolIpv6: 'disabled',
      InstanceMetadataTags: 'disabled',
    },
    EnclaveOptions: { Enabled: false },
    PlatformDetails: windows ? 'Windows' : 'Linux/UNIX',
    UsageOperation: windows ? 'RunInstances:0002' : 'RunInstances',
    UsageOperationUpdateTime: launchTime,
    PrivateDnsNameOptions: { HostnameType: 'ip-name', EnableResourceNameDnsARecord: false, EnableResourceNameDnsAAAARecord: false },
    MaintenanceOptions: { AutoRecovery: 'default' },
  };
  return {
    instance,
    reservationId: launch.reservationId,
    ownerId: deps.projectId,
    serverId: server.id,
    server,
    launch,
    ports,
    rootDeviceName,
  };
}

/** The state code of a view (for filters and state-change answers). */
export const stateCodeOf = (view: InstanceView) => view.instance.State?.Code ?? STATE_CODES.pending;
