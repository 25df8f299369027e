/**
 * Network interfaces for the actions: lookups with AWS's error codes, the batch loader that gives
 * ports their EC2 view (lib/domain/vpc/network-interfaces.ts formats), and the describe engine's
 * declaration.
 */
import type { ActionContext } from '../../lib/context.js';
import type { Entry, ResourceDescriptor } from '../../lib/describe/engine.js';
import { depsFor, ensureLaunchRecords } from '../../lib/domain/instances/instance-model.js';
import { readLaunchRecords, updateLaunchRecord, type LaunchRecord } from '../../lib/domain/instances/launch-record.js';
import { deferred } from '../../lib/deferred.js';
import { novaTime } from '../../lib/domain/instances/instance-state.js';
import { associationIdsOf } from '../../lib/domain/vpc/addresses.js';
import { vpcDeps } from '../../lib/domain/vpc/deps.js';
import { instanceVpcIds } from '../../lib/domain/vpc/network-vpc.js';
import {
  addressesInOrder,
  attachmentOf,
  formatNetworkInterface,
  isAttached,
  isInterfacePort,
  orderPorts,
  primaryAddressesOf,
  type InterfaceFacts,
  type PortAttachment,
} from '../../lib/domain/vpc/network-interfaces.js';
import { objectsOf, readObjects, type SubnetRecord } from '../../lib/domain/vpc/records.js';
import { securityGroupsKnown } from '../../lib/domain/vpc/security-groups.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import {
  floatingIpsOfPorts,
  getInterfacePort,
  portsById,
  portsOfDevices,
  portsOfProject,
  floatingIpsOfProject,
  type NeutronFloatingIp,
  type NeutronPort,
} from '../../lib/openstack/neutron.js';
import { getServers } from '../../lib/openstack/nova.js';
import { notFound } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ID_PREFIXES, assertEc2Id, ec2IdsFor, uuidOf } from '../../lib/store/ids.js';
import type { Tag } from '../../lib/store/tags.js';
import type { NetworkInterface } from '../../schemas/types.js';

const ERRORS = ID_ERRORS['network-interface'];

export const interfaceNotFound = (id: string) => notFound(ERRORS.notFound, id, ERRORS.noun);

export interface OwnedInterface {
  networkInterfaceId: string;
  port: NeutronPort;
}

/** The port's IPv4 addresses, primary first. */
export async function orderedAddresses(ctx: ActionContext, port: NeutronPort) {
  return addressesInOrder(port, (await primaryAddressesOf(ctx.store, [port])).get(port.id));
}

/** The caller's interface by id (malformed, unknown, deleted and other projects' ids are not found). */
export async function requireInterface(ctx: ActionContext, networkInterfaceId: string): Promise<OwnedInterface> {
  assertEc2Id(networkInterfaceId, ID_PREFIXES['network-interface'], ERRORS);
  const uuid = await uuidOf(ctx.store, networkInterfaceId);
  const port = uuid ? await mapErrors(() => getInterfacePort(ctx.openstack.neutron, uuid)) : undefined;
  if (!port || port.project_id !== ctx.caller.projectId || !isInterfacePort(port)) throw interfaceNotFound(networkInterfaceId);
  return { networkInterfaceId, port };
}

export interface InterfaceView {
  port: NeutronPort;
  item: NetworkInterface;
  attachment?: PortAttachment;
  launch?: LaunchRecord;
}

/**
 * EC2 views of a batch of ports: one read per kind of related thing (ids, groups, floating IPs,
 * launch records, the attached servers' other ports for their device order).
 * `allPorts`: the ports are every port of the project, so the servers' siblings are among them.
 */
export async function interfaceViews(
  ctx: ActionContext,
  ports: NeutronPort[],
  options: {
    ec2Ids?: Map<string, string>;
    tags?: Map<string, Tag[]>;
    allPorts?: boolean;
    /** Floating IPs read beside the ports (of these ports or more): those of other ports are left out. */
    floatingIps?: Promise<NeutronFloatingIp[]>;
    /** Every subnet record of the project, read beside the ports (their EC2 ids and zones). */
    subnetRecords?: SubnetRecord[];
  } = {},
): Promise<InterfaceView[]> {
  if (ports.length === 0) return [];
  const { store } = ctx;
  const neutron = ctx.openstack.neutron;
  const serverIds = [...new Set(ports.filter(isAttached).map((p) => p.device_id))];
  const subnetUuids = [...new Set(ports.flatMap((p) => p.fixed_ips.map((f) => f.subnet_id)))];
  const sgUuids = [...new Set(ports.flatMap((p) => p.security_groups))];
  const portIds = ports.map((p) => p.id);
  const portIdSet = new Set(portIds);
  // Everything below is one round: the reads that need another's answer are chained to it
  // (floating IPs -> their EC2 ids and associations, subnet ids -> subnet records).
  const fipsRead = (options.floatingIps ?? mapErrors(() => floatingIpsOfPorts(neutron, portIds))).then((all) =>
    all.filter((f) => f.port_id && portIdSet.has(f.port_id)),
  );
  const subnetRead = subnetsOf(ctx, subnetUuids, options.subnetRecords);
  const [portIdMap, subnet, vpc, groups, securityGroup, fips, launches, siblings, instanceIds, allocationIds, associationIds, zones, primaryIps] =
    await Promise.all([
      options.ec2Ids ?? ec2IdsFor(store, 'network-interface', portIds),
      subnetRead.then((s) => s.ids),
      instanceVpcIds(vpcDeps(ctx), ports.map((p) => p.network_id)),
      securityGroupsKnown(neutron, ctx.caller.projectId, sgUuids),
      ec2IdsFor(store, 'security-group', sgUuids),
      fipsRead,
      readLaunchRecords(store, serverIds),
      options.allPorts ? Promise.resolve(ports) : mapErrors(() => portsOfDevices(neutron, serverIds)),
      ec2IdsFor(store, 'instance', serverIds),
      fipsRead.then((fips) => ec2IdsFor(store, 'elastic-ip', fips.map((f) => f.id))),
      fipsRead.then((fips) => associationIdsOf(store, fips)),
      subnetRead.then((s) => s.zones),
      primaryAddressesOf(store, ports),
    ]);
  const siblingsOf = new Map<string, NeutronPort[]>();
  for (const p of siblings.filter(isAttached)) siblingsOf.set(p.device_id, [...(siblingsOf.get(p.device_id) ?? []), p]);
  // Servers with ports nobody recorded: their creation time tells the ports Nova made with them. The
  // launch record knows it (RunInstances' time, or Nova's once read); Nova is asked only otherwise.
  const unrecorded = serverIds.filter(
    (id) => !launches.get(id)?.launchedAt && (siblingsOf.get(id) ?? []).some((p) => !launches.get(id)?.ports?.some((r) => r.portId === p.id)),
  );
  const servers = await mapErrors(() => getServers(ctx.openstack.nova, unrecorded));
  const created = new Map([...launches].flatMap(([id, l]) => (l.launchedAt ? [[id, novaTime(l.launchedAt)] as const] : [])));
  for (const server of servers) created.set(server.id, novaTime(server.created));
  // Kept in the launch record so the next listing needs no Nova call for these servers: servers
  // nobody described yet are adopted as DescribeInstances would (with their creation time).
  const adopt = servers.filter((server) => !launches.has(server.id) && instanceIds.has(server.id));
  await Promise.all([
    ensureLaunchRecords(depsFor(ctx), adopt.map((server) => ({ server, ec2Id: instanceIds.get(server.id)! })), new Map()),
    ...servers
      .filter((server) => launches.has(server.id))
      .map((server) => updateLaunchRecord(store, server.id, (r) => ({ ...r, launchedAt: r.launchedAt ?? server.created }), () => launches.get(server.id)!)),
  ]);
  const floatingIpsByPort = new Map<string, typeof fips>();
  for (const f of fips) if (f.port_id) floatingIpsByPort.set(f.port_id, [...(floatingIpsByPort.get(f.port_id) ?? []), f]);
  const facts: InterfaceFacts = {
    ids: { port: portIdMap, subnet, vpc, securityGroup },
    securityGroups: new Map(groups.map((g) => [g.id, g])),
    floatingIpsByPort,
    allocationIds,
    associationIds,
    zones,
    primaryIps,
    projectId: ctx.caller.projectId,
    region: ctx.config.ec2Region,
  };
  return ports.map((port) => {
    let attachment: PortAttachment | undefined;
    let launch: LaunchRecord | undefined;
    if (isAttached(port)) {
      const serverId = port.device_id;
      launch = launches.get(serverId);
      const ordered = orderPorts(siblingsOf.get(serverId) ?? [port], launch);
      const position = Math.max(0, ordered.findIndex((p) => p.id === port.id));
      attachment = attachmentOf(port, { id: serverId, created: created.get(serverId), instanceId: instanceIds.get(serverId) }, launch, position);
    }
    const item = formatNetworkInterface(port, facts, attachment, { tags: options.tags?.get(portIdMap.get(port.id) ?? '') });
    return { port, item, attachment, launch };
  });
}

/**
 * EC2 ids and availability zones (by UUID) of the ports' subnets: from the project's subnet records
 * when a describe read them beside the ports, else (or for subnets not among them) by their
 * mappings and then their records. Subnets outside any VPC have no record: an id only.
 */
async function subnetsOf(ctx: ActionContext, uuids: string[], all?: SubnetRecord[]): Promise<{ ids: Map<string, string>; zones: Map<string, string> }> {
  const known = new Map((all ?? []).map((r) => [r.subnetUuid, r]));
  const unknown = uuids.filter((uuid) => !known.has(uuid));
  const unknownIds = await ec2IdsFor(ctx.store, 'subnet', unknown);
  const unknownRecords = unknownIds.size ? await readObjects<SubnetRecord>(ctx.store, [...unknownIds.values()]) : new Map<string, SubnetRecord>();
  const records = [...known.values(), ...unknownRecords.values()];
  const ids = new Map(unknownIds);
  for (const uuid of uuids) {
    const record = known.get(uuid);
    if (record) ids.set(uuid, record.subnetId);
  }
  return { ids, zones: new Map(records.map((r) => [r.subnetUuid, r.availabilityZone])) };
}

export async function interfaceView(ctx: ActionContext, owned: OwnedInterface): Promise<InterfaceView> {
  const [view] = await interfaceViews(ctx, [owned.port], { ec2Ids: new Map([[owned.port.id, owned.networkInterfaceId]]) });
  return view!;
}

// ---- DescribeNetworkInterfaces

const addresses = (ni: NetworkInterface) => ni.PrivateIpAddresses ?? [];

export const interfaceDescriptor: ResourceDescriptor<NeutronPort, NetworkInterface, SubnetRecord[]> = {
  type: 'network-interface',
  idErrors: ERRORS,
  // The subnet records (EC2 ids, zones) are read while Neutron lists the ports: a project has few.
  prefetch: (ctx) => objectsOf<SubnetRecord>(ctx.store, 'subnet'),
  async list(ctx, query) {
    const neutron = ctx.openstack.neutron;
    const projectId = ctx.caller.projectId;
    // The floating IPs are asked for beside the ports (those of the ports named, or the project's):
    // the interfaces' addresses then need no second round to Neutron.
    const floatingIps = deferred(
      mapErrors(() => (query.uuids ? floatingIpsOfPorts(neutron, query.uuids) : floatingIpsOfProject(neutron, projectId))),
    );
    const ports = await mapErrors(() => (query.uuids ? portsById(neutron, query.uuids) : portsOfProject(neutron, projectId)));
    // Routers', DHCP's and floating IPs' ports are not interfaces: their ids stay (a port may be
    // re-purposed only by deletion), so the listing is complete for interfaces only.
    const items = ports.filter((p) => p.project_id === projectId && isInterfacePort(p));
    const listing: Listing = { allPorts: !query.uuids, floatingIps };
    for (const port of items) listedWith.set(port, listing);
    return { items, complete: !query.uuids, retained: ports.filter((p) => !isInterfacePort(p)).map((p) => p.id) };
  },
  uuidOf: (port) => port.id,
  format: formatInterfaces,
  idOf: (ni) => ni.NetworkInterfaceId!,
  filters: {
    'addresses.private-ip-address': (ni) => addresses(ni).map((a) => a.PrivateIpAddress),
    'addresses.primary': (ni) => addresses(ni).map((a) => a.Primary),
    'addresses.association.public-ip': (ni) => addresses(ni).map((a) => a.Association?.PublicIp),
    'addresses.association.owner-id': (ni) => addresses(ni).map((a) => a.Association?.IpOwnerId),
    'association.allocation-id': (ni) => addresses(ni).map((a) => a.Association?.AllocationId),
    'association.association-id': (ni) => addresses(ni).map((a) => a.Association?.AssociationId),
    'association.ip-owner-id': (ni) => addresses(ni).map((a) => a.Association?.IpOwnerId),
    'association.public-ip': (ni) => addresses(ni).map((a) => a.Association?.PublicIp),
    'association.public-dns-name': (ni) => addresses(ni).map((a) => a.Association?.PublicDnsName),
    'attachment.attachment-id': (ni) => ni.Attachment?.AttachmentId,
    'attachment.instance-id': (ni) => ni.Attachment?.InstanceId,
    'attachment.instance-owner-id': (ni) => ni.Attachment?.InstanceOwnerId,
    'attachment.device-index': (ni) => ni.Attachment?.DeviceIndex,
    'attachment.status': (ni) => ni.Attachment?.Status,
    'attachment.attach-time': (ni) => (ni.Attachment?.AttachTime ? new Date(ni.Attachment.AttachTime).toISOString() : undefined),
    'attachment.delete-on-termination': (ni) => ni.Attachment?.DeleteOnTermination,
    'availability-zone': (ni) => ni.AvailabilityZone,
    description: (ni) => ni.Description,
    'group-id': (ni) => (ni.Groups ?? []).map((g) => g.GroupId),
    'group-name': (ni) => (ni.Groups ?? []).map((g) => g.GroupName),
    'interface-type': (ni) => ni.InterfaceType,
    'ipv6-addresses.ipv6-address': (ni) => (ni.Ipv6Addresses ?? []).map((a) => a.Ipv6Address),
    'mac-address': (ni) => ni.MacAddress,
    'network-interface-id': (ni) => ni.NetworkInterfaceId,
    'owner-id': (ni) => ni.OwnerId,
    'private-dns-name': (ni) => ni.PrivateDnsName,
    'private-ip-address': (ni) => addresses(ni).map((a) => a.PrivateIpAddress),
    'requester-managed': (ni) => ni.RequesterManaged,
    'source-dest-check': (ni) => ni.SourceDestCheck,
    status: (ni) => ni.Status,
    'subnet-id': (ni) => ni.SubnetId,
    'vpc-id': (ni) => ni.VpcId,
  },
};

/** How a describe listed its ports: with every port of the project, and the floating IPs read beside. */
interface Listing {
  allPorts: boolean;
  floatingIps: Promise<NeutronFloatingIp[]>;
}
const listedWith = new WeakMap<NeutronPort, Listing>();

async function formatInterfaces(ctx: ActionContext, entries: Array<Entry<NeutronPort>>, subnetRecords?: SubnetRecord[]): Promise<NetworkInterface[]> {
  // The engine formats what one listing gave; ports from elsewhere are read on their own.
  const listing = entries.length > 0 ? listedWith.get(entries[0]!.raw) : undefined;
  const sameListing = listing !== undefined && entries.every((e) => listedWith.get(e.raw) === listing);
  const views = await interfaceViews(
    ctx,
    entries.map((e) => e.raw),
    {
      ec2Ids: new Map(entries.map((e) => [e.raw.id, e.ec2Id])),
      tags: new Map(entries.map((e) => [e.ec2Id, e.tags])),
      // A listing of the project has every server's ports already: no second port listing.
      allPorts: sameListing && listing.allPorts,
      floatingIps: sameListing ? listing.floatingIps : undefined,
      subnetRecords,
    },
  );
  return views.map((v) => v.item);
}
