/**
 * What route tables and DHCP options mean in Neutron. A subnet's route table becomes its host
 * routes and gateway (handed out by DHCP): a default route to an attached internet gateway is the
 * subnet's gateway (the router, whose external gateway is the internet gateway); without one the
 * subnet shows no gateway, so instances get no default route (only the metadata route).
 * Routes to an instance or interface also become the router's extra routes, so traffic from other
 * subnets reaches the appliance. DHCP options' `domain-name-servers` become the subnets' DNS servers.
 *
 * Every change recomputes the whole VPC and writes only what differs from Neutron's current state.
 */
import { setRouterRoutes, getRouterDetail, subnetDetailsById, updateSubnet, type NeutronHostRoute, type NeutronRoute, type SubnetUpdate } from '../../openstack/neutron.js';
import type { VpcDeps } from './deps.js';
import { objectsOf, readObject, type DhcpOptionsRecord, type InternetGatewayRecord, type RouteTableRecord, type SubnetRecord, type VpcRecord } from './records.js';

export const METADATA_ROUTE = '169.254.169.254/32';

export interface SubnetNetworkSettings {
  gateway_ip: string | null;
  host_routes: NeutronHostRoute[];
  dns_nameservers: string[];
}

/** The DNS servers of a DHCP options set (AmazonProvidedDNS is Neutron's own resolver: none to list). */
export function dnsServersOf(options: DhcpOptionsRecord | undefined): string[] {
  const servers = options?.configurations.find((c) => c.Key === 'domain-name-servers')?.Values ?? [];
  return servers.filter((s) => s !== 'AmazonProvidedDNS');
}

/** Where a route sends traffic in Neutron terms, or undefined for a blackhole. */
function nexthopOf(route: RouteTableRecord['routes'][number], subnet: SubnetRecord, attached: Set<string>): string | undefined {
  if (route.gatewayId === 'local') return undefined;
  if (route.gatewayId) return attached.has(route.gatewayId) ? subnet.routerIp : undefined;
  return route.nexthop;
}

export function subnetSettings(subnet: SubnetRecord, table: RouteTableRecord | undefined, attached: Set<string>, dns: string[]): SubnetNetworkSettings {
  const hostRoutes: NeutronHostRoute[] = [];
  let defaultViaRouter = false;
  for (const route of table?.routes ?? []) {
    const nexthop = nexthopOf(route, subnet, attached);
    if (!nexthop) continue;
    if (route.destination === '0.0.0.0/0' && nexthop === subnet.routerIp) {
      defaultViaRouter = true;
      continue;
    }
    hostRoutes.push({ destination: route.destination, nexthop });
  }
  if (!defaultViaRouter) hostRoutes.push({ destination: METADATA_ROUTE, nexthop: subnet.routerIp });
  return { gateway_ip: defaultViaRouter ? subnet.routerIp : null, host_routes: hostRoutes, dns_nameservers: dns };
}

/** The table that applies to a subnet: its explicit association, else the VPC's main table. */
export function tableOfSubnet(subnetId: string, vpc: VpcRecord, tables: RouteTableRecord[]): RouteTableRecord | undefined {
  return tables.find((t) => t.associations.some((a) => a.subnetId === subnetId)) ?? tables.find((t) => t.routeTableId === vpc.mainRouteTableId);
}

const sameRoutes = (a: NeutronHostRoute[], b: NeutronHostRoute[]) => {
  const key = (r: NeutronHostRoute[]) => r.map((x) => `${x.destination}>${x.nexthop}`).sort().join(',');
  return key(a) === key(b);
};

/** Brings the Neutron side of a VPC (subnets' gateways, host routes, DNS; router routes) in line with its records. */
export async function applyVpcNetworkConfig(deps: VpcDeps, vpcId: string): Promise<void> {
  const [vpc, subnets, tables, gateways] = await Promise.all([
    readObject<VpcRecord>(deps.store, vpcId),
    objectsOf<SubnetRecord>(deps.store, 'subnet'),
    objectsOf<RouteTableRecord>(deps.store, 'rtb'),
    objectsOf<InternetGatewayRecord>(deps.store, 'igw'),
  ]);
  if (!vpc) return;
  const mine = subnets.filter((s) => s.vpcId === vpcId);
  const vpcTables = tables.filter((t) => t.vpcId === vpcId);
  const attached = new Set(gateways.filter((g) => g.vpcId === vpcId).map((g) => g.internetGatewayId));
  const options = vpc.dhcpOptionsId ? await readObject<DhcpOptionsRecord>(deps.store, vpc.dhcpOptionsId) : undefined;
  const dns = dnsServersOf(options);

  const current = new Map((await subnetDetailsById(deps.neutron, mine.map((s) => s.subnetUuid))).map((s) => [s.id, s]));
  await Promise.all(
    mine.map(async (subnet) => {
      const now = current.get(subnet.subnetUuid);
      if (!now) return;
      const want = subnetSettings(subnet, tableOfSubnet(subnet.subnetId, vpc, vpcTables), attached, dns);
      const update: SubnetUpdate = {};
      if (now.gateway_ip !== want.gateway_ip) update.gateway_ip = want.gateway_ip;
      if (!sameRoutes(now.host_routes ?? [], want.host_routes)) update.host_routes = want.host_routes;
      if ((now.dns_nameservers ?? []).join(',') !== want.dns_nameservers.join(',')) update.dns_nameservers = want.dns_nameservers;
      if (Object.keys(update).length) await updateSubnet(deps.neutron, subnet.subnetUuid, update);
    }),
  );

  // Routes through an instance or interface, main table first where two tables disagree.
  const ordered = [...vpcTables].sort((a, b) => Number(b.routeTableId === vpc.mainRouteTableId) - Number(a.routeTableId === vpc.mainRouteTableId));
  const routerRoutes = new Map<string, NeutronRoute>();
  for (const table of ordered) {
    for (const route of table.routes) {
      if (route.nexthop && !routerRoutes.has(route.destination)) routerRoutes.set(route.destination, { destination: route.destination, nexthop: route.nexthop });
    }
  }
  const router = await getRouterDetail(deps.neutron, vpc.routerId);
  if (router && !sameRoutes(router.routes ?? [], [...routerRoutes.values()])) {
    await setRouterRoutes(deps.neutron, vpc.routerId, [...routerRoutes.values()]);
  }
}
