/**
 * The VPC family's objects for the describe engine. VPCs and subnets are checked against Neutron
 * (a router or subnet deleted behind EC2's back disappears); route tables, internet gateways and
 * DHCP options exist only in the state table, with a made-up UUID standing in for OpenStack's.
 */
import type { ActionContext } from '../../lib/context.js';
import type { Entry, ListQuery, ListResult, ResourceDescriptor } from '../../lib/describe/engine.js';
import type { FilterSpec } from '../../lib/describe/filters.js';
import { parseCidr, size } from '../../lib/domain/vpc/cidr.js';
import { ensureDefaultVpcDecided } from '../../lib/domain/vpc/default-vpc.js';
import { vpcDeps } from '../../lib/domain/vpc/deps.js';
import {
  objectsOf,
  type DhcpOptionsRecord,
  type InternetGatewayRecord,
  type RouteTableRecord,
  type SubnetRecord,
  type VpcRecord,
} from '../../lib/domain/vpc/records.js';
import { propagatedRoutes, propagationContext, type PropagationContext } from '../../lib/domain/vpc/vpn-routes.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { ROUTER_INTERFACES, portAddressesOfNetworks, routersById, routersOfProject, subnetDetailsById, type NeutronSubnetDetail } from '../../lib/openstack/neutron.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import type { AttachmentStatus, DhcpOptions, InternetGateway, Route, RouteTable, RouteTableAssociation, Subnet, Vpc } from '../../schemas/types.js';

/** Objects of one kind, narrowed to the UUIDs asked for. */
async function listed<T>(ctx: ActionContext, prefix: string, query: ListQuery, uuidOf: (r: T) => string): Promise<ListResult<T>> {
  const all = await objectsOf<T>(ctx.store, prefix);
  if (!query.uuids) return { items: all, complete: true };
  const wanted = new Set(query.uuids);
  return { items: all.filter((r) => wanted.has(uuidOf(r))), complete: false };
}

// ---- VPCs

export const vpcDescriptor: ResourceDescriptor<VpcRecord, Vpc> = {
  type: 'vpc',
  idErrors: ID_ERRORS.vpc,
  async list(ctx, query) {
    await ensureDefaultVpcDecided(vpcDeps(ctx));
    // Neutron is asked while the records are read: by the ids asked for, or for the project's
    // routers (every VPC's router is the project's: made by CreateVpc or adopted as its own).
    const neutron = ctx.openstack.neutron;
    const [records, listedRouters] = await Promise.all([
      listed<VpcRecord>(ctx, 'vpc', query, (r) => r.routerId),
      mapErrors(() => (query.uuids ? routersById(neutron, query.uuids) : routersOfProject(neutron, ctx.caller.projectId))),
    ]);
    const routers = new Set(listedRouters.map((r) => r.id));
    // Never complete: the type's mappings also hold the ids instances show for networks outside any
    // VPC (lib/domain/vpc/network-vpc.ts), which must not be pruned; deletes forget their own ids.
    return { items: records.items.filter((r) => routers.has(r.routerId)), complete: false };
  },
  uuidOf: (r) => r.routerId,
  format: async (ctx, entries) => entries.map((e) => formatVpc(ctx, e.raw, e.tags)),
  idOf: (v) => v.VpcId!,
  filters: {
    cidr: (v) => v.CidrBlock,
    'cidr-block-association.association-id': (v) => (v.CidrBlockAssociationSet ?? []).map((a) => a.AssociationId),
    'cidr-block-association.cidr-block': (v) => (v.CidrBlockAssociationSet ?? []).map((a) => a.CidrBlock),
    'cidr-block-association.state': (v) => (v.CidrBlockAssociationSet ?? []).map((a) => a.CidrBlockState?.State),
    'dhcp-options-id': (v) => v.DhcpOptionsId,
    'is-default': (v) => v.IsDefault,
    'owner-id': (v) => v.OwnerId,
    state: (v) => v.State,
    'vpc-id': (v) => v.VpcId,
  },
};

export function formatVpc(ctx: ActionContext, r: VpcRecord, tags: Entry<VpcRecord>['tags'] = []): Vpc {
  return {
    VpcId: r.vpcId,
    CidrBlock: r.cidr,
    DhcpOptionsId: r.dhcpOptionsId ?? 'default',
    State: 'available',
    OwnerId: ctx.caller.projectId,
    InstanceTenancy: 'default',
    CidrBlockAssociationSet: [{ AssociationId: r.cidrAssociationId, CidrBlock: r.cidr, CidrBlockState: { State: 'associated' } }],
    Ipv6CidrBlockAssociationSet: [],
    IsDefault: r.isDefault,
    Tags: tags,
  };
}

// ---- subnets

export interface SubnetRaw {
  record: SubnetRecord;
  subnet: NeutronSubnetDetail;
  /** Addresses in use by instances and interfaces (the router's and DHCP's are among AWS's five reserved). */
  used: number;
}

const RESERVED_OWNERS = new Set([...ROUTER_INTERFACES, 'network:dhcp']);

export async function listSubnets(ctx: ActionContext, query: ListQuery): Promise<ListResult<SubnetRaw>> {
  await ensureDefaultVpcDecided(vpcDeps(ctx));
  const records = await listed<SubnetRecord>(ctx, 'subnet', query, (r) => r.subnetUuid);
  const neutron = ctx.openstack.neutron;
  const [subnets, ports] = await mapErrors(() =>
    Promise.all([subnetDetailsById(neutron, records.items.map((r) => r.subnetUuid)), portAddressesOfNetworks(neutron, records.items.map((r) => r.networkId))]),
  );
  const used = new Map<string, number>();
  for (const port of ports) {
    if (RESERVED_OWNERS.has(port.device_owner)) continue;
    for (const ip of port.fixed_ips) used.set(ip.subnet_id, (used.get(ip.subnet_id) ?? 0) + 1);
  }
  const byUuid = new Map(subnets.map((s) => [s.id, s]));
  const items = records.items.flatMap((record) => {
    const subnet = byUuid.get(record.subnetUuid);
    return subnet ? [{ record, subnet, used: used.get(subnet.id) ?? 0 }] : [];
  });
  return { items, complete: records.complete };
}

export function formatSubnet(ctx: ActionContext, record: SubnetRecord, used: number, tags: Entry<SubnetRaw>['tags'] = []): Subnet {
  const cidr = parseCidr(record.cidr);
  return {
    SubnetId: record.subnetId,
    VpcId: record.vpcId,
    CidrBlock: record.cidr,
    AvailabilityZone: record.availabilityZone,
    AvailabilityZoneId: record.availabilityZone,
    AvailableIpAddressCount: cidr ? Math.max(0, size(cidr) - 5 - used) : 0,
    DefaultForAz: record.defaultForAz,
    MapPublicIpOnLaunch: record.mapPublicIpOnLaunch,
    MapCustomerOwnedIpOnLaunch: false,
    State: 'available',
    OwnerId: ctx.caller.projectId,
    AssignIpv6AddressOnCreation: false,
    Ipv6CidrBlockAssociationSet: [],
    SubnetArn: `arn:aws:ec2:${ctx.config.ec2Region}:${ctx.caller.projectId}:subnet/${record.subnetId}`,
    EnableDns64: false,
    Ipv6Native: false,
    PrivateDnsNameOptionsOnLaunch: { HostnameType: 'ip-name', EnableResourceNameDnsARecord: false, EnableResourceNameDnsAAAARecord: false },
    Tags: tags,
  };
}

export const SUBNET_FILTERS: FilterSpec<Subnet> = {
  'availability-zone': (s) => s.AvailabilityZone,
  'availability-zone-id': (s) => s.AvailabilityZoneId,
  'available-ip-address-count': (s) => s.AvailableIpAddressCount,
  'cidr-block': (s) => s.CidrBlock,
  cidr: (s) => s.CidrBlock,
  cidrBlock: (s) => s.CidrBlock,
  'default-for-az': (s) => s.DefaultForAz,
  defaultForAz: (s) => s.DefaultForAz,
  'enable-dns64': (s) => s.EnableDns64,
  'ipv6-native': (s) => s.Ipv6Native,
  'map-public-ip-on-launch': (s) => s.MapPublicIpOnLaunch,
  'owner-id': (s) => s.OwnerId,
  state: (s) => s.State,
  'subnet-arn': (s) => s.SubnetArn,
  'subnet-id': (s) => s.SubnetId,
  'vpc-id': (s) => s.VpcId,
};

export const subnetDescriptor: ResourceDescriptor<SubnetRaw, Subnet> = {
  type: 'subnet',
  idErrors: ID_ERRORS.subnet,
  list: listSubnets,
  uuidOf: (r) => r.record.subnetUuid,
  format: async (ctx, entries) => entries.map((e) => formatSubnet(ctx, e.raw.record, e.raw.used, e.tags)),
  idOf: (s) => s.SubnetId!,
  filters: SUBNET_FILTERS,
};


// ---- route tables

export interface RouteTableContext {
  vpcs: Map<string, VpcRecord>;
  attached: Map<string, string | undefined>;
  /** VPN gateways and connections, for propagated routes (lib/domain/vpc/vpn-routes.ts). */
  propagation: PropagationContext;
}

export async function routeTableContext(ctx: ActionContext): Promise<RouteTableContext> {
  const [vpcs, gateways, propagation] = await Promise.all([
    objectsOf<VpcRecord>(ctx.store, 'vpc'),
    objectsOf<InternetGatewayRecord>(ctx.store, 'igw'),
    propagationContext(ctx.store),
  ]);
  return { vpcs: new Map(vpcs.map((v) => [v.vpcId, v])), attached: new Map(gateways.map((g) => [g.internetGatewayId, g.vpcId])), propagation };
}

export function formatRouteTable(ctx: ActionContext, r: RouteTableRecord, related: RouteTableContext, tags: Entry<RouteTableRecord>['tags'] = []): RouteTable {
  const vpc = related.vpcs.get(r.vpcId);
  const associations: RouteTableAssociation[] = r.associations.map((a) => ({
    Main: false,
    RouteTableAssociationId: a.associationId,
    RouteTableId: r.routeTableId,
    SubnetId: a.subnetId,
    AssociationState: { State: 'associated' },
  }));
  if (vpc?.mainRouteTableId === r.routeTableId) {
    associations.unshift({ Main: true, RouteTableAssociationId: vpc.mainAssociationId, RouteTableId: r.routeTableId, AssociationState: { State: 'associated' } });
  }
  const routes: Route[] = r.routes.map((route) => {
    const blackhole = route.gatewayId !== undefined && route.gatewayId !== 'local' && related.attached.get(route.gatewayId) !== r.vpcId;
    return {
      DestinationCidrBlock: route.destination,
      GatewayId: route.gatewayId,
      InstanceId: route.instanceId,
      InstanceOwnerId: route.instanceId ? ctx.caller.projectId : undefined,
      NetworkInterfaceId: route.networkInterfaceId,
      Origin: route.origin,
      State: blackhole ? 'blackhole' : 'active',
    };
  });
  const propagated = propagatedRoutes(r, related.propagation);
  routes.push(...propagated.routes);
  return { RouteTableId: r.routeTableId, VpcId: r.vpcId, OwnerId: ctx.caller.projectId, Routes: routes, Associations: associations, PropagatingVgws: propagated.gateways, Tags: tags };
}

export const routeTableDescriptor: ResourceDescriptor<RouteTableRecord, RouteTable> = {
  type: 'route-table',
  idErrors: ID_ERRORS['route-table'],
  async list(ctx, query) {
    await ensureDefaultVpcDecided(vpcDeps(ctx));
    return listed<RouteTableRecord>(ctx, 'rtb', query, (r) => r.uuid);
  },
  uuidOf: (r) => r.uuid,
  async format(ctx, entries) {
    const related = await routeTableContext(ctx);
    return entries.map((e) => formatRouteTable(ctx, e.raw, related, e.tags));
  },
  idOf: (t) => t.RouteTableId!,
  // AWS pages route tables by at most 100.
  paging: { min: 5, max: 100 },
  filters: {
    'association.main': (t) => (t.Associations ?? []).map((a) => a.Main),
    'association.route-table-association-id': (t) => (t.Associations ?? []).map((a) => a.RouteTableAssociationId),
    'association.route-table-id': (t) => (t.Associations ?? []).map((a) => a.RouteTableId),
    'association.subnet-id': (t) => (t.Associations ?? []).map((a) => a.SubnetId),
    'owner-id': (t) => t.OwnerId,
    'route-table-id': (t) => t.RouteTableId,
    'route.destination-cidr-block': (t) => (t.Routes ?? []).map((r) => r.DestinationCidrBlock),
    'route.gateway-id': (t) => (t.Routes ?? []).map((r) => r.GatewayId),
    'route.instance-id': (t) => (t.Routes ?? []).map((r) => r.InstanceId),
    'route.origin': (t) => (t.Routes ?? []).map((r) => r.Origin),
    'route.state': (t) => (t.Routes ?? []).map((r) => r.State),
    'vpc-id': (t) => t.VpcId,
  },
};

// ---- internet gateways

export function formatInternetGateway(ctx: ActionContext, r: InternetGatewayRecord, tags: Entry<InternetGatewayRecord>['tags'] = []): InternetGateway {
  return {
    InternetGatewayId: r.internetGatewayId,
    OwnerId: ctx.caller.projectId,
    // AWS answers 'available' for an attached internet gateway, outside its own enum.
    Attachments: r.vpcId ? [{ State: 'available' as AttachmentStatus, VpcId: r.vpcId }] : [],
    Tags: tags,
  };
}

export const internetGatewayDescriptor: ResourceDescriptor<InternetGatewayRecord, InternetGateway> = {
  type: 'internet-gateway',
  idErrors: ID_ERRORS['internet-gateway'],
  async list(ctx, query) {
    await ensureDefaultVpcDecided(vpcDeps(ctx));
    return listed<InternetGatewayRecord>(ctx, 'igw', query, (r) => r.uuid);
  },
  uuidOf: (r) => r.uuid,
  format: async (ctx, entries) => entries.map((e) => formatInternetGateway(ctx, e.raw, e.tags)),
  idOf: (g) => g.InternetGatewayId!,
  filters: {
    'attachment.state': (g) => (g.Attachments ?? []).map((a) => a.State),
    'attachment.vpc-id': (g) => (g.Attachments ?? []).map((a) => a.VpcId),
    'internet-gateway-id': (g) => g.InternetGatewayId,
    'owner-id': (g) => g.OwnerId,
  },
};

// ---- DHCP options

export function formatDhcpOptions(ctx: ActionContext, r: DhcpOptionsRecord, tags: Entry<DhcpOptionsRecord>['tags'] = []): DhcpOptions {
  return {
    DhcpOptionsId: r.dhcpOptionsId,
    OwnerId: ctx.caller.projectId,
    DhcpConfigurations: r.configurations.map((c) => ({ Key: c.Key, Values: c.Values.map((Value) => ({ Value })) })),
    Tags: tags,
  };
}

export const dhcpOptionsDescriptor: ResourceDescriptor<DhcpOptionsRecord, DhcpOptions> = {
  type: 'dhcp-options',
  idErrors: ID_ERRORS['dhcp-options'],
  list: (ctx, query) => listed<DhcpOptionsRecord>(ctx, 'dopt', query, (r) => r.uuid),
  uuidOf: (r) => r.uuid,
  format: async (ctx, entries) => entries.map((e) => formatDhcpOptions(ctx, e.raw, e.tags)),
  idOf: (d) => d.DhcpOptionsId!,
  filters: {
    'dhcp-options-id': (d) => d.DhcpOptionsId,
    key: (d) => (d.DhcpConfigurations ?? []).map((c) => c.Key),
    value: (d) => (d.DhcpConfigurations ?? []).flatMap((c) => (c.Values ?? []).map((v) => v.Value)),
    'owner-id': (d) => d.OwnerId,
  },
};
