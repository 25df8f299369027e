/**
 * Typed Neutron calls for the instances family: ports (listed for a set of servers or a whole
 * project, created before a launch, updated for security groups and source/destination checks),
 * floating IPs, security groups, networks and subnets.
 *
 * Listings always say whose resources they want (device ids, port ids or the project id): the same
 * calls then also serve a caller with a service token, who would otherwise see every project.
 */
import { OpenStackError, type ServiceClient } from './http.js';

export interface NeutronFixedIp {
  subnet_id: string;
  ip_address: string;
}

export interface NeutronPort {
  id: string;
  name: string;
  network_id: string;
  project_id: string;
  mac_address: string;
  admin_state_up: boolean;
  status: string;
  device_id: string;
  device_owner: string;
  fixed_ips: NeutronFixedIp[];
  allowed_address_pairs?: Array<{ ip_address: string; mac_address?: string }>;
  security_groups: string[];
  description?: string;
  port_security_enabled?: boolean;
  created_at?: string;
  updated_at?: string;
  dns_name?: string;
  dns_assignment?: Array<{ hostname: string; ip_address: string; fqdn: string }>;
}

export interface NeutronFloatingIp {
  id: string;
  floating_ip_address: string;
  floating_network_id: string;
  port_id: string | null;
  fixed_ip_address: string | null;
  project_id: string;
  status: string;
  dns_name?: string;
  dns_domain?: string;
}

export interface NeutronSecurityGroup {
  id: string;
  name: string;
  project_id: string;
  description?: string;
}

export interface NeutronNetwork {
  id: string;
  name: string;
  project_id: string;
  subnets: string[];
  shared: boolean;
  status: string;
  'router:external'?: boolean;
  created_at?: string;
}

export interface NeutronSubnet {
  id: string;
  name: string;
  network_id: string;
  project_id: string;
  ip_version: number;
  cidr: string;
  gateway_ip: string | null;
}

type Query = Record<string, string | number | boolean | string[] | undefined>;

/** Neutron's list filters: repeated keys are OR'ed (`id=a&id=b`). */
function params(query: Query): URLSearchParams {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) out.append(k, String(item));
  }
  return out;
}

/** Keeps URLs well under common limits when a filter names many ids. */
const BATCH = 60;

async function listIn<T>(
  neutron: ServiceClient,
  path: string,
  key: string,
  field: string,
  values: string[],
  extra: Query = {},
): Promise<T[]> {
  const unique = [...new Set(values)];
  const batches: string[][] = [];
  for (let i = 0; i < unique.length; i += BATCH) batches.push(unique.slice(i, i + BATCH));
  const pages = await Promise.all(
    batches.map((batch) => neutron.get<Record<string, T[]>>(path, params({ ...extra, [field]: batch }))),
  );
  return pages.flatMap((page) => page[key] ?? []);
}

const isNotFound = (error: unknown) => error instanceof OpenStackError && error.status === 404;

// ---- quotas

/** The project's Neutron quotas (-1: unlimited). */
export async function projectQuota(neutron: ServiceClient, projectId: string): Promise<Record<string, number>> {
  return (await neutron.get<{ quota: Record<string, number> }>(`quotas/${encodeURIComponent(projectId)}`)).quota;
}

// ---- ports

/** What instances show of their ports: asking for these only halves Neutron's work on big lists
 * (fields Neutron does not have, such as DNS ones without its DNS extension, are ignored). */
const PORT_FIELDS = [
  'id', 'name', 'network_id', 'project_id', 'mac_address', 'admin_state_up', 'status', 'device_id', 'device_owner',
  'fixed_ips', 'allowed_address_pairs', 'security_groups', 'description', 'port_security_enabled', 'created_at',
  'updated_at', 'dns_name', 'dns_assignment',
];

/** The ports of these servers. */
export const portsOfDevices = (neutron: ServiceClient, deviceIds: string[]) =>
  deviceIds.length ? listIn<NeutronPort>(neutron, 'ports', 'ports', 'device_id', deviceIds, { fields: PORT_FIELDS }) : Promise.resolve([]);

/** Every port of a project (one request, for listings of many servers). */
export async function portsOfProject(neutron: ServiceClient, projectId: string): Promise<NeutronPort[]> {
  return (await neutron.get<{ ports: NeutronPort[] }>('ports', params({ project_id: projectId, fields: PORT_FIELDS }))).ports;
}

/** A project's ports attached to nothing (Neutron's empty-string filtering, since Rocky). */
export async function unattachedPortsOfProject(neutron: ServiceClient, projectId: string): Promise<NeutronPort[]> {
  return (await neutron.get<{ ports: NeutronPort[] }>('ports', params({ project_id: projectId, device_id: '', fields: PORT_FIELDS }))).ports;
}

/** device_owner values of a router's interfaces on a network. */
export const ROUTER_INTERFACES = ['network:router_interface', 'network:router_interface_distributed', 'network:ha_router_replicated_interface'];

export async function portsOfNetwork(neutron: ServiceClient, networkId: string, deviceOwners?: string[]): Promise<NeutronPort[]> {
  return (await neutron.get<{ ports: NeutronPort[] }>('ports', params({ network_id: networkId, device_owner: deviceOwners }))).ports;
}

export const portsById = (neutron: ServiceClient, ids: string[]) =>
  ids.length ? listIn<NeutronPort>(neutron, 'ports', 'ports', 'id', ids, { fields: PORT_FIELDS }) : Promise.resolve([]);

export async function getPort(neutron: ServiceClient, id: string): Promise<NeutronPort | undefined> {
  try {
    return (await neutron.get<{ port: NeutronPort }>(`ports/${encodeURIComponent(id)}`)).port;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export interface CreatePort {
  network_id: string;
  name?: string;
  description?: string;
  fixed_ips?: Array<{ subnet_id: string; ip_address?: string }>;
  security_groups?: string[];
  allowed_address_pairs?: Array<{ ip_address: string; mac_address?: string }>;
}

export async function createPort(neutron: ServiceClient, port: CreatePort): Promise<NeutronPort> {
  return (await neutron.post<{ port: NeutronPort }>('ports', { port })).port;
}

export async function updatePort(neutron: ServiceClient, id: string, port: Partial<CreatePort>): Promise<NeutronPort> {
  return (await neutron.put<{ port: NeutronPort }>(`ports/${encodeURIComponent(id)}`, { port })).port;
}

/** Deletes a port; one already gone counts as deleted. */
export async function deletePort(neutron: ServiceClient, id: string): Promise<void> {
  try {
    await neutron.delete(`ports/${encodeURIComponent(id)}`);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

// ---- routers

export interface NeutronRouter {
  id: string;
  name: string;
  external_gateway_info?: { network_id: string } | null;
}

export async function getRouter(neutron: ServiceClient, id: string): Promise<NeutronRouter | undefined> {
  try {
    return (await neutron.get<{ router: NeutronRouter }>(`routers/${encodeURIComponent(id)}`)).router;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

// ---- floating IPs

export async function createFloatingIp(neutron: ServiceClient, floatingNetworkId: string, portId: string): Promise<NeutronFloatingIp> {
  return (
    await neutron.post<{ floatingip: NeutronFloatingIp }>('floatingips', {
      floatingip: { floating_network_id: floatingNetworkId, port_id: portId },
    })
  ).floatingip;
}

export async function deleteFloatingIp(neutron: ServiceClient, id: string): Promise<void> {
  try {
    await neutron.delete(`floatingips/${encodeURIComponent(id)}`);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

export const floatingIpsOfPorts = (neutron: ServiceClient, portIds: string[]) =>
  portIds.length
    ? listIn<NeutronFloatingIp>(neutron, 'floatingips', 'floatingips', 'port_id', portIds)
    : Promise.resolve([]);

export async function floatingIpsOfProject(neutron: ServiceClient, projectId: string): Promise<NeutronFloatingIp[]> {
  return (await neutron.get<{ floatingips: NeutronFloatingIp[] }>('floatingips', params({ project_id: projectId }))).floatingips;
}

// ---- security groups

export const securityGroupsById = (neutron: ServiceClient, ids: string[]) =>
  ids.length
    ? listIn<NeutronSecurityGroup>(neutron, 'security-groups', 'security_groups', 'id', ids, { fields: ['id', 'name', 'project_id'] })
    : Promise.resolve([]);

export const securityGroupsByName = (neutron: ServiceClient, projectId: string, names: string[]) =>
  names.length
    ? listIn<NeutronSecurityGroup>(neutron, 'security-groups', 'security_groups', 'name', names, {
        project_id: projectId,
        fields: ['id', 'name', 'project_id'],
      })
    : Promise.resolve([]);

// ---- networks and subnets

export async function getSubnet(neutron: ServiceClient, id: string): Promise<NeutronSubnet | undefined> {
  try {
    return (await neutron.get<{ subnet: NeutronSubnet }>(`subnets/${encodeURIComponent(id)}`)).subnet;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export const subnetsById = (neutron: ServiceClient, ids: string[]) =>
  ids.length ? listIn<NeutronSubnet>(neutron, 'subnets', 'subnets', 'id', ids) : Promise.resolve([]);

export async function getNetwork(neutron: ServiceClient, id: string): Promise<NeutronNetwork | undefined> {
  try {
    return (await neutron.get<{ network: NeutronNetwork }>(`networks/${encodeURIComponent(id)}`)).network;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function listNetworks(neutron: ServiceClient, query: Query): Promise<NeutronNetwork[]> {
  return (await neutron.get<{ networks: NeutronNetwork[] }>('networks', params(query))).networks;
}

// ---- VPC family: routers (VPCs), networks and subnets (EC2 subnets), external networks

export interface NeutronRoute {
  destination: string;
  nexthop: string;
}

export interface NeutronRouterDetail {
  id: string;
  name: string;
  project_id: string;
  status: string;
  external_gateway_info?: { network_id: string } | null;
  routes?: NeutronRoute[];
}

export interface NeutronHostRoute {
  destination: string;
  nexthop: string;
}

export interface NeutronSubnetDetail extends NeutronSubnet {
  allocation_pools: Array<{ start: string; end: string }>;
  host_routes: NeutronHostRoute[];
  dns_nameservers: string[];
  created_at?: string;
}

export interface CreateSubnetBody {
  network_id: string;
  name: string;
  cidr: string;
  gateway_ip: string | null;
  allocation_pools: Array<{ start: string; end: string }>;
  host_routes: NeutronHostRoute[];
  dns_nameservers: string[];
}

export type SubnetUpdate = Partial<Pick<CreateSubnetBody, 'name' | 'gateway_ip' | 'host_routes' | 'dns_nameservers'>>;

const ROUTER_FIELDS = ['id', 'name', 'project_id', 'status', 'external_gateway_info', 'routes'];

export async function createRouter(neutron: ServiceClient, router: { name: string; description?: string }): Promise<NeutronRouterDetail> {
  return (await neutron.post<{ router: NeutronRouterDetail }>('routers', { router })).router;
}

/** Deletes a router; one already gone counts as deleted. */
export async function deleteRouter(neutron: ServiceClient, id: string): Promise<void> {
  try {
    await neutron.delete(`routers/${encodeURIComponent(id)}`);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

export const routersById = (neutron: ServiceClient, ids: string[]) =>
  ids.length ? listIn<NeutronRouterDetail>(neutron, 'routers', 'routers', 'id', ids, { fields: ROUTER_FIELDS }) : Promise.resolve([]);

export async function getRouterDetail(neutron: ServiceClient, id: string): Promise<NeutronRouterDetail | undefined> {
  try {
    return (await neutron.get<{ router: NeutronRouterDetail }>(`routers/${encodeURIComponent(id)}`)).router;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Sets (a network id) or clears (null) the router's external gateway. */
export async function setRouterGateway(neutron: ServiceClient, id: string, externalNetworkId: string | null): Promise<NeutronRouterDetail> {
  const external_gateway_info = externalNetworkId ? { network_id: externalNetworkId } : {};
  return (await neutron.put<{ router: NeutronRouterDetail }>(`routers/${encodeURIComponent(id)}`, { router: { external_gateway_info } })).router;
}

/** Replaces the router's extra routes. */
export async function setRouterRoutes(neutron: ServiceClient, id: string, routes: NeutronRoute[]): Promise<NeutronRouterDetail> {
  return (await neutron.put<{ router: NeutronRouterDetail }>(`routers/${encodeURIComponent(id)}`, { router: { routes } })).router;
}

export async function addRouterInterface(neutron: ServiceClient, routerId: string, subnetId: string): Promise<void> {
  await neutron.put(`routers/${encodeURIComponent(routerId)}/add_router_interface`, { subnet_id: subnetId });
}

/** Unplugs a subnet from a router; a router or interface already gone counts as removed. */
export async function removeRouterInterface(neutron: ServiceClient, routerId: string, subnetId: string): Promise<void> {
  try {
    await neutron.put(`routers/${encodeURIComponent(routerId)}/remove_router_interface`, { subnet_id: subnetId });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** The interface ports of routers (which subnets each router is plugged into). */
export const interfacesOfRouters = (neutron: ServiceClient, routerIds: string[]) =>
  routerIds.length
    ? listIn<NeutronPort>(neutron, 'ports', 'ports', 'device_id', routerIds, { device_owner: ROUTER_INTERFACES, fields: ['id', 'device_id', 'network_id', 'fixed_ips'] })
    : Promise.resolve([]);

export async function createNetwork(neutron: ServiceClient, network: { name: string; description?: string }): Promise<NeutronNetwork> {
  return (await neutron.post<{ network: NeutronNetwork }>('networks', { network })).network;
}

/** Deletes a network (with its subnets); one already gone counts as deleted. */
export async function deleteNetwork(neutron: ServiceClient, id: string): Promise<void> {
  try {
    await neutron.delete(`networks/${encodeURIComponent(id)}`);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

export async function createSubnet(neutron: ServiceClient, subnet: CreateSubnetBody): Promise<NeutronSubnetDetail> {
  return (await neutron.post<{ subnet: NeutronSubnetDetail }>('subnets', { subnet: { ...subnet, ip_version: 4, enable_dhcp: true } })).subnet;
}

export async function updateSubnet(neutron: ServiceClient, id: string, subnet: SubnetUpdate): Promise<NeutronSubnetDetail> {
  return (await neutron.put<{ subnet: NeutronSubnetDetail }>(`subnets/${encodeURIComponent(id)}`, { subnet })).subnet;
}

export const subnetDetailsById = (neutron: ServiceClient, ids: string[]) =>
  ids.length ? listIn<NeutronSubnetDetail>(neutron, 'subnets', 'subnets', 'id', ids) : Promise.resolve([]);

/** Only the addresses of the ports on these networks: enough to count what each subnet has in use. */
export const portAddressesOfNetworks = (neutron: ServiceClient, networkIds: string[]) =>
  networkIds.length
    ? listIn<Pick<NeutronPort, 'id' | 'network_id' | 'device_owner' | 'device_id' | 'fixed_ips'>>(neutron, 'ports', 'ports', 'network_id', networkIds, {
        fields: ['id', 'network_id', 'device_owner', 'device_id', 'fixed_ips'],
      })
    : Promise.resolve([]);

/** External networks the caller can see (where routers get their gateway). */
export async function externalNetworks(neutron: ServiceClient): Promise<NeutronNetwork[]> {
  return listNetworks(neutron, { 'router:external': true, fields: ['id', 'name', 'project_id', 'subnets', 'shared', 'status', 'router:external'] });
}

/** The project's own (not external) networks. */
export async function projectNetworks(neutron: ServiceClient, projectId: string): Promise<NeutronNetwork[]> {
  return listNetworks(neutron, { project_id: projectId, 'router:external': false });
}

// ---- Elastic IP addresses (floating IPs allocated and associated on their own)

/** A floating IP with no port yet (AllocateAddress). */
export async function allocateFloatingIp(neutron: ServiceClient, floatingNetworkId: string, description: string): Promise<NeutronFloatingIp> {
  return (
    await neutron.post<{ floatingip: NeutronFloatingIp }>('floatingips', {
      floatingip: { floating_network_id: floatingNetworkId, description },
    })
  ).floatingip;
}

export async function getFloatingIp(neutron: ServiceClient, id: string): Promise<NeutronFloatingIp | undefined> {
  try {
    return (await neutron.get<{ floatingip: NeutronFloatingIp }>(`floatingips/${encodeURIComponent(id)}`)).floatingip;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Associates (a port and one of its fixed addresses) or, with `null`, disassociates. */
export async function setFloatingIpPort(
  neutron: ServiceClient,
  id: string,
  target: { portId: string; fixedIp: string } | null,
): Promise<NeutronFloatingIp> {
  const body = target ? { port_id: target.portId, fixed_ip_address: target.fixedIp } : { port_id: null };
  return (await neutron.put<{ floatingip: NeutronFloatingIp }>(`floatingips/${encodeURIComponent(id)}`, { floatingip: body })).floatingip;
}

export const floatingIpsById = (neutron: ServiceClient, projectId: string, ids: string[]) =>
  ids.length
    ? listIn<NeutronFloatingIp>(neutron, 'floatingips', 'floatingips', 'id', ids, { project_id: projectId })
    : Promise.resolve([]);

/** Only what an address shows of the ports it is associated with. */
export const portOwnersById = (neutron: ServiceClient, ids: string[]) =>
  ids.length
    ? listIn<Pick<NeutronPort, 'id' | 'device_id' | 'device_owner' | 'network_id' | 'project_id'>>(neutron, 'ports', 'ports', 'id', ids, {
        fields: ['id', 'device_id', 'device_owner', 'network_id', 'project_id'],
      })
    : Promise.resolve([]);

// ---- VPC family: security groups and their rules (EC2 security groups)

export interface NeutronSecurityGroupRule {
  id: string;
  security_group_id: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  /** null: any protocol; otherwise a name (`tcp`) or a number as text. */
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
  description?: string;
  project_id?: string;
}

export interface NeutronSecurityGroupDetail extends NeutronSecurityGroup {
  security_group_rules: NeutronSecurityGroupRule[];
  created_at?: string;
}

export type NewSecurityGroupRule = Omit<NeutronSecurityGroupRule, 'id' | 'project_id'>;

export async function createSecurityGroup(neutron: ServiceClient, group: { name: string; description: string }): Promise<NeutronSecurityGroupDetail> {
  return (await neutron.post<{ security_group: NeutronSecurityGroupDetail }>('security-groups', { security_group: group })).security_group;
}

/** Deletes a security group; one already gone counts as deleted (Neutron answers 409 while ports use it). */
export async function deleteSecurityGroup(neutron: ServiceClient, id: string): Promise<void> {
  try {
    await neutron.delete(`security-groups/${encodeURIComponent(id)}`);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** Groups with their rules, by id: one request per 60 groups. */
export const securityGroupDetailsById = (neutron: ServiceClient, ids: string[]) =>
  ids.length ? listIn<NeutronSecurityGroupDetail>(neutron, 'security-groups', 'security_groups', 'id', ids) : Promise.resolve([]);

/** The project's groups of one name (Neutron's own `default` group is made on first sight). */
export async function securityGroupsNamed(neutron: ServiceClient, projectId: string, name: string): Promise<NeutronSecurityGroupDetail[]> {
  return (await neutron.get<{ security_groups: NeutronSecurityGroupDetail[] }>('security-groups', params({ project_id: projectId, name }))).security_groups;
}

/** Creates rules in one bulk request: Neutron makes all of them or none. */
export async function createSecurityGroupRules(neutron: ServiceClient, rules: NewSecurityGroupRule[]): Promise<NeutronSecurityGroupRule[]> {
  if (!rules.length) return [];
  return (await neutron.post<{ security_group_rules: NeutronSecurityGroupRule[] }>('security-group-rules', { security_group_rules: rules })).security_group_rules;
}

/** Deletes a rule; one already gone counts as deleted. */
export async function deleteSecurityGroupRule(neutron: ServiceClient, id: string): Promise<void> {
  try {
    await neutron.delete(`security-group-rules/${encodeURIComponent(id)}`);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** Rules of the project that let these groups in (whoever's group holds the rule). */
export const rulesReferencingGroups = (neutron: ServiceClient, groupIds: string[]) =>
  groupIds.length
    ? listIn<NeutronSecurityGroupRule>(neutron, 'security-group-rules', 'security_group_rules', 'remote_group_id', groupIds)
    : Promise.resolve([]);

/** Ports that use these groups (`security_groups` is a list filter in Neutron). */
export const portsOfSecurityGroups = (neutron: ServiceClient, groupIds: string[]) =>
  groupIds.length
    ? listIn<Pick<NeutronPort, 'id' | 'security_groups' | 'device_id' | 'device_owner'>>(neutron, 'ports', 'ports', 'security_groups', groupIds, {
        fields: ['id', 'security_groups', 'device_id', 'device_owner'],
      })
    : Promise.resolve([]);

// ---- VPNaaS (neutron-vpnaas): the EC2 VPN connections (lib/domain/vpc/vpn-tunnel.ts)

/** Whether this Neutron serves the vpnaas extension (a 404 for the alias means it does not). */
export async function hasVpnaas(neutron: Pick<ServiceClient, 'get'>): Promise<boolean> {
  try {
    await neutron.get('extensions/vpnaas');
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** Neutron's statuses of VPN objects: PENDING_* until the VPN agent on the router's host has acted. */
export type VpnaasStatus = 'ACTIVE' | 'DOWN' | 'BUILD' | 'ERROR' | 'PENDING_CREATE' | 'PENDING_UPDATE' | 'PENDING_DELETE';

export interface NeutronVpnService {
  id: string;
  name: string;
  router_id: string;
  project_id: string;
  status: VpnaasStatus;
  external_v4_ip: string | null;
}

export interface NeutronIkePolicy {
  id: string;
  name: string;
  auth_algorithm: string;
  encryption_algorithm: string;
  phase1_negotiation_mode: string;
  ike_version: string;
  pfs: string;
  lifetime: { units: string; value: number };
}

export interface NeutronIpsecPolicy {
  id: string;
  name: string;
  transform_protocol: string;
  auth_algorithm: string;
  encryption_algorithm: string;
  encapsulation_mode: string;
  pfs: string;
  lifetime: { units: string; value: number };
}

export interface NeutronEndpointGroup {
  id: string;
  name: string;
  type: 'subnet' | 'cidr';
  endpoints: string[];
}

export interface NeutronIpsecSiteConnection {
  id: string;
  name: string;
  vpnservice_id: string;
  ikepolicy_id: string;
  ipsecpolicy_id: string;
  local_ep_group_id: string;
  peer_ep_group_id: string;
  peer_address: string;
  peer_id: string;
  psk: string;
  mtu: number;
  initiator: string;
  status: VpnaasStatus;
  project_id: string;
}

export type NewIkePolicy = Omit<NeutronIkePolicy, 'id'>;
export type NewIpsecPolicy = Omit<NeutronIpsecPolicy, 'id'>;
export type NewEndpointGroup = Omit<NeutronEndpointGroup, 'id'>;
export type NewIpsecSiteConnection = Omit<NeutronIpsecSiteConnection, 'id' | 'status' | 'project_id'>;

/** The vpnaas collections: URL path, and the JSON keys of one object and of a list. */
const VPNAAS = {
  service: { path: 'vpn/vpnservices', one: 'vpnservice', many: 'vpnservices' },
  ike: { path: 'vpn/ikepolicies', one: 'ikepolicy', many: 'ikepolicies' },
  ipsec: { path: 'vpn/ipsecpolicies', one: 'ipsecpolicy', many: 'ipsecpolicies' },
  endpointGroup: { path: 'vpn/endpoint-groups', one: 'endpoint_group', many: 'endpoint_groups' },
  siteConnection: { path: 'vpn/ipsec-site-connections', one: 'ipsec_site_connection', many: 'ipsec_site_connections' },
} as const;
type VpnaasKind = keyof typeof VPNAAS;

async function createVpnaas<T>(neutron: ServiceClient, kind: VpnaasKind, body: unknown): Promise<T> {
  const { path, one } = VPNAAS[kind];
  return (await neutron.post<Record<string, T>>(path, { [one]: body }))[one]!;
}

/** Deletes a vpnaas object; one already gone counts as deleted (a 409 means something still uses it). */
export async function deleteVpnaas(neutron: ServiceClient, kind: VpnaasKind, id: string): Promise<void> {
  try {
    await neutron.delete(`${VPNAAS[kind].path}/${encodeURIComponent(id)}`);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

export const createVpnService = (neutron: ServiceClient, service: { name: string; router_id: string; description?: string }) =>
  createVpnaas<NeutronVpnService>(neutron, 'service', service);
export const createIkePolicy = (neutron: ServiceClient, policy: NewIkePolicy) => createVpnaas<NeutronIkePolicy>(neutron, 'ike', policy);
export const createIpsecPolicy = (neutron: ServiceClient, policy: NewIpsecPolicy) => createVpnaas<NeutronIpsecPolicy>(neutron, 'ipsec', policy);
export const createEndpointGroup = (neutron: ServiceClient, group: NewEndpointGroup) => createVpnaas<NeutronEndpointGroup>(neutron, 'endpointGroup', group);
export const createIpsecSiteConnection = (neutron: ServiceClient, connection: NewIpsecSiteConnection) =>
  createVpnaas<NeutronIpsecSiteConnection>(neutron, 'siteConnection', connection);

export const vpnServicesById = (neutron: ServiceClient, ids: string[]) =>
  ids.length ? listIn<NeutronVpnService>(neutron, VPNAAS.service.path, VPNAAS.service.many, 'id', ids) : Promise.resolve([]);
export const ikePoliciesById = (neutron: ServiceClient, ids: string[]) =>
  ids.length ? listIn<NeutronIkePolicy>(neutron, VPNAAS.ike.path, VPNAAS.ike.many, 'id', ids) : Promise.resolve([]);
export const ipsecPoliciesById = (neutron: ServiceClient, ids: string[]) =>
  ids.length ? listIn<NeutronIpsecPolicy>(neutron, VPNAAS.ipsec.path, VPNAAS.ipsec.many, 'id', ids) : Promise.resolve([]);
export const siteConnectionsById = (neutron: ServiceClient, ids: string[]) =>
  ids.length ? listIn<NeutronIpsecSiteConnection>(neutron, VPNAAS.siteConnection.path, VPNAAS.siteConnection.many, 'id', ids) : Promise.resolve([]);

// ---- VPC family: security group rules listed on their own (describes, ModifySecurityGroupRules)

/**
 * The rules of these groups: one request per 60 groups. Under load Neutron answers this far faster
 * than a listing of the groups with their rules, which loads every group's rules its own way (even
 * with `fields=id`): on the loaded local stack 51 groups × 20 rules took ~0.7 s against ~2 s (on a
 * quiet one both ~0.3 s).
 */
export const rulesOfSecurityGroups = (neutron: ServiceClient, groupIds: string[]) =>
  groupIds.length
    ? listIn<NeutronSecurityGroupRule>(neutron, 'security-group-rules', 'security_group_rules', 'security_group_id', groupIds)
    : Promise.resolve([]);

// ---- VPC family: Elastic IP addresses as DescribeAddresses shows them

/** What DescribeAddresses shows of a floating IP: asking for only these spares Neutron its port details (~20% of the call). */
export type ShownFloatingIp = Pick<NeutronFloatingIp, 'id' | 'floating_ip_address' | 'port_id' | 'fixed_ip_address' | 'project_id'>;
const SHOWN_FLOATING_IP_FIELDS = ['id', 'floating_ip_address', 'port_id', 'fixed_ip_address', 'project_id'];

/** The project's floating IPs (all, or these ids), with only what an address shows. */
export async function shownFloatingIps(neutron: ServiceClient, projectId: string, ids?: string[]): Promise<ShownFloatingIp[]> {
  if (ids) return ids.length ? listIn<ShownFloatingIp>(neutron, 'floatingips', 'floatingips', 'id', ids, { project_id: projectId, fields: SHOWN_FLOATING_IP_FIELDS }) : [];
  return (await neutron.get<{ floatingips: ShownFloatingIp[] }>('floatingips', params({ project_id: projectId, fields: SHOWN_FLOATING_IP_FIELDS }))).floatingips;
}

// ---- VPC family: network interfaces (EC2 network interfaces are ports)

/** A port by id, with every field an interface shows. */
export async function getInterfacePort(neutron: ServiceClient, id: string): Promise<NeutronPort | undefined> {
  try {
    return (await neutron.get<{ port: NeutronPort }>(`ports/${encodeURIComponent(id)}`, params({ fields: PORT_FIELDS }))).port;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Replaces a port's fixed addresses (Neutron allocates those given without an address). */
export async function setPortFixedIps(neutron: ServiceClient, id: string, fixedIps: Array<{ subnet_id: string; ip_address?: string }>): Promise<NeutronPort> {
  return (await neutron.put<{ port: NeutronPort }>(`ports/${encodeURIComponent(id)}`, { port: { fixed_ips: fixedIps } })).port;
}

/** The project's ports holding an address on a subnet (at most one, as Neutron allows). */
export async function portsHoldingAddress(neutron: ServiceClient, projectId: string, subnetId: string, ip: string): Promise<NeutronPort[]> {
  const query = params({ project_id: projectId, fixed_ips: [`subnet_id=${subnetId}`, `ip_address=${ip}`], fields: PORT_FIELDS });
  return (await neutron.get<{ ports: NeutronPort[] }>('ports', query)).ports;
}

/**
 * Every router of the project, with the fields routersById reads: a DescribeVpcs listing asks for
 * them while it reads its VPC records, instead of by the records' router ids after them.
 */
export async function routersOfProject(neutron: ServiceClient, projectId: string): Promise<NeutronRouterDetail[]> {
  return (await neutron.get<{ routers: NeutronRouterDetail[] }>('routers', params({ project_id: projectId, fields: ROUTER_FIELDS }))).routers;
}

/**
 * The project's VPN services and IPsec site connections: a DescribeVpnConnections listing asks for
 * them while it reads its connection records, instead of by the records' ids after them.
 */
export async function vpnServicesOfProject(neutron: ServiceClient, projectId: string): Promise<NeutronVpnService[]> {
  return (await neutron.get<Record<string, NeutronVpnService[]>>(VPNAAS.service.path, params({ project_id: projectId })))[VPNAAS.service.many] ?? [];
}

export async function siteConnectionsOfProject(neutron: ServiceClient, projectId: string): Promise<NeutronIpsecSiteConnection[]> {
  return (await neutron.get<Record<string, NeutronIpsecSiteConnection[]>>(VPNAAS.siteConnection.path, params({ project_id: projectId })))[VPNAAS.siteConnection.many] ?? [];
}
