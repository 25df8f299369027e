/**
 * Instances for the describe engine: how to list them from Nova (only what the request needs),
 * how to format them (instance-model) and which filters read which fields.
 *
 * - ids (or an exact `instance-id` filter) of a few instances: one GET per server;
 * - a listing: one `servers/detail` (narrowed by filters Nova can apply to members), while the
 *   project's ports, floating IPs and launch records are read at the same time;
 * - instances terminated within the hour come from their launch records.
 */
import { deferred } from '../../lib/deferred.js';
import type { ActionContext } from '../../lib/context.js';
import type { ListQuery, ListResult, ResourceDescriptor } from '../../lib/describe/engine.js';
import { filterValues, isExact, type Filter, type FilterSpec } from '../../lib/describe/filters.js';
import { listFlavors } from '../../lib/openstack/nova-flavors.js';
import { getServers, listServers, supports, type NovaServer, type ServerQuery } from '../../lib/openstack/nova.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { uuidsOf } from '../../lib/store/ids.js';
import { startProjectPrefetch, startServersPrefetch, type InstanceDeps, type RelatedPrefetch } from '../../lib/domain/instances/instance-related.js';
import { depsFor, loadInstanceViews, type InstanceView } from '../../lib/domain/instances/instance-model.js';
import { deleteLaunchRecords, readAllLaunchRecords, readLaunchRecords, type LaunchRecord } from '../../lib/domain/instances/launch-record.js';
import { settleInstances } from './settle.js';

export interface InstanceRaw {
  server: NovaServer;
  batch: Batch;
}

export interface Batch {
  deps: InstanceDeps;
  /** What was read while Nova answered: the project's (a listing) or the servers' asked for by id. */
  prefetch?: RelatedPrefetch;
  launches?: Map<string, LaunchRecord>;
}

/** Above this many ids one listing is cheaper than a GET per server. */
const BY_ID_LIMIT = 40;

/** A terminated instance, from its launch record, as Nova would show a deleted server. */
export const terminatedServer = (record: LaunchRecord): NovaServer => ({ ...record.terminated!.server, status: 'DELETED' });

function withTerminated(servers: NovaServer[], launches: Map<string, LaunchRecord>, only?: Set<string>): NovaServer[] {
  const present = new Set(servers.map((s) => s.id));
  const gone = [...launches.values()].filter(
    (r) => r.terminated && !present.has(r.serverId) && (!only || only.has(r.serverId)),
  );
  return [...servers, ...gone.map(terminatedServer)];
}

const single = (filters: Filter[], name: string): string | undefined => {
  const values = filterValues(filters, name);
  return values?.length === 1 && isExact(values[0]!) ? values[0] : undefined;
};

/**
 * Filters Nova can narrow the listing by for a project member. Each gives a superset of what the
 * filter matches (the engine filters the formatted instances exactly); undefined means the filter
 * cannot match anything Nova lists.
 */
async function novaQuery(ctx: ActionContext, deps: InstanceDeps, filters: Filter[]): Promise<ServerQuery | undefined> {
  // (Not image-id: instances booted from a volume show their AMI, Nova shows them without image.)
  const query: ServerQuery = {};
  const type = single(filters, 'instance-type');
  if (type) {
    const flavor = (await listFlavors(deps.nova, ctx.caller.projectId)).find((f) => f.name === type);
    if (!flavor) return undefined;
    query['flavor'] = flavor.id;
  }
  if (await supports(deps.nova, '2.83')) {
    const key = single(filters, 'key-name');
    if (key) query['key_name'] = key;
    const zone = single(filters, 'availability-zone');
    if (zone) query['availability_zone'] = zone;
  }
  return query;
}

/** A few servers by id: one Nova GET each, with their launch records and (for formatting) their ports. */
async function listByIds(ctx: ActionContext, deps: InstanceDeps, uuids: string[], related: boolean): Promise<ListResult<InstanceRaw>> {
  // What depends only on the servers' ids (their ports, and from those the floating IPs and the
  // ports' ids and groups; the volumes last seen attached) is read beside Nova's GETs, not after
  // them: a poll's answer then waits for the slower of the two, not their sum. Handled at once: a
  // failure is seen by the formatting that awaits it.
  const prefetch = related ? startServersPrefetch(deps, uuids) : undefined;
  const [servers, launches] = await Promise.all([
    mapErrors(() => getServers(deps.nova, uuids)),
    prefetch ? prefetch.launches : readLaunchRecords(ctx.store, uuids),
  ]);
  const batch: Batch = { deps, launches, ...(prefetch ? { prefetch } : {}) };
  return { items: withTerminated(servers, launches, new Set(uuids)).map((server) => ({ server, batch })), complete: false };
}

/**
 * The servers a describe needs, as raws for the engine. `related` says whether formatting will
 * want the project's ports and floating IPs (read while Nova lists) or only the servers.
 */
export async function listInstances(ctx: ActionContext, query: ListQuery, related = true): Promise<ListResult<InstanceRaw>> {
  const deps = depsFor(ctx);
  let uuids = query.uuids;
  if (!uuids) {
    const named = filterValues(query.filters, 'instance-id');
    if (named?.length && named.every(isExact) && named.length <= BY_ID_LIMIT) {
      uuids = [...(await uuidsOf(ctx.store, named)).values()];
    }
  }
  if (uuids && uuids.length <= BY_ID_LIMIT) return listByIds(ctx, deps, uuids, related);

  const pushed = uuids ? {} : await novaQuery(ctx, deps, query.filters);
  const narrowed = !pushed || Object.keys(pushed).length > 0;
  // Read while Nova lists (and may fail meanwhile): handled at once, awaited below.
  const prefetch = narrowed || !related ? undefined : startProjectPrefetch(deps);
  const launchesRead = deferred(prefetch ? prefetch.launches : readAllLaunchRecords(ctx.store));
  const servers = pushed ? await mapErrors(() => listServers(deps.nova, pushed)) : [];
  const launches = await launchesRead;
  const batch: Batch = { deps, launches, ...(prefetch ? { prefetch } : {}) };
  const only = uuids ? new Set(uuids) : undefined;
  const wanted = only ? servers.filter((s) => only.has(s.id)) : servers;
  return {
    items: withTerminated(wanted, launches, only).map((server) => ({ server, batch })),
    complete: !narrowed && !uuids,
  };
}

async function format(_ctx: ActionContext, entries: Array<{ raw: InstanceRaw; ec2Id: string; tags: Array<{ Key: string; Value: string }> }>) {
  const batch = entries[0]?.raw.batch;
  if (!batch) return [];
  const targets = entries.map((e) => ({ server: e.raw.server, ec2Id: e.ec2Id, tags: e.tags }));
  const options = { prefetch: batch.prefetch, launches: batch.launches };
  const views = await loadInstanceViews(batch.deps, targets, options);
  const changed = await settleInstances(batch.deps, views);
  if (changed.size === 0) return views;
  // Look again at what settling changed (terminated, or its pending work done).
  const again = targets.filter((t) => changed.has(t.server.id));
  const [servers, launches] = await Promise.all([
    getServers(batch.deps.nova, again.map((t) => t.server.id)),
    readLaunchRecords(batch.deps.store, again.map((t) => t.server.id)),
  ]);
  const fresh = new Map(withTerminated(servers, launches, changed).map((s) => [s.id, s]));
  const refreshed = await loadInstanceViews(
    batch.deps,
    again.flatMap((t) => (fresh.has(t.server.id) ? [{ ...t, server: fresh.get(t.server.id)! }] : [])),
    { launches },
  );
  const byId = new Map(refreshed.map((v) => [v.serverId, v]));
  return views.flatMap((v) => (changed.has(v.serverId) ? (byId.has(v.serverId) ? [byId.get(v.serverId)!] : []) : [v]));
}

const ifaces = (v: InstanceView) => v.instance.NetworkInterfaces ?? [];
const bdms = (v: InstanceView) => v.instance.BlockDeviceMappings ?? [];
const addresses = (v: InstanceView) => ifaces(v).flatMap((n) => n.PrivateIpAddresses ?? []);
const groups = (v: InstanceView) => v.instance.SecurityGroups ?? [];
const none = () => undefined;

export const INSTANCE_FILTERS: FilterSpec<InstanceView> = {
  affinity: none,
  architecture: (v) => v.instance.Architecture,
  'availability-zone': (v) => v.instance.Placement?.AvailabilityZone,
  'block-device-mapping.attach-time': (v) => bdms(v).map((m) => m.Ebs?.AttachTime as Date | undefined),
  'block-device-mapping.delete-on-termination': (v) => bdms(v).map((m) => m.Ebs?.DeleteOnTermination),
  'block-device-mapping.device-name': (v) => bdms(v).map((m) => m.DeviceName),
  'block-device-mapping.status': (v) => bdms(v).map((m) => m.Ebs?.Status),
  'block-device-mapping.volume-id': (v) => bdms(v).map((m) => m.Ebs?.VolumeId),
  'capacity-reservation-id': none,
  'client-token': (v) => v.instance.ClientToken,
  'dns-name': (v) => v.instance.PublicDnsName,
  'group-id': (v) => groups(v).map((g) => g.GroupId),
  'group-name': (v) => groups(v).map((g) => g.GroupName),
  'hibernation-options.configured': () => false,
  'host-id': none,
  hypervisor: (v) => v.instance.Hypervisor,
  'iam-instance-profile.arn': none,
  'image-id': (v) => v.instance.ImageId,
  'instance-id': (v) => v.instance.InstanceId,
  'instance-lifecycle': none,
  'instance-state-code': (v) => v.instance.State?.Code,
  'instance-state-name': (v) => v.instance.State?.Name,
  'instance-type': (v) => v.instance.InstanceType,
  'instance.group-id': (v) => groups(v).map((g) => g.GroupId),
  'instance.group-name': (v) => groups(v).map((g) => g.GroupName),
  'ip-address': (v) => v.instance.PublicIpAddress,
  'kernel-id': (v) => v.instance.KernelId,
  'key-name': (v) => v.instance.KeyName,
  'launch-index': (v) => v.instance.AmiLaunchIndex,
  'launch-time': (v) => v.instance.LaunchTime as Date | undefined,
  'metadata-options.http-endpoint': (v) => v.instance.MetadataOptions?.HttpEndpoint,
  'metadata-options.http-put-response-hop-limit': (v) => v.instance.MetadataOptions?.HttpPutResponseHopLimit,
  'metadata-options.http-tokens': (v) => v.instance.MetadataOptions?.HttpTokens,
  'monitoring-state': (v) => v.instance.Monitoring?.State,
  'network-interface.addresses.association.ip-owner-id': (v) => addresses(v).map((a) => a.Association?.IpOwnerId),
  'network-interface.addresses.association.public-ip': (v) => addresses(v).map((a) => a.Association?.PublicIp),
  'network-interface.addresses.primary': (v) => addresses(v).map((a) => a.Primary),
  'network-interface.addresses.private-ip-address': (v) => addresses(v).map((a) => a.PrivateIpAddress),
  'network-interface.association.ip-owner-id': (v) => ifaces(v).map((n) => n.Association?.IpOwnerId),
  'network-interface.association.public-ip': (v) => ifaces(v).map((n) => n.Association?.PublicIp),
  'network-interface.attachment.attach-time': (v) => ifaces(v).map((n) => n.Attachment?.AttachTime as Date | undefined),
  'network-interface.attachment.attachment-id': (v) => ifaces(v).map((n) => n.Attachment?.AttachmentId),
  'network-interface.attachment.delete-on-termination': (v) => ifaces(v).map((n) => n.Attachment?.DeleteOnTermination),
  'network-interface.attachment.device-index': (v) => ifaces(v).map((n) => n.Attachment?.DeviceIndex),
  'network-interface.attachment.instance-id': (v) => (ifaces(v).length ? v.instance.InstanceId : undefined),
  'network-interface.attachment.instance-owner-id': (v) => (ifaces(v).length ? v.ownerId : undefined),
  'network-interface.attachment.status': (v) => ifaces(v).map((n) => n.Attachment?.Status),
  'network-interface.availability-zone': (v) => (ifaces(v).length ? v.instance.Placement?.AvailabilityZone : undefined),
  'network-interface.description': (v) => ifaces(v).map((n) => n.Description),
  'network-interface.group-id': (v) => ifaces(v).flatMap((n) => (n.Groups ?? []).map((g) => g.GroupId)),
  'network-interface.group-name': (v) => ifaces(v).flatMap((n) => (n.Groups ?? []).map((g) => g.GroupName)),
  'network-interface.ipv6-addresses.ipv6-address': (v) => ifaces(v).flatMap((n) => (n.Ipv6Addresses ?? []).map((a) => a.Ipv6Address)),
  'network-interface.mac-address': (v) => ifaces(v).map((n) => n.MacAddress),
  'network-interface.network-interface-id': (v) => ifaces(v).map((n) => n.NetworkInterfaceId),
  'network-interface.owner-id': (v) => ifaces(v).map((n) => n.OwnerId),
  'network-interface.private-dns-name': (v) => ifaces(v).map((n) => n.PrivateDnsName),
  'network-interface.requester-id': none,
  'network-interface.requester-managed': (v) => ifaces(v).map(() => false),
  'network-interface.source-dest-check': (v) => ifaces(v).map((n) => n.SourceDestCheck),
  'network-interface.status': (v) => ifaces(v).map((n) => n.Status),
  'network-interface.subnet-id': (v) => ifaces(v).map((n) => n.SubnetId),
  'network-interface.vpc-id': (v) => ifaces(v).map((n) => n.VpcId),
  'outpost-arn': none,
  'owner-id': (v) => v.ownerId,
  'placement-group-name': none,
  'placement-partition-number': none,
  platform: (v) => v.instance.Platform,
  'private-dns-name': (v) => v.instance.PrivateDnsName,
  'private-ip-address': (v) => v.instance.PrivateIpAddress,
  'product-code': none,
  'product-code.type': none,
  'ramdisk-id': (v) => v.instance.RamdiskId,
  reason: (v) => v.instance.StateTransitionReason,
  'requester-id': none,
  'reservation-id': (v) => v.reservationId,
  'root-device-name': (v) => v.instance.RootDeviceName,
  'root-device-type': (v) => v.instance.RootDeviceType,
  'source-dest-check': (v) => v.instance.SourceDestCheck,
  'spot-instance-request-id': none,
  'state-reason-code': (v) => v.instance.StateReason?.Code,
  'state-reason-message': (v) => v.instance.StateReason?.Message,
  'subnet-id': (v) => [v.instance.SubnetId, ...ifaces(v).map((n) => n.SubnetId)],
  tenancy: (v) => v.instance.Placement?.Tenancy,
  'virtualization-type': (v) => v.instance.VirtualizationType,
  'vpc-id': (v) => [v.instance.VpcId, ...ifaces(v).map((n) => n.VpcId)],
};

export const instanceDescriptor = (filters: FilterSpec<InstanceView> = INSTANCE_FILTERS): ResourceDescriptor<InstanceRaw, InstanceView> => ({
  type: 'instance',
  idErrors: ID_ERRORS.instance,
  list: (ctx, query) => listInstances(ctx, query),
  uuidOf: (raw) => raw.server.id,
  format,
  idOf: (view) => view.instance.InstanceId!,
  filters,
  paging: { min: 5, max: 1000, exclusiveWithIds: 'instanceIds' },
  // A server gone from Nova without a terminated record (deleted outside EC2): its launch record goes too.
  forgetRecords: (ctx, gone) => deleteLaunchRecords(ctx.store, gone.map((g) => g.uuid)),
});
