/**
 * AttachNetworkInterface's rollback (functions/vpc/AttachNetworkInterface.ts attachToInstance), over
 * journalling fakes of Nova and the table: the launch record is written before Nova's os-interface
 * and put back when Nova refuses; when Nova's answer leaves it unknown whether the port was attached
 * (its own fault, a lost answer), the port is also detached; a table write that fails stops the
 * attach before Nova is asked.
 */
import { describe, expect, it } from 'vitest';
import { attachToInstance } from '../../../functions/vpc/AttachNetworkInterface.js';
import type { InstanceView } from '../../../lib/domain/instances/instance-model.js';
import { readLaunchRecord, writeLaunchRecord, type LaunchRecord } from '../../../lib/domain/instances/launch-record.js';
import type { OpenStack } from '../../../lib/openstack/clients.js';
import { OpenStackError, OpenStackUnavailable, type ServiceClient } from '../../../lib/openstack/http.js';
import { fakeContext } from '../support/context.js';
import { calls, JournalledStore, service, type Journal } from '../instances/journal-fakes.js';

const ATTACH = 'nova POST servers/srv-1/os-interface';
const DETACH = 'nova DELETE servers/srv-1/os-interface/port-2';
const input = { NetworkInterfaceId: 'eni-0000000000000000b', InstanceId: 'i-0000000000000000a', DeviceIndex: 1 };

const record: LaunchRecord = {
  instanceId: 'i-0000000000000000a',
  serverId: 'srv-1',
  origin: 'ec2',
  reservationId: 'r-0000000000000000a',
  launchIndex: 0,
  ports: [{ portId: 'port-1', deviceIndex: 0, deleteOnTermination: true }],
};

const view = {
  serverId: 'srv-1',
  launch: record,
  ports: [{ id: 'port-1' }],
  instance: { InstanceId: 'i-0000000000000000a', NetworkInterfaces: [{ Attachment: { DeviceIndex: 0, DeleteOnTermination: true } }] },
} as unknown as InstanceView;

/** Nova whose os-interface POST fails with `failure` (and whose DELETE of a detached port answers 404 when `detachGone`). */
async function setup(failure: Error | undefined, options: { detachGone?: boolean; tableFails?: boolean } = {}) {
  const journal: Journal = [];
  const store = new JournalledStore(journal);
  await writeLaunchRecord(store, record);
  if (options.tableFails) store.put = async () => Promise.reject(new Error('the table is unreachable'));
  journal.length = 0;
  const ctx = fakeContext(store);
  const nova = service('nova', journal, { '': { version: { version: '2.90' } } });
  const request = nova.request.bind(nova);
  nova.request = (async (method: string, path: string, opts: unknown) => {
    const answer = await request(method as 'GET', path, opts as never);
    if (method === 'POST' && path.endsWith('/os-interface') && failure) throw failure;
    if (method === 'DELETE' && options.detachGone) throw new OpenStackError('nova', 404, 'not attached', 'itemNotFound', method, path);
    return answer;
  }) as ServiceClient['request'];
  ctx.openstack = { nova, neutron: service('neutron', journal) } as unknown as OpenStack;
  return { ctx, journal, store };
}

const codeOf = (promise: Promise<unknown>) => promise.then(() => 'accepted', (e: { code?: string; message?: string }) => e.code ?? e.message);

describe('AttachNetworkInterface when Nova does not attach', () => {
  it('records the port, then attaches it', async () => {
    const { ctx, journal, store } = await setup(undefined);
    await attachToInstance(ctx, view, input, 'port-2');
    expect(calls(journal).filter((c) => !c.startsWith('nova GET'))).toEqual(['table put launch#srv-1', ATTACH]);
    expect((await readLaunchRecord(store, 'srv-1'))!.ports!.map((p) => [p.portId, p.deviceIndex, p.deleteOnTermination])).toEqual([
      ['port-1', 0, true],
      ['port-2', 1, false],
    ]);
  });

  it('puts the record back when Nova refuses (a conflict), without detaching what it never attached', async () => {
    const { ctx, journal, store } = await setup(new OpenStackError('nova', 409, 'Instance is in task_state rebooting', 'conflictingRequest', 'POST', 'x'));
    expect(await codeOf(attachToInstance(ctx, view, input, 'port-2'))).toBe('IncorrectInstanceState');
    expect((await readLaunchRecord(store, 'srv-1'))!.ports).toEqual(record.ports);
    expect(calls(journal)).not.toContain(DETACH);
  });

  it('detaches and puts the record back when Nova failed after it may have attached (its own 500)', async () => {
    const { ctx, journal, store } = await setup(new OpenStackError('nova', 500, 'Unexpected API Error', undefined, 'POST', 'x'));
    expect(await codeOf(attachToInstance(ctx, view, input, 'port-2'))).not.toBe('accepted');
    expect(calls(journal)).toContain(DETACH);
    // The detach comes before the record is put back (reverse order of the steps).
    const order = calls(journal).filter((c) => c === DETACH || c === 'table put launch#srv-1');
    expect(order).toEqual(['table put launch#srv-1', DETACH, 'table put launch#srv-1']);
    expect((await readLaunchRecord(store, 'srv-1'))!.ports).toEqual(record.ports);
  });

  it('detaches when the answer was lost, and a port that was not attached after all is no error', async () => {
    const { ctx, journal, store } = await setup(new OpenStackUnavailable('nova', 'timed out'), { detachGone: true });
    expect(await codeOf(attachToInstance(ctx, view, input, 'port-2'))).not.toBe('accepted');
    expect(calls(journal)).toContain(DETACH);
    expect((await readLaunchRecord(store, 'srv-1'))!.ports).toEqual(record.ports);
  });

  it('asks Nova nothing when the record cannot be written', async () => {
    const { ctx, journal } = await setup(undefined, { tableFails: true });
    expect(await codeOf(attachToInstance(ctx, view, input, 'port-2'))).toBe('the table is unreachable');
    expect(calls(journal).filter((c) => c.startsWith('nova') && !c.startsWith('nova GET'))).toEqual([]);
  });
});
