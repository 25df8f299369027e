/**
 * The project's default VPC. A project that already has a network of its own plugged into one of
 * its routers (what DevStack and most clouds give a project, and where Nova puts instances launched
 * without a network) has that adopted as its default VPC the first time anything asks: the router
 * becomes the VPC, each subnet on it a default subnet, its external gateway an attached internet
 * gateway, and a main route table with the local route and a default route to that gateway is made.
 * Nothing is created in Neutron by adoption. A project without such a network has no default VPC
 * until CreateDefaultVpc makes one. Deleting an adopted VPC forgets it (Neutron keeps the network,
 * which EC2 did not make); it is not adopted again unless CreateDefaultVpc is called.
 */
import { randomUUID } from 'node:crypto';
import { LruMap, LruSet } from '../../bounded.js';
import { ROUTER_INTERFACES, getRouterDetail, interfacesOfRouters, portsOfNetwork, projectNetworks, subnetDetailsById } from '../../openstack/neutron.js';
import { ec2IdFor, newEc2Id, recordMappingAs } from '../../store/ids.js';
import { covering, parseCidr, type Cidr } from './cidr.js';
import type { VpcDeps } from './deps.js';
import {
  DEFAULT_VPC_KEY,
  associationId,
  networkKey,
  readObject,
  writeObject,
  type InternetGatewayRecord,
  type NetworkIndex,
  type RouteTableRecord,
  type SubnetRecord,
  type VpcRecord,
} from './records.js';
import { availabilityZones } from './zones.js';

interface DefaultMarker {
  vpcId?: string;
  /** The default VPC was deleted: do not adopt again on the next read. */
  deleted?: boolean;
}

/**
 * A project found without an adoptable network is not looked at again for a minute; for a quarter
 * of an hour after that, "none" still answers at once while one look runs behind it (a launch or a
 * describe then need not wait for Neutron's networks and ports, which queue behind the launches in
 * a burst). A network plugged into a router meanwhile is adopted by that look, for the next caller.
 */
const NONE_FRESH_MS = 60_000;
const NONE_STALE_MS = 15 * 60_000;
const noneSeen = new LruMap<string, number>(10_000);
const adopting = new Map<string, Promise<VpcRecord | undefined>>();

/** The default VPC's record, adopting the project's network the first time (see the module comment). */
export async function defaultVpc(deps: VpcDeps): Promise<VpcRecord | undefined> {
  const marker = await deps.store.getJson<DefaultMarker>(DEFAULT_VPC_KEY);
  if (marker?.vpcId) return readObject<VpcRecord>(deps.store, marker.vpcId);
  if (marker?.deleted) return undefined;
  const seen = noneSeen.get(deps.projectId);
  const age = seen === undefined ? Infinity : Date.now() - seen;
  if (age < NONE_FRESH_MS) return undefined;
  if (age < NONE_STALE_MS) {
    // A failed look is the next caller's to repeat; "none" stays what this one answers.
    adoptOnce(deps).catch(() => undefined);
    return undefined;
  }
  return adoptOnce(deps);
}

/** One adoption at a time per project and container; "none" is noted for the calls after it. */
function adoptOnce(deps: VpcDeps): Promise<VpcRecord | undefined> {
  let running = adopting.get(deps.projectId);
  if (!running) {
    running = adopt(deps)
      .then((vpc) => {
        if (!vpc) noneSeen.set(deps.projectId, Date.now());
        return vpc;
      })
      .finally(() => adopting.delete(deps.projectId));
    adopting.set(deps.projectId, running);
  }
  return running;
}

/**
 * Projects whose default VPC this container knows is decided: their marker exists (adopted, made,
 * or deleted), and a marker is never removed, so nothing is ever adopted for them again. Bounded.
 */
const MAX_DECIDED = 10_000;
const decided = new LruSet<string>(MAX_DECIDED);

/**
 * Adopts the project's default VPC if that has not happened yet, for the describes that only need
 * it to have happened: once this container has seen it decided, without reading the table again.
 */
export async function ensureDefaultVpcDecided(deps: VpcDeps): Promise<void> {
  if (decided.has(deps.projectId)) return;
  const marker = await deps.store.get(DEFAULT_VPC_KEY);
  if (marker || (await defaultVpc(deps))) noteDefaultVpcDecided(deps.projectId);
}

/** Whether this container has seen the project's default VPC decided (see ensureDefaultVpcDecided). */
export const isDefaultVpcDecided = (projectId: string) => decided.has(projectId);

/** Notes a project whose default VPC exists or was decided against (its marker is written). */
export function noteDefaultVpcDecided(projectId: string): void {
  decided.add(projectId);
}

export const markDefaultVpc = (deps: VpcDeps, vpcId: string) => deps.store.putJson(DEFAULT_VPC_KEY, { vpcId } satisfies DefaultMarker);
export const markDefaultVpcDeleted = (deps: VpcDeps) => deps.store.putJson(DEFAULT_VPC_KEY, { deleted: true } satisfies DefaultMarker);
export const forgetNoDefault = (deps: VpcDeps) => noneSeen.delete(deps.projectId);

/** The project's oldest own network that is plugged into one of its routers, and that router. */
async function adoptable(deps: VpcDeps): Promise<{ routerId: string; externalNetworkId?: string } | undefined> {
  const networks = (await projectNetworks(deps.neutron, deps.projectId))
    .filter((n) => n.subnets.length > 0 && n.status === 'ACTIVE')
    .sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? '') || a.id.localeCompare(b.id));
  for (const network of networks) {
    const interfaces = await portsOfNetwork(deps.neutron, network.id, ROUTER_INTERFACES);
    for (const routerId of new Set(interfaces.map((p) => p.device_id))) {
      const router = await getRouterDetail(deps.neutron, routerId);
      if (router && router.project_id === deps.projectId) return { routerId, externalNetworkId: router.external_gateway_info?.network_id };
    }
  }
  return undefined;
}

/** Adopts the project's network as its default VPC (concurrent adopters agree on every id). */
export async function adopt(deps: VpcDeps): Promise<VpcRecord | undefined> {
  const found = await adoptable(deps);
  if (!found) return undefined;
  const interfaces = await interfacesOfRouters(deps.neutron, [found.routerId]);
  const routerIps = new Map(interfaces.flatMap((p) => p.fixed_ips.map((f) => [f.subnet_id, f.ip_address] as const)));
  const subnets = (await subnetDetailsById(deps.neutron, [...routerIps.keys()])).filter((s) => s.ip_version === 4 && parseCidr(s.cidr));
  if (subnets.length === 0) return undefined;
  const [zones, vpcId] = await Promise.all([availabilityZones(deps.nova), ec2IdFor(deps.store, 'vpc', found.routerId)]);
  const zone = zones[0] ?? 'nova';

  const cidr = covering(subnets.map((s) => parseCidr(s.cidr)!), 16);
  const candidate: VpcRecord = {
    vpcId,
    routerId: found.routerId,
    cidr: cidr.text,
    cidrAssociationId: associationId('vpc-cidr-assoc'),
    isDefault: true,
    adopted: true,
    mainRouteTableId: newEc2Id('rtb'),
    mainAssociationId: associationId('rtbassoc'),
    enableDnsSupport: true,
    enableDnsHostnames: true,
    createdAt: new Date().toISOString(),
  };
  if (!(await writeObject(deps.store, vpcId, candidate, { ifAbsent: true }))) {
    // Another request adopted it first.
    await markDefaultVpc(deps, vpcId);
    return readObject<VpcRecord>(deps.store, vpcId);
  }

  const routes: RouteTableRecord['routes'] = [{ destination: cidr.text, gatewayId: 'local', origin: 'CreateRouteTable' }];
  if (found.externalNetworkId) {
    const gateway: InternetGatewayRecord = { internetGatewayId: newEc2Id('igw'), uuid: randomUUID(), vpcId };
    await recordMappingAs(deps.store, 'internet-gateway', gateway.uuid, gateway.internetGatewayId);
    await writeObject(deps.store, gateway.internetGatewayId, gateway);
    routes.push({ destination: '0.0.0.0/0', gatewayId: gateway.internetGatewayId, origin: 'CreateRoute' });
  }
  const table: RouteTableRecord = { routeTableId: candidate.mainRouteTableId, uuid: randomUUID(), vpcId, routes, associations: [] };
  await recordMappingAs(deps.store, 'route-table', table.uuid, table.routeTableId);
  await writeObject(deps.store, table.routeTableId, table);

  const firstInZone = new Set<string>();
  for (const subnet of subnets) {
    const subnetId = await ec2IdFor(deps.store, 'subnet', subnet.id);
    const record: SubnetRecord = {
      subnetId,
      vpcId,
      subnetUuid: subnet.id,
      networkId: subnet.network_id,
      cidr: (parseCidr(subnet.cidr) as Cidr).text,
      routerIp: routerIps.get(subnet.id) ?? subnet.gateway_ip ?? '',
      availabilityZone: zone,
      mapPublicIpOnLaunch: deps.settings.defaultSubnetMapPublicIp,
      defaultForAz: !firstInZone.has(zone),
      adopted: true,
    };
    firstInZone.add(zone);
    await writeObject(deps.store, subnetId, record);
    await deps.store.putJson(networkKey(subnet.network_id), { vpcId, subnetId } satisfies NetworkIndex);
  }
  await markDefaultVpc(deps, vpcId);
  return candidate;
}
