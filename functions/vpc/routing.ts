/**
 * What route table actions share: saving records and bringing Neutron in line (undone when Neutron
 * refuses), route targets, and finding associations.
 */
import type { ActionContext } from '../../lib/context.js';
import { contains, parseCidr, requireCidr, type Cidr } from '../../lib/domain/vpc/cidr.js';
import { vpcDeps } from '../../lib/domain/vpc/deps.js';
import { applyVpcNetworkConfig } from '../../lib/domain/vpc/network-config.js';
import { networkKey, objectsOf, writeObject, type NetworkIndex, type RouteRecord, type RouteTableRecord, type VpcRecord } from '../../lib/domain/vpc/records.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { getPort, portsOfDevices, type NeutronPort } from '../../lib/openstack/neutron.js';
import { Ec2Error, invalidParameterCombination, invalidParameterValue, missingParameter, notFound } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ID_PREFIXES, requireUuid } from '../../lib/store/ids.js';
import type { CreateRouteRequest, ReplaceRouteRequest } from '../../schemas/types.js';
import { requireInternetGateway } from './lookup.js';

/**
 * Writes changed records (each as [id, new, old]) and reapplies the VPC's Neutron side; when
 * Neutron refuses, the old records are written back and applied again, and the failure is raised.
 */
export async function saveAndApply(ctx: ActionContext, vpcId: string, changes: Array<[string, unknown, unknown]>): Promise<void> {
  for (const [id, next] of changes) await writeObject(ctx.store, id, next);
  try {
    await mapErrors(() => applyVpcNetworkConfig(vpcDeps(ctx), vpcId));
  } catch (error) {
    for (const [id, , previous] of changes) await writeObject(ctx.store, id, previous);
    await applyVpcNetworkConfig(vpcDeps(ctx), vpcId).catch(() => undefined);
    throw error;
  }
}

/** The destination of a route: an IPv4 CIDR block (IPv6 and prefix lists have no Neutron counterpart here). */
export function routeDestination(input: { DestinationCidrBlock?: string; DestinationIpv6CidrBlock?: string; DestinationPrefixListId?: string }): Cidr {
  if (input.DestinationIpv6CidrBlock || input.DestinationPrefixListId) {
    throw new Ec2Error('UnsupportedOperation', 'Only IPv4 destination CIDR blocks are supported by this cloud.');
  }
  if (!input.DestinationCidrBlock) throw missingParameter('DestinationCidrBlock');
  return requireCidr(input.DestinationCidrBlock, 'destinationCidrBlock');
}

/** The instance's or interface's port on one of the VPC's networks. */
function portInVpc(ports: NeutronPort[], networks: Map<string, string>, vpcId: string): NeutronPort[] {
  return ports.filter((p) => networks.get(p.network_id) === vpcId && p.fixed_ips.some((f) => !f.ip_address.includes(':')));
}

async function networksOfPorts(ctx: ActionContext, ports: NeutronPort[]): Promise<Map<string, string>> {
  const records = await ctx.store.getMany(ports.map((p) => networkKey(p.network_id)));
  const out = new Map<string, string>();
  for (const p of ports) {
    const data = records.get(networkKey(p.network_id))?.data;
    if (data) out.set(p.network_id, (JSON.parse(data) as NetworkIndex).vpcId);
  }
  return out;
}

const ipv4Of = (port: NeutronPort) => port.fixed_ips.find((f) => !f.ip_address.includes(':'))!.ip_address;

type RouteInput = CreateRouteRequest | ReplaceRouteRequest;

/** The route a request describes, its target checked against the table's VPC. */
export async function routeFrom(ctx: ActionContext, input: RouteInput, table: RouteTableRecord, vpc: VpcRecord): Promise<RouteRecord> {
  const unsupported = (['NatGatewayId', 'TransitGatewayId', 'LocalGatewayId', 'CarrierGatewayId', 'EgressOnlyInternetGatewayId', 'VpcEndpointId', 'VpcPeeringConnectionId', 'CoreNetworkArn'] as const).find(
    (name) => input[name as keyof RouteInput] !== undefined,
  );
  if (unsupported) throw new Ec2Error('UnsupportedOperation', `Routes to ${unsupported.replace(/Id$|Arn$/, '')} targets are not supported by this cloud.`);
  const destination = routeDestination(input);
  const local = 'LocalTarget' in input && input.LocalTarget === true;
  const targets = [input.GatewayId, input.InstanceId, input.NetworkInterfaceId, local ? 'local' : undefined].filter((t) => t !== undefined);
  if (targets.length === 0) throw missingParameter('GatewayId, InstanceId or NetworkInterfaceId');
  if (targets.length > 1) throw invalidParameterCombination('Only one of gatewayId, instanceId and networkInterfaceId may be given.');
  const vpcCidr = parseCidr(vpc.cidr)!;

  if (local) return { destination: destination.text, gatewayId: 'local', origin: 'CreateRouteTable' };
  if (input.GatewayId !== undefined) {
    if (input.GatewayId.startsWith('vgw-')) throw new Ec2Error('UnsupportedOperation', 'Routes to VPN gateways are not supported by this cloud.');
    const gateway = await requireInternetGateway(ctx, input.GatewayId);
    if (gateway.vpcId !== table.vpcId) {
      throw invalidParameterValue(`route table ${table.routeTableId} and network gateway ${gateway.internetGatewayId} belong to different networks`);
    }
    if (contains(vpcCidr, destination)) {
      throw invalidParameterValue(
        `The destination CIDR block ${destination.text} is equal to or more specific than one of this VPC's CIDR blocks. This route can target only an interface or an instance.`,
      );
    }
    return { destination: destination.text, gatewayId: gateway.internetGatewayId, origin: 'CreateRoute' };
  }
  if (input.InstanceId !== undefined) {
    const serverId = await requireUuid(ctx.store, input.InstanceId, ID_PREFIXES.instance, ID_ERRORS.instance);
    const ports = await mapErrors(() => portsOfDevices(ctx.openstack.neutron, [serverId]));
    const inVpc = portInVpc(ports, await networksOfPorts(ctx, ports), table.vpcId);
    if (inVpc.length === 0) throw invalidParameterValue(`route table ${table.routeTableId} and instance ${input.InstanceId} belong to different networks`);
    if (inVpc.length > 1) {
      throw new Ec2Error('InvalidInstanceID', `There are multiple interfaces attached to instance '${input.InstanceId}'. Please specify an interface ID for the operation instead.`);
    }
    return { destination: destination.text, instanceId: input.InstanceId, nexthop: ipv4Of(inVpc[0]!), origin: 'CreateRoute' };
  }
  const interfaceId = input.NetworkInterfaceId!;
  const portId = await requireUuid(ctx.store, interfaceId, ID_PREFIXES['network-interface'], ID_ERRORS['network-interface']);
  const port = await mapErrors(() => getPort(ctx.openstack.neutron, portId));
  if (!port) throw notFound(ID_ERRORS['network-interface'].notFound, interfaceId, ID_ERRORS['network-interface'].noun);
  const inVpc = portInVpc([port], await networksOfPorts(ctx, [port]), table.vpcId);
  if (inVpc.length === 0) throw invalidParameterValue(`route table ${table.routeTableId} and interface ${interfaceId} belong to different networks`);
  return { destination: destination.text, networkInterfaceId: interfaceId, nexthop: ipv4Of(port), origin: 'CreateRoute' };
}

export const routeNotFound = (table: RouteTableRecord, destination: string) =>
  new Ec2Error('InvalidRoute.NotFound', `no route with destination-cidr-block ${destination} in route table ${table.routeTableId}`);

/** The table holding an association id (explicit or a VPC's main one). */
export async function findAssociation(
  ctx: ActionContext,
  associationId: string,
): Promise<{ table: RouteTableRecord; main?: VpcRecord }> {
  if (!/^rtbassoc-([0-9a-f]{8}|[0-9a-f]{17})$/.test(associationId)) {
    throw new Ec2Error('InvalidAssociationID.Malformed', `Invalid id: "${associationId}" (expecting "rtbassoc-...")`);
  }
  const [tables, vpcs] = await Promise.all([objectsOf<RouteTableRecord>(ctx.store, 'rtb'), objectsOf<VpcRecord>(ctx.store, 'vpc')]);
  const main = vpcs.find((v) => v.mainAssociationId === associationId);
  const table = main ? tables.find((t) => t.routeTableId === main.mainRouteTableId) : tables.find((t) => t.associations.some((a) => a.associationId === associationId));
  if (!table) throw new Ec2Error('InvalidAssociationID.NotFound', `The association ID '${associationId}' does not exist`);
  return main ? { table, main } : { table };
}
