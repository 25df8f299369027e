/**
 * Elastic IP addresses for the actions: lookups with AWS's error codes, the association target of
 * an instance or interface, and the describe engine's declaration (see lib/domain/vpc/addresses.ts
 * for the mapping).
 */
import type { ActionContext } from '../../lib/context.js';
import type { Entry, ResourceDescriptor } from '../../lib/describe/engine.js';
import {
  associationIdsOf,
  associationRecords,
  chooseFixedIp,
  isCurrent,
  pruneAssociations,
  readAssociation,
  type Association,
} from '../../lib/domain/vpc/addresses.js';
import { readLaunchRecord } from '../../lib/domain/instances/launch-record.js';
import { addressesInOrder, orderPorts, primaryAddressesOf } from '../../lib/domain/vpc/network-interfaces.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import {
  getFloatingIp,
  getPort,
  portOwnersById,
  portsOfDevices,
  shownFloatingIps,
  type NeutronFloatingIp,
  type NeutronPort,
  type ShownFloatingIp,
} from '../../lib/openstack/neutron.js';
import { Ec2Error, invalidParameterCombination, missingParameter, notFound } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ID_PREFIXES, assertEc2Id, ec2IdsFor, uuidOf } from '../../lib/store/ids.js';
import type { Address } from '../../schemas/types.js';

/** EC2-Classic is retired: only VPC addresses exist, and the PublicIp forms of the calls were Classic's. */
export const classicRefused = (what: string) => new Ec2Error('InvalidParameterValue', what);

export interface AllocatedAddress {
  allocationId: string;
  fip: NeutronFloatingIp;
}

/** The caller's address by allocation id (malformed, unknown, released and other projects' ids are not found). */
export async function requireAddress(ctx: ActionContext, allocationId: string): Promise<AllocatedAddress> {
  assertEc2Id(allocationId, ID_PREFIXES['elastic-ip'], ID_ERRORS['elastic-ip']);
  const missing = () => notFound(ID_ERRORS['elastic-ip'].notFound, allocationId, ID_ERRORS['elastic-ip'].noun);
  const uuid = await uuidOf(ctx.store, allocationId);
  if (!uuid) throw missing();
  const fip = await mapErrors(() => getFloatingIp(ctx.openstack.neutron, uuid));
  if (!fip || fip.project_id !== ctx.caller.projectId) throw missing();
  return { allocationId, fip };
}

/** The allocation id from AllocationId (required) or AWS's refusal of the Classic PublicIp form. */
export function allocationIdOf(input: { AllocationId?: string; PublicIp?: string }, publicIpRefusal: Ec2Error): string {
  if (input.AllocationId && input.PublicIp) {
    throw invalidParameterCombination('You may specify public IP or allocation id, but not both in the same call');
  }
  if (input.PublicIp) throw publicIpRefusal;
  if (!input.AllocationId) throw missingParameter('AllocationId');
  return input.AllocationId;
}

export interface Target {
  port: NeutronPort;
  fixedIp: string;
}

/** Where AssociateAddress points the address: an instance's primary interface, or an interface and private address. */
export async function resolveTarget(
  ctx: ActionContext,
  input: { InstanceId?: string; NetworkInterfaceId?: string; PrivateIpAddress?: string },
): Promise<Target> {
  const neutron = ctx.openstack.neutron;
  if (input.InstanceId && input.NetworkInterfaceId) {
    throw invalidParameterCombination('You may specify an instance or a network interface, but not both in the same call');
  }
  if (input.InstanceId) {
    const errors = ID_ERRORS.instance;
    assertEc2Id(input.InstanceId, ID_PREFIXES.instance, errors);
    const serverId = await uuidOf(ctx.store, input.InstanceId);
    const [ports, launch] = serverId ? await Promise.all([mapErrors(() => portsOfDevices(neutron, [serverId])), readLaunchRecord(ctx.store, serverId)]) : [[], undefined];
    // The primary interface: device index 0 as recorded, else the oldest port.
    const port = orderPorts(ports.filter((p) => p.project_id === ctx.caller.projectId), launch)[0];
    if (!port) throw notFound(errors.notFound, input.InstanceId, errors.noun);
    const fixedIps = addressesInOrder(port, (await primaryAddressesOf(ctx.store, [port])).get(port.id));
    return { port, fixedIp: chooseFixedIp(fixedIps, input.PrivateIpAddress, input.InstanceId) };
  }
  if (input.NetworkInterfaceId) {
    const errors = ID_ERRORS['network-interface'];
    assertEc2Id(input.NetworkInterfaceId, ID_PREFIXES['network-interface'], errors);
    const portId = await uuidOf(ctx.store, input.NetworkInterfaceId);
    const port = portId ? await mapErrors(() => getPort(neutron, portId)) : undefined;
    if (!port || port.project_id !== ctx.caller.projectId) throw notFound(errors.notFound, input.NetworkInterfaceId, errors.noun);
    // The interface's primary address first (Neutron lists them in address order).
    const fixedIps = addressesInOrder(port, (await primaryAddressesOf(ctx.store, [port])).get(port.id));
    return { port, fixedIp: chooseFixedIp(fixedIps, input.PrivateIpAddress, input.NetworkInterfaceId) };
  }
  throw missingParameter('InstanceId');
}

/** An association by id that Neutron still has, with its address. */
export async function requireAssociation(ctx: ActionContext, associationId: string): Promise<{ association: Association; fip: NeutronFloatingIp }> {
  const missing = () => new Ec2Error('InvalidAssociationID.NotFound', `The association ID '${associationId}' does not exist`);
  const association = await readAssociation(ctx.store, associationId);
  if (!association) throw missing();
  const fip = await mapErrors(() => getFloatingIp(ctx.openstack.neutron, association.floatingIpId));
  if (!fip || fip.project_id !== ctx.caller.projectId || !isCurrent(association, fip)) throw missing();
  return { association, fip };
}

// ---- DescribeAddresses

export const addressDescriptor: ResourceDescriptor<ShownFloatingIp, Address> = {
  type: 'elastic-ip',
  idErrors: ID_ERRORS['elastic-ip'],
  async list(ctx, query) {
    const neutron = ctx.openstack.neutron;
    const projectId = ctx.caller.projectId;
    if (query.uuids) return { items: await mapErrors(() => shownFloatingIps(neutron, projectId, query.uuids)), complete: false };
    // A complete listing also ends the association records that name nothing any more (read meanwhile).
    const records = associationRecords(ctx.store);
    records.catch(() => undefined);
    const items = await mapErrors(() => shownFloatingIps(neutron, projectId));
    await pruneAssociations(ctx.store, items, await records);
    return { items, complete: true };
  },
  uuidOf: (fip) => fip.id,
  format: formatAddresses,
  idOf: (a) => a.AllocationId!,
  filters: {
    'allocation-id': (a) => a.AllocationId,
    'association-id': (a) => a.AssociationId,
    domain: (a) => a.Domain,
    'instance-id': (a) => a.InstanceId,
    'network-border-group': (a) => a.NetworkBorderGroup,
    'network-interface-id': (a) => a.NetworkInterfaceId,
    'network-interface-owner-id': (a) => a.NetworkInterfaceOwnerId,
    'private-ip-address': (a) => a.PrivateIpAddress,
    'public-ip': (a) => a.PublicIp,
    'public-ipv4-pool': (a) => a.PublicIpv4Pool,
  },
};

/** Ports, instance and interface ids and association ids for a batch: one Neutron call, a few table reads. */
async function formatAddresses(ctx: ActionContext, entries: Array<Entry<ShownFloatingIp>>): Promise<Address[]> {
  const fips = entries.map((e) => e.raw);
  const portIds = [...new Set(fips.flatMap((f) => (f.port_id ? [f.port_id] : [])))];
  const [ports, associationIds, interfaceIds] = await Promise.all([
    mapErrors(() => portOwnersById(ctx.openstack.neutron, portIds)),
    associationIdsOf(ctx.store, fips),
    ec2IdsFor(ctx.store, 'network-interface', portIds),
  ]);
  const serverOf = new Map(ports.filter((p) => p.device_owner.startsWith('compute:') && p.device_id).map((p) => [p.id, p.device_id]));
  const instanceIds = await ec2IdsFor(ctx.store, 'instance', [...new Set(serverOf.values())]);
  return entries.map(({ raw: fip, ec2Id, tags }) => {
    const port = fip.port_id ?? undefined;
    const server = port ? serverOf.get(port) : undefined;
    return {
      AllocationId: ec2Id,
      PublicIp: fip.floating_ip_address,
      Domain: 'vpc',
      PublicIpv4Pool: 'amazon',
      NetworkBorderGroup: ctx.config.ec2Region,
      AssociationId: associationIds.get(fip.id),
      InstanceId: server ? instanceIds.get(server) : undefined,
      NetworkInterfaceId: port ? interfaceIds.get(port) : undefined,
      NetworkInterfaceOwnerId: port ? ctx.caller.projectId : undefined,
      PrivateIpAddress: port ? (fip.fixed_ip_address ?? undefined) : undefined,
      Tags: tags,
    };
  });
}
