/**
 * DeleteOnTermination of an attachment (functions/vpc/interface-attributes.ts) over an in-memory
 * table: it lives in the instance's launch record, only for ports Nova will not delete anyway.
 */
import { describe, expect, it } from 'vitest';
import { setDeleteOnTermination } from '../../../functions/vpc/interface-attributes.js';
import type { InterfaceView } from '../../../functions/vpc/interface-objects.js';
import { readLaunchRecord, writeLaunchRecord, type LaunchRecord } from '../../../lib/domain/instances/launch-record.js';
import { attachmentIdOf } from '../../../lib/domain/vpc/network-interfaces.js';
import type { NeutronPort } from '../../../lib/openstack/neutron.js';
import { fakeContext } from '../support/context.js';

const port = { id: 'port-1', fixed_ips: [], security_groups: [] } as unknown as NeutronPort;

function viewWith(launch: LaunchRecord, deleteOnTermination: boolean): InterfaceView {
  return {
    port,
    launch,
    item: { NetworkInterfaceId: 'eni-0000000000000000a' },
    attachment: { serverId: 'srv-1', instanceId: 'i-0000000000000000a', deviceIndex: 1, deleteOnTermination },
  };
}

const launch = (ports: LaunchRecord['ports']): LaunchRecord => ({
  instanceId: 'i-0000000000000000a', serverId: 'srv-1', origin: 'ec2', reservationId: 'r-0000000000000000a', launchIndex: 0, ports,
});

const codeOf = (promise: Promise<unknown>) => promise.then(() => 'accepted', (e: { code?: string }) => e.code);

describe('setDeleteOnTermination', () => {
  it('changes the launch record of an attached interface', async () => {
    const ctx = fakeContext();
    const record = launch([
      { portId: 'nova-port', deviceIndex: 0, deleteOnTermination: true, madeByNova: true },
      { portId: 'port-1', deviceIndex: 1, deleteOnTermination: false, attachedAt: '2026-01-01T00:00:00Z' },
    ]);
    await writeLaunchRecord(ctx.store, record);
    await setDeleteOnTermination(ctx, viewWith(record, false), attachmentIdOf('port-1', 'srv-1'), true);
    const saved = await readLaunchRecord(ctx.store, 'srv-1');
    expect(saved!.ports).toEqual([record.ports![0], { ...record.ports![1], deleteOnTermination: true }]);
  });

  it('refuses another attachment id and keeping a port Nova made', async () => {
    const ctx = fakeContext();
    const record = launch([{ portId: 'port-1', deviceIndex: 1, deleteOnTermination: true, madeByNova: true }]);
    await writeLaunchRecord(ctx.store, record);
    expect(await codeOf(setDeleteOnTermination(ctx, viewWith(record, true), attachmentIdOf('port-1', 'other'), false))).toBe('InvalidAttachmentID.NotFound');
    expect(await codeOf(setDeleteOnTermination(ctx, viewWith(record, true), attachmentIdOf('port-1', 'srv-1'), false))).toBe('UnsupportedOperation');
    expect(await codeOf(setDeleteOnTermination(ctx, viewWith(launch([]), true), attachmentIdOf('port-1', 'srv-1'), false))).toBe('UnsupportedOperation');
    // Asking for what is already so changes nothing and is accepted.
    expect(await codeOf(setDeleteOnTermination(ctx, viewWith(record, true), attachmentIdOf('port-1', 'srv-1'), true))).toBe('accepted');
    expect((await readLaunchRecord(ctx.store, 'srv-1'))!.ports).toEqual(record.ports);
  });
});
