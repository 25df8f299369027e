/**
 * VPN objects of the vpc family (docs/vpn.md): lookups by EC2 id with AWS's codes, their formats
 * and describe descriptors. Customer and VPN gateways exist only in the state table; a connection's
 * state, outside address and document come from Neutron vpnaas at describe time.
 */
import type { ActionContext } from '../../lib/context.js';
import type { Entry, ListQuery, ListResult, ResourceDescriptor } from '../../lib/describe/engine.js';
import { deferredAll } from '../../lib/deferred.js';
import { KeptById } from '../../lib/domain/vpc/kept-by-id.js';
import { objectsOf, readObject } from '../../lib/domain/vpc/records.js';
import { customerGatewayConfiguration, ikePolicyFor, ipsecPolicyFor } from '../../lib/domain/vpc/vpn-config.js';
import type { CustomerGatewayRecord, VpnConnectionRecord, VpnGatewayRecord } from '../../lib/domain/vpc/vpn-records.js';
import { vpnaasAvailable } from '../../lib/domain/vpc/vpn-support.js';
import { connectionStatus } from '../../lib/domain/vpc/vpn-tunnel.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import {
  ikePoliciesById,
  ipsecPoliciesById,
  siteConnectionsById,
  siteConnectionsOfProject,
  vpnServicesById,
  vpnServicesOfProject,
  type NeutronIkePolicy,
  type NeutronIpsecPolicy,
  type NeutronIpsecSiteConnection,
  type NeutronVpnService,
} from '../../lib/openstack/neutron.js';
import { notFound } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ID_PREFIXES, assertEc2Id, type ResourceType } from '../../lib/store/ids.js';
import type { CustomerGateway, VpnConnection, VpnGateway } from '../../schemas/types.js';

async function requireRecord<T>(ctx: ActionContext, type: ResourceType, ec2Id: string): Promise<T> {
  assertEc2Id(ec2Id, ID_PREFIXES[type], ID_ERRORS[type]);
  const record = await readObject<T>(ctx.store, ec2Id);
  if (!record) throw notFound(ID_ERRORS[type].notFound, ec2Id, ID_ERRORS[type].noun);
  return record;
}

export const requireCustomerGateway = (ctx: ActionContext, id: string) => requireRecord<CustomerGatewayRecord>(ctx, 'customer-gateway', id);
export const requireVpnGateway = (ctx: ActionContext, id: string) => requireRecord<VpnGatewayRecord>(ctx, 'vpn-gateway', id);
export const requireVpnConnection = (ctx: ActionContext, id: string) => requireRecord<VpnConnectionRecord>(ctx, 'vpn-connection', id);

export const customerGateways = (ctx: ActionContext) => objectsOf<CustomerGatewayRecord>(ctx.store, 'cgw');
export const vpnGateways = (ctx: ActionContext) => objectsOf<VpnGatewayRecord>(ctx.store, 'vgw');
export const vpnConnections = (ctx: ActionContext) => objectsOf<VpnConnectionRecord>(ctx.store, 'vpn');
export const vpnGatewaysOfVpc = async (ctx: ActionContext, vpcId: string) => (await vpnGateways(ctx)).filter((g) => g.vpcId === vpcId);

/** Records of one kind, narrowed to the UUIDs asked for. */
async function listed<T>(ctx: ActionContext, prefix: string, query: ListQuery, uuidOf: (r: T) => string): Promise<ListResult<T>> {
  const all = await objectsOf<T>(ctx.store, prefix);
  if (!query.uuids) return { items: all, complete: true };
  const wanted = new Set(query.uuids);
  return { items: all.filter((r) => wanted.has(uuidOf(r))), complete: false };
}

// ---- customer gateways

export function formatCustomerGateway(r: CustomerGatewayRecord, tags: Entry<CustomerGatewayRecord>['tags'] = []): CustomerGateway {
  return {
    CustomerGatewayId: r.customerGatewayId,
    BgpAsn: String(r.bgpAsn),
    IpAddress: r.ipAddress,
    State: 'available',
    Type: r.type,
    DeviceName: r.deviceName,
    Tags: tags,
  };
}

export const customerGatewayDescriptor: ResourceDescriptor<CustomerGatewayRecord, CustomerGateway> = {
  type: 'customer-gateway',
  idErrors: ID_ERRORS['customer-gateway'],
  list: (ctx, query) => listed<CustomerGatewayRecord>(ctx, 'cgw', query, (r) => r.uuid),
  uuidOf: (r) => r.uuid,
  format: async (_ctx, entries) => entries.map((e) => formatCustomerGateway(e.raw, e.tags)),
  idOf: (g) => g.CustomerGatewayId!,
  filters: {
    'bgp-asn': (g) => g.BgpAsn,
    'customer-gateway-id': (g) => g.CustomerGatewayId,
    'ip-address': (g) => g.IpAddress,
    state: (g) => g.State,
    type: (g) => g.Type,
  },
};

// ---- VPN gateways

export function formatVpnGateway(r: VpnGatewayRecord, tags: Entry<VpnGatewayRecord>['tags'] = []): VpnGateway {
  return {
    VpnGatewayId: r.vpnGatewayId,
    State: 'available',
    Type: r.type,
    AvailabilityZone: r.availabilityZone,
    AmazonSideAsn: r.amazonSideAsn,
    VpcAttachments: r.vpcId ? [{ State: 'attached', VpcId: r.vpcId }] : [],
    Tags: tags,
  };
}

export const vpnGatewayDescriptor: ResourceDescriptor<VpnGatewayRecord, VpnGateway> = {
  type: 'vpn-gateway',
  idErrors: ID_ERRORS['vpn-gateway'],
  list: (ctx, query) => listed<VpnGatewayRecord>(ctx, 'vgw', query, (r) => r.uuid),
  uuidOf: (r) => r.uuid,
  format: async (_ctx, entries) => entries.map((e) => formatVpnGateway(e.raw, e.tags)),
  idOf: (g) => g.VpnGatewayId!,
  filters: {
    'amazon-side-asn': (g) => g.AmazonSideAsn,
    'attachment.state': (g) => (g.VpcAttachments ?? []).map((a) => a.State),
    'attachment.vpc-id': (g) => (g.VpcAttachments ?? []).map((a) => a.VpcId),
    'availability-zone': (g) => g.AvailabilityZone,
    state: (g) => g.State,
    type: (g) => g.Type,
    'vpn-gateway-id': (g) => g.VpnGatewayId,
  },
};

// ---- VPN connections

/** What Neutron holds for a batch of connections: four listings in parallel. */
export interface ConnectionFacts {
  services: Map<string, NeutronVpnService>;
  sites: Map<string, NeutronIpsecSiteConnection>;
  ike: Map<string, NeutronIkePolicy>;
  ipsec: Map<string, NeutronIpsecPolicy>;
  customerGateways: Map<string, CustomerGatewayRecord>;
}

/**
 * A connection's IKE and IPsec policies are made with it and never changed through EC2: kept per
 * container (KeptById), so a describe asks Neutron only for what changes, the VPN services' and
 * site connections' states.
 */
const ikeKept = new KeptById<NeutronIkePolicy>(1024);
const ipsecKept = new KeptById<NeutronIpsecPolicy>(1024);

/** The project's VPN services and site connections, asked for beside a listing's record read. */
export interface ProjectVpnObjects {
  services: Promise<NeutronVpnService[]>;
  sites: Promise<NeutronIpsecSiteConnection[]>;
}

export async function connectionFacts(
  ctx: ActionContext,
  records: VpnConnectionRecord[],
  early?: ProjectVpnObjects,
  gatewaysRead?: CustomerGatewayRecord[],
): Promise<ConnectionFacts> {
  const neutron = ctx.openstack.neutron;
  const projectId = ctx.caller.projectId;
  const byId = <T extends { id: string }>(items: T[]) => new Map(items.map((i) => [i.id, i]));
  const [services, sites, ike, ipsec, gateways] = await Promise.all([
    early?.services ?? mapErrors(() => vpnServicesById(neutron, records.map((r) => r.vpnServiceId))),
    early?.sites ?? mapErrors(() => siteConnectionsById(neutron, records.flatMap((r) => (r.tunnel ? [r.tunnel.siteConnectionId] : [])))),
    ikeKept.get(projectId, records.map((r) => r.ikePolicyId), (ids) => mapErrors(() => ikePoliciesById(neutron, ids))),
    ipsecKept.get(projectId, records.map((r) => r.ipsecPolicyId), (ids) => mapErrors(() => ipsecPoliciesById(neutron, ids))),
    gatewaysRead ?? (records.length ? customerGateways(ctx) : Promise.resolve([])),
  ]);
  return {
    services: byId(services),
    sites: byId(sites),
    ike: byId(ike),
    ipsec: byId(ipsec),
    customerGateways: new Map(gateways.map((g) => [g.customerGatewayId, g])),
  };
}

export function formatVpnConnection(r: VpnConnectionRecord, facts: ConnectionFacts, tags: Entry<VpnConnectionRecord>['tags'] = []): VpnConnection {
  const service = facts.services.get(r.vpnServiceId);
  const site = r.tunnel ? facts.sites.get(r.tunnel.siteConnectionId) : undefined;
  // A tunnel whose site connection Neutron no longer has is down, whatever the service says.
  const status = connectionStatus(service?.status, r.tunnel ? (site?.status ?? 'DOWN') : undefined);
  const outsideAddress = service?.external_v4_ip ?? undefined;
  const customerAddress = site?.peer_address ?? facts.customerGateways.get(r.customerGatewayId)?.ipAddress ?? '';
  // The policies are ours and never change; Neutron's copy wins when it answers.
  const configuration = customerGatewayConfiguration({
    vpnConnectionId: r.vpnConnectionId,
    customerGatewayId: r.customerGatewayId,
    vpnGatewayId: r.vpnGatewayId,
    customerGatewayAddress: customerAddress,
    vpnGatewayAddress: outsideAddress,
    preSharedKey: site?.psk ?? r.preSharedKey,
    ike: facts.ike.get(r.ikePolicyId) ?? ikePolicyFor(r.vpnConnectionId),
    ipsec: facts.ipsec.get(r.ipsecPolicyId) ?? ipsecPolicyFor(r.vpnConnectionId),
  });
  const routeState = status.state === 'deleting' ? 'deleting' : 'available';
  return {
    VpnConnectionId: r.vpnConnectionId,
    CustomerGatewayId: r.customerGatewayId,
    VpnGatewayId: r.vpnGatewayId,
    Type: 'ipsec.1',
    Category: 'VPN',
    State: status.state,
    CustomerGatewayConfiguration: configuration,
    Options: {
      StaticRoutesOnly: true,
      EnableAcceleration: false,
      TunnelInsideIpVersion: 'ipv4',
      LocalIpv4NetworkCidr: '0.0.0.0/0',
      RemoteIpv4NetworkCidr: '0.0.0.0/0',
      OutsideIpAddressType: 'PublicIpv4',
      TunnelOptions: [{ OutsideIpAddress: outsideAddress, PreSharedKey: site?.psk ?? r.preSharedKey }],
    },
    Routes: r.routes.map((cidr) => ({ DestinationCidrBlock: cidr, Source: 'Static', State: routeState })),
    VgwTelemetry: [
      {
        OutsideIpAddress: outsideAddress,
        Status: status.telemetry,
        StatusMessage: status.message,
        AcceptedRouteCount: status.telemetry === 'UP' ? r.routes.length : 0,
        LastStatusChange: r.createdAt,
      },
    ],
    Tags: tags,
  };
}

/** The Neutron objects a listing asked for beside its records, by record. */
const listedWith = new WeakMap<VpnConnectionRecord, ProjectVpnObjects>();

export const vpnConnectionDescriptor: ResourceDescriptor<VpnConnectionRecord, VpnConnection, CustomerGatewayRecord[]> = {
  type: 'vpn-connection',
  idErrors: ID_ERRORS['vpn-connection'],
  // The customer gateways (their addresses) are read while the connections are listed.
  prefetch: (ctx) => customerGateways(ctx),
  async list(ctx, query) {
    // Without vpnaas there can be no connections: answer empty without asking for its objects.
    const neutron = ctx.openstack.neutron;
    if (!(await vpnaasAvailable(neutron))) return { items: [], complete: false };
    if (query.uuids) return listed<VpnConnectionRecord>(ctx, 'vpn', query, (r) => r.uuid);
    // A listing asks Neutron for the project's services and site connections while it reads the
    // records (every connection's are the project's), instead of by the records' ids after them.
    const projectId = ctx.caller.projectId;
    const early: ProjectVpnObjects = deferredAll({
      services: mapErrors(() => vpnServicesOfProject(neutron, projectId)),
      sites: mapErrors(() => siteConnectionsOfProject(neutron, projectId)),
    });
    const result = await listed<VpnConnectionRecord>(ctx, 'vpn', query, (r) => r.uuid);
    for (const record of result.items) listedWith.set(record, early);
    return result;
  },
  uuidOf: (r) => r.uuid,
  async format(ctx, entries, gateways) {
    const early = entries.length ? listedWith.get(entries[0]!.raw) : undefined;
    const sameListing = early !== undefined && entries.every((e) => listedWith.get(e.raw) === early);
    const facts = await connectionFacts(ctx, entries.map((e) => e.raw), sameListing ? early : undefined, gateways);
    return entries.map((e) => formatVpnConnection(e.raw, facts, e.tags));
  },
  idOf: (c) => c.VpnConnectionId!,
  filters: {
    'customer-gateway-configuration': (c) => c.CustomerGatewayConfiguration,
    'customer-gateway-id': (c) => c.CustomerGatewayId,
    'option.static-routes-only': (c) => c.Options?.StaticRoutesOnly,
    'route.destination-cidr-block': (c) => (c.Routes ?? []).map((r) => r.DestinationCidrBlock),
    state: (c) => c.State,
    type: (c) => c.Type,
    'transit-gateway-id': (c) => c.TransitGatewayId,
    'vpn-connection-id': (c) => c.VpnConnectionId,
    'vpn-gateway-id': (c) => c.VpnGatewayId,
  },
};
