/**
 * An EC2 subnet: a Neutron network with one IPv4 subnet, plugged into the VPC's router. The router
 * takes the subnet's first address (AWS's `.1`); instances get addresses from the fifth on (AWS
 * reserves four and the last). Gateway, host routes and DNS servers follow the route table and DHCP
 * options (lib/domain/vpc/network-config.ts). Shared by CreateSubnet, CreateDefaultSubnet and
 * CreateDefaultVpc.
 */
import type { ActionContext } from '../../lib/context.js';
import { addressAt, checkPrefix, contains, overlaps, parseCidr, type Cidr } from '../../lib/domain/vpc/cidr.js';
import { dnsServersOf, subnetSettings, tableOfSubnet } from '../../lib/domain/vpc/network-config.js';
import {
  networkKey,
  objectsOf,
  readObject,
  writeObject,
  type DhcpOptionsRecord,
  type InternetGatewayRecord,
  type NetworkIndex,
  type SubnetRecord,
  type VpcRecord,
} from '../../lib/domain/vpc/records.js';
import { availabilityZones } from '../../lib/domain/vpc/zones.js';
import { mapErrors, toEc2Error } from '../../lib/openstack/errors.js';
import { OpenStackError } from '../../lib/openstack/http.js';
import { addRouterInterface, createNetwork, createSubnet, deleteNetwork, removeRouterInterface, updateSubnet } from '../../lib/openstack/neutron.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { newEc2Id, recordMappingAs } from '../../lib/store/ids.js';
import { routeTablesOfVpc, subnetsOfVpc } from './lookup.js';
import { forgetObject } from './objects.js';
import type { Undo } from './undo.js';

const conflict = (cidr: string) => new Ec2Error('InvalidSubnet.Conflict', `The CIDR '${cidr}' conflicts with another subnet`);
const subnetLimitExceeded = () => new Ec2Error('SubnetLimitExceeded', 'You have reached the limit on the number of subnets that you can create');

/** Checks a subnet's block against its VPC's and its siblings' (AWS's Range and Conflict codes). */
export async function checkSubnetCidr(ctx: ActionContext, vpc: VpcRecord, cidr: Cidr): Promise<void> {
  checkPrefix(cidr, 'InvalidSubnet.Range');
  if (!contains(parseCidr(vpc.cidr)!, cidr)) throw new Ec2Error('InvalidSubnet.Range', `The CIDR '${cidr.text}' is invalid.`);
  const siblings = await subnetsOfVpc(ctx, vpc.vpcId);
  if (siblings.some((s) => overlaps(parseCidr(s.cidr)!, cidr))) throw conflict(cidr.text);
}

/** A zone given by the caller, or the first one; AWS's wording for one subnets cannot go to. */
export async function subnetZone(ctx: ActionContext, zone: string | undefined): Promise<string> {
  const zones = await mapErrors(() => availabilityZones(ctx.openstack.nova));
  if (zone === undefined) return zones[0] ?? 'nova';
  if (!zones.includes(zone)) {
    throw new Ec2Error(
      'InvalidParameterValue',
      `Value (${zone}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ${zones.join(', ')}.`,
    );
  }
  return zone;
}

export interface NewSubnet {
  cidr: Cidr;
  zone: string;
  defaultForAz: boolean;
  mapPublicIpOnLaunch: boolean;
}

export async function createSubnetObjects(ctx: ActionContext, vpc: VpcRecord, spec: NewSubnet, undo: Undo): Promise<SubnetRecord> {
  const neutron = ctx.openstack.neutron;
  const subnetId = newEc2Id('subnet');
  const routerIp = addressAt(spec.cidr, 1);
  const network = await mapErrors(() => createNetwork(neutron, { name: subnetId, description: `EC2 subnet of ${vpc.vpcId}` }), { quota: subnetLimitExceeded });
  undo.add('delete network', () => deleteNetwork(neutron, network.id));
  const subnet = await mapErrors(
    () =>
      createSubnet(neutron, {
        network_id: network.id,
        name: subnetId,
        cidr: spec.cidr.text,
        gateway_ip: routerIp,
        allocation_pools: [{ start: addressAt(spec.cidr, 4), end: addressAt(spec.cidr, -2) }],
        host_routes: [],
        dns_nameservers: [],
      }),
    { quota: subnetLimitExceeded },
  );
  try {
    await addRouterInterface(neutron, vpc.routerId, subnet.id);
  } catch (error) {
    // Neutron refuses a subnet overlapping another one of the router (a concurrent CreateSubnet).
    if (error instanceof OpenStackError && error.status === 400) throw conflict(spec.cidr.text);
    throw toEc2Error(error, { quota: subnetLimitExceeded });
  }
  undo.add('unplug subnet', () => removeRouterInterface(neutron, vpc.routerId, subnet.id));
  await recordMappingAs(ctx.store, 'subnet', subnet.id, subnetId);
  undo.add('forget subnet', () => forgetObject(ctx, 'subnet', subnetId, subnet.id));
  const record: SubnetRecord = {
    subnetId,
    vpcId: vpc.vpcId,
    subnetUuid: subnet.id,
    networkId: network.id,
    cidr: spec.cidr.text,
    routerIp,
    availabilityZone: spec.zone,
    mapPublicIpOnLaunch: spec.mapPublicIpOnLaunch,
    defaultForAz: spec.defaultForAz,
    adopted: false,
  };
  await writeObject(ctx.store, subnetId, record);
  await ctx.store.putJson(networkKey(network.id), { vpcId: vpc.vpcId, subnetId } satisfies NetworkIndex);
  undo.add('forget network index', () => ctx.store.delete(networkKey(network.id)));

  // The VPC's main route table and DHCP options decide gateway, routes and DNS servers.
  const [tables, gateways, options] = await Promise.all([
    routeTablesOfVpc(ctx, vpc.vpcId),
    objectsOf<InternetGatewayRecord>(ctx.store, 'igw'),
    vpc.dhcpOptionsId ? readObject<DhcpOptionsRecord>(ctx.store, vpc.dhcpOptionsId) : undefined,
  ]);
  const attached = new Set(gateways.filter((g) => g.vpcId === vpc.vpcId).map((g) => g.internetGatewayId));
  const settings = subnetSettings(record, tableOfSubnet(subnetId, vpc, tables), attached, dnsServersOf(options));
  await mapErrors(() => updateSubnet(neutron, subnet.id, settings));
  return record;
}
