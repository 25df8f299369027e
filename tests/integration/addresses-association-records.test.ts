/**
 * Association records that name nothing any more go with the next complete DescribeAddresses
 * listing: on the real table and Neutron, an address whose floating IP was deleted outside EC2 (as
 * a launch address is when its instance terminates) and an address whose port went (the instance
 * is gone) lose their `eipassoc-` records once older than the grace; young records stay, and a
 * listing narrowed by AllocationIds prunes nothing.
 */
import { AllocateAddressCommand, DescribeAddressesCommand, ReleaseAddressCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSOCIATION_GRACE_MS, associationRecords, readAssociation, recordAssociation, type Association } from '../../lib/domain/vpc/addresses.js';
import type { StateStore } from '../../lib/store/project-store.js';
import { ec2Client } from './support/clients.js';
import { endpointInfo } from './support/env.js';
import { openstackAs, type DirectOpenStack } from './support/openstack.js';

// The state table is read directly, configured as the server is (before anything reads the configuration).
Object.assign(process.env, endpointInfo().serverEnv);

const demo = ec2Client('demo');
let os: DirectOpenStack;
let store: StateStore;
const allocations: string[] = [];
const made: Association[] = [];

/** A record as if written `ageMs` ago (the table keeps its creation time). */
async function age(association: Association, ageMs: number): Promise<void> {
  const [record] = (await associationRecords(store)).filter((r) => r.ec2Id === association.associationId);
  await store.put(record!.key, { ec2Id: record!.ec2Id, uuid: record!.uuid, createdAt: Date.now() - ageMs });
}

/** The Neutron floating IP of an allocation id (through the describe's address). */
async function floatingIpOf(allocationId: string): Promise<string> {
  const { Addresses = [] } = await demo.send(new DescribeAddressesCommand({ AllocationIds: [allocationId] }));
  const { floatingips } = await os.neutron.get<{ floatingips: Array<{ id: string }> }>('floatingips', { floating_ip_address: Addresses[0]!.PublicIp! });
  return floatingips[0]!.id;
}

beforeAll(async () => {
  os = await openstackAs('demo');
  const { storeFor } = await import('../../lib/store/project-store.js');
  store = storeFor(os.projectId);
  for (let i = 0; i < 2; i++) allocations.push((await demo.send(new AllocateAddressCommand({ Domain: 'vpc' }))).AllocationId!);
});

afterAll(async () => {
  for (const id of allocations) await demo.send(new ReleaseAddressCommand({ AllocationId: id })).catch(() => undefined);
  for (const association of made) await store.deleteMany([`eipassoc#${association.associationId}`]).catch(() => undefined);
});

describe('association records of ended associations', () => {
  it('go once old enough when the address is gone or no longer points there; young ones and narrowed listings keep them', async () => {
    const [kept, deleted] = [await floatingIpOf(allocations[0]!), await floatingIpOf(allocations[1]!)];
    // An association whose port went with its instance: Neutron shows the address unassociated.
    const portGone = await recordAssociation(store, kept, { portId: '00000000-0000-4000-8000-000000000001', fixedIp: '10.9.9.9' });
    const young = await recordAssociation(store, kept, { portId: '00000000-0000-4000-8000-000000000002', fixedIp: '10.9.9.10' });
    // A launch address: its floating IP is deleted with the instance, outside the address actions.
    const addressGone = await recordAssociation(store, deleted, { portId: '00000000-0000-4000-8000-000000000003', fixedIp: '10.9.9.11' });
    made.push(portGone, young, addressGone);
    await age(portGone, ASSOCIATION_GRACE_MS + 60_000);
    await age(addressGone, ASSOCIATION_GRACE_MS + 60_000);
    await os.neutron.delete(`floatingips/${deleted}`);

    // Narrowed by id: not the whole truth, nothing is pruned.
    await demo.send(new DescribeAddressesCommand({ AllocationIds: [allocations[0]!] }));
    expect(await readAssociation(store, portGone.associationId)).toEqual(portGone);

    const { Addresses = [] } = await demo.send(new DescribeAddressesCommand({}));
    expect(Addresses.map((a) => a.AllocationId)).toContain(allocations[0]);
    expect(Addresses.map((a) => a.AllocationId)).not.toContain(allocations[1]);
    expect(await readAssociation(store, portGone.associationId)).toBeUndefined();
    expect(await readAssociation(store, addressGone.associationId)).toBeUndefined();
    expect(await readAssociation(store, young.associationId)).toEqual(young);
    const left = (await associationRecords(store)).map((r) => r.ec2Id);
    expect(left).toContain(young.associationId);
    expect(left).not.toContain(portGone.associationId);
    expect(left).not.toContain(addressGone.associationId);
  });
});
