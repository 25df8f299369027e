/** Elastic IP association logic (lib/domain/vpc/addresses.ts) over an in-memory table. */
import { describe, expect, it } from 'vitest';
import {
  ASSOCIATION_GRACE_MS,
  associationIdsOf,
  associationRecords,
  chooseFixedIp,
  forgetAssociation,
  forgetAssociationsOf,
  isCurrent,
  planAssociation,
  pruneAssociations,
  readAssociation,
  recordAssociation,
  requireGatewayFor,
} from '../../../lib/domain/vpc/addresses.js';
import { networkKey, writeObject } from '../../../lib/domain/vpc/records.js';
import type { NeutronFloatingIp } from '../../../lib/openstack/neutron.js';
import { MemoryStore } from '../support/memory-store.js';

const codeOf = async (fn: () => unknown) => {
  try {
    await fn();
    return 'accepted';
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

const fip = (id: string, portId: string | null = null, fixedIp: string | null = null): NeutronFloatingIp => ({
  id, floating_ip_address: `172.24.4.${id.length}`, floating_network_id: 'ext', port_id: portId, fixed_ip_address: fixedIp,
  project_id: 'project-1', status: 'ACTIVE',
});

describe('planning an association', () => {
  const target = { portId: 'p1', fixedIp: '10.0.1.5' };
  const options = { allowReassociation: false, allocationId: 'eipalloc-1', currentAssociationId: 'eipassoc-1' };

  it('associates a free address and leaves one that already points there alone', () => {
    expect(planAssociation(fip('f'), target, options)).toBe('associate');
    expect(planAssociation(fip('f', 'p1', '10.0.1.5'), target, options)).toBe('unchanged');
  });

  it('refuses to move an associated address without AllowReassociation, naming the association', async () => {
    expect(await codeOf(() => planAssociation(fip('f', 'p2', '10.0.1.6'), target, options))).toBe('Resource.AlreadyAssociated');
    expect(() => planAssociation(fip('f', 'p1', '10.0.1.9'), target, options)).toThrow(/eipalloc-1 is already associated with associate-id eipassoc-1/);
    expect(planAssociation(fip('f', 'p2', '10.0.1.6'), target, { ...options, allowReassociation: true })).toBe('reassociate');
  });
});

describe('the private address and the primary interface', () => {
  const fixed = [
    { subnet_id: 's', ip_address: 'fd00::5' },
    { subnet_id: 's', ip_address: '10.0.1.5' },
    { subnet_id: 's', ip_address: '10.0.1.6' },
  ];

  it("takes the port's first IPv4 address, or the one asked for when the port has it", async () => {
    expect(chooseFixedIp(fixed, undefined, 'eni-1')).toBe('10.0.1.5');
    expect(chooseFixedIp(fixed, '10.0.1.6', 'eni-1')).toBe('10.0.1.6');
    expect(await codeOf(() => chooseFixedIp(fixed, '10.0.1.7', 'eni-1'))).toBe('InvalidParameterValue');
    expect(await codeOf(() => chooseFixedIp(fixed, 'fd00::5', 'eni-1'))).toBe('InvalidParameterValue');
    expect(await codeOf(() => chooseFixedIp([], undefined, 'eni-1'))).toBe('InvalidParameterValue');
  });
});

describe('association ids', () => {
  it('gives each association one id, which concurrent readers agree on and lookups find', async () => {
    const store = new MemoryStore();
    const associated = fip('f1', 'p1', '10.0.1.5');
    const runs = await Promise.all([associationIdsOf(store, [associated, fip('f2')]), associationIdsOf(store, [associated])]);
    const id = runs[0].get('f1');
    expect(id).toMatch(/^eipassoc-[0-9a-f]{17}$/);
    expect(runs[1].get('f1')).toBe(id);
    expect(runs[0].has('f2')).toBe(false);
    const found = await readAssociation(store, id!);
    expect(found).toEqual({ associationId: id, floatingIpId: 'f1', portId: 'p1', fixedIp: '10.0.1.5' });
    expect(isCurrent(found!, associated)).toBe(true);
    expect(isCurrent(found!, fip('f1'))).toBe(false);
    expect(isCurrent(found!, fip('f1', 'p1', '10.0.1.6'))).toBe(false);
  });

  it('answers nothing for ids that are not association ids or were never recorded', async () => {
    const store = new MemoryStore();
    expect(await readAssociation(store, 'eipassoc-0123456789abcdef0')).toBeUndefined();
    expect(await readAssociation(store, 'eipalloc-0123456789abcdef0')).toBeUndefined();
    expect(await readAssociation(store, 'x'.repeat(2000))).toBeUndefined();
  });

  it('gives a new association of the same address and port a new id once the old one is forgotten', async () => {
    const store = new MemoryStore();
    const target = { portId: 'p1', fixedIp: '10.0.1.5' };
    const first = await recordAssociation(store, 'f1', target);
    expect((await recordAssociation(store, 'f1', target)).associationId).toBe(first.associationId);
    await forgetAssociation(store, first);
    expect(await readAssociation(store, first.associationId)).toBeUndefined();
    const second = await recordAssociation(store, 'f1', target);
    expect(second.associationId).not.toBe(first.associationId);
  });

  it('forgets every association of a released address and no other', async () => {
    const store = new MemoryStore();
    const a = await recordAssociation(store, 'f1', { portId: 'p1', fixedIp: '10.0.1.5' });
    const b = await recordAssociation(store, 'f1', { portId: 'p2', fixedIp: '10.0.1.6' });
    const other = await recordAssociation(store, 'f10', { portId: 'p1', fixedIp: '10.0.1.5' });
    await forgetAssociationsOf(store, 'f1');
    expect(await readAssociation(store, a.associationId)).toBeUndefined();
    expect(await readAssociation(store, b.associationId)).toBeUndefined();
    expect(await readAssociation(store, other.associationId)).toEqual(other);
  });
});

describe('the internet gateway an association needs', () => {
  it("refuses a VPC network without an attached gateway and leaves networks outside VPCs to Neutron", async () => {
    const store = new MemoryStore();
    await store.putJson(networkKey('net-1'), { vpcId: 'vpc-1', subnetId: 'subnet-1' });
    expect(await codeOf(() => requireGatewayFor(store, 'net-1'))).toBe('Gateway.NotAttached');
    await writeObject(store, 'igw-2', { internetGatewayId: 'igw-2', uuid: 'u2', vpcId: 'vpc-2' });
    await writeObject(store, 'igw-3', { internetGatewayId: 'igw-3', uuid: 'u3' });
    expect(await codeOf(() => requireGatewayFor(store, 'net-1'))).toBe('Gateway.NotAttached');
    await writeObject(store, 'igw-1', { internetGatewayId: 'igw-1', uuid: 'u1', vpcId: 'vpc-1' });
    expect(await codeOf(() => requireGatewayFor(store, 'net-1'))).toBe('accepted');
    expect(await codeOf(() => requireGatewayFor(store, 'net-elsewhere'))).toBe('accepted');
  });
});

describe('association records that name nothing any more', () => {
  const later = Date.now() + ASSOCIATION_GRACE_MS + 1000;

  it('go with a complete listing once the address is gone or points elsewhere, after the grace', async () => {
    const store = new MemoryStore();
    const kept = await recordAssociation(store, 'f-kept', { portId: 'p1', fixedIp: '10.0.1.5' });
    const released = await recordAssociation(store, 'f-gone', { portId: 'p2', fixedIp: '10.0.1.6' });
    const moved = await recordAssociation(store, 'f-moved', { portId: 'p3', fixedIp: '10.0.1.7' });
    const listing = [fip('f-kept', 'p1', '10.0.1.5'), fip('f-moved', 'p4', '10.0.1.8')];
    // Young records stay whatever Neutron says: AssociateAddress writes them before Neutron changes.
    expect(await pruneAssociations(store, listing, await associationRecords(store))).toBe(0);
    expect(await pruneAssociations(store, listing, await associationRecords(store), later)).toBe(2);
    expect(await readAssociation(store, kept.associationId)).toEqual(kept);
    expect(await readAssociation(store, released.associationId)).toBeUndefined();
    expect(await readAssociation(store, moved.associationId)).toBeUndefined();
    expect((await associationRecords(store)).map((r) => r.key)).toEqual(['eipassoc-of#f-kept#p1#10.0.1.5']);
    // The address moved: its new association gets an id of its own, and the old one never comes back.
    const ids = await associationIdsOf(store, listing);
    expect(ids.get('f-moved')).toMatch(/^eipassoc-/);
    expect(ids.get('f-moved')).not.toBe(moved.associationId);
  });

  it('an unassociated address keeps no record', async () => {
    const store = new MemoryStore();
    await recordAssociation(store, 'f1', { portId: 'p1', fixedIp: '10.0.1.5' });
    expect(await pruneAssociations(store, [fip('f1')], await associationRecords(store), later)).toBe(1);
    expect(await associationRecords(store)).toEqual([]);
  });
});
