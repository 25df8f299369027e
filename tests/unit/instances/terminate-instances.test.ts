/**
 * TerminateInstances as a whole, over journalling fakes: per instance one Nova GET (its state for
 * the answer, its volumes) and one Nova DELETE, nothing from Neutron, Cinder or Glance for an
 * instance without public addresses or ports of ours; the answer and the protection unchanged.
 */
import { describe, expect, it } from 'vitest';
import TerminateInstances from '../../../functions/instances/TerminateInstances.js';
import { terminatedRecord, writeLaunchRecord, readLaunchRecords, type LaunchRecord } from '../../../lib/domain/instances/launch-record.js';
import { REASONS } from '../../../lib/domain/instances/instance-state.js';
import type { OpenStack } from '../../../lib/openstack/clients.js';
import type { NovaServer } from '../../../lib/openstack/nova.js';
import { recordMappingAs } from '../../../lib/store/ids.js';
import { fakeContext } from '../support/context.js';
import { calls, JournalledStore, service, type Journal } from './journal-fakes.js';

const server = (id: string, vmState = 'active') =>
  ({ id, status: vmState === 'stopped' ? 'SHUTOFF' : 'ACTIVE', 'OS-EXT-STS:vm_state': vmState, addresses: {}, 'os-extended-volumes:volumes_attached': [] }) as unknown as NovaServer;

const launch = (serverId: string, instanceId: string, more: Partial<LaunchRecord> = {}): LaunchRecord => ({
  instanceId,
  serverId,
  origin: 'ec2',
  reservationId: 'r-0123456789abcdef0',
  launchIndex: 0,
  ...more,
});

const RUNNING = 'i-0000000000000000a';
const STOPPED = 'i-0000000000000000b';
const GONE = 'i-0000000000000000c';
const PROTECTED = 'i-0000000000000000d';

async function setup() {
  const journal: Journal = [];
  const store = new JournalledStore(journal);
  const ctx = fakeContext(store);
  const servers = { 's-run': server('s-run'), 's-stop': server('s-stop', 'stopped'), 's-prot': server('s-prot') };
  const nova = service('nova', journal, {
    '': { version: { version: '2.90' } },
    ...Object.fromEntries(Object.entries(servers).map(([id, s]) => [`servers/${id}`, { server: s }])),
  });
  ctx.openstack = { nova, neutron: service('neutron', journal), cinder: service('cinder', journal), glance: service('glance', journal) } as unknown as OpenStack;
  for (const [uuid, id] of [['s-run', RUNNING], ['s-stop', STOPPED], ['s-gone', GONE], ['s-prot', PROTECTED]] as const) await recordMappingAs(store, 'instance', uuid, id);
  await writeLaunchRecord(store, launch('s-run', RUNNING));
  await writeLaunchRecord(store, launch('s-stop', STOPPED));
  await writeLaunchRecord(store, launch('s-prot', PROTECTED, { disableApiTermination: true }));
  await writeLaunchRecord(store, terminatedRecord(launch('s-gone', GONE), server('s-gone'), REASONS.userShutdown));
  journal.length = 0;
  return { ctx, journal, store };
}

async function terminate(ctx: ReturnType<typeof fakeContext>, ids: string[]) {
  const input = { InstanceIds: ids };
  await TerminateInstances.check?.(input, ctx);
  return TerminateInstances.run(input, ctx);
}

describe('TerminateInstances', () => {
  it('one GET and one DELETE per live instance, a terminated record each; a terminated one is answered as it is', async () => {
    const { ctx, journal, store } = await setup();
    const out = await terminate(ctx, [RUNNING, STOPPED, GONE]);
    expect(out.TerminatingInstances).toEqual([
      { InstanceId: RUNNING, PreviousState: { Code: 16, Name: 'running' }, CurrentState: { Code: 32, Name: 'shutting-down' } },
      { InstanceId: STOPPED, PreviousState: { Code: 80, Name: 'stopped' }, CurrentState: { Code: 32, Name: 'shutting-down' } },
      { InstanceId: GONE, PreviousState: { Code: 48, Name: 'terminated' }, CurrentState: { Code: 48, Name: 'terminated' } },
    ]);
    const openstack = calls(journal).filter((c) => !c.startsWith('table') && c !== 'nova GET ');
    expect(openstack.sort()).toEqual(
      ['nova GET servers/s-run', 'nova GET servers/s-stop', 'nova GET servers/s-gone', 'nova DELETE servers/s-run', 'nova DELETE servers/s-stop'].sort(),
    );
    expect(calls(journal).filter((c) => c.startsWith('table')).sort()).toEqual(['table put launch#s-run', 'table put launch#s-stop']);
    const records = await readLaunchRecords(store, ['s-run', 's-stop']);
    expect(records.get('s-run')?.terminated?.reason).toEqual(REASONS.userShutdown);
    expect(records.get('s-stop')?.terminated?.server.id).toBe('s-stop');
  });

  it('an instance with DisableApiTermination stops the whole request before any DELETE', async () => {
    const { ctx, journal } = await setup();
    await expect(terminate(ctx, [RUNNING, PROTECTED])).rejects.toMatchObject({ code: 'OperationNotPermitted' });
    expect(calls(journal).filter((c) => c.includes('DELETE') || c.startsWith('table'))).toEqual([]);
  });

  it('an unknown id is InvalidInstanceID.NotFound, with nothing deleted', async () => {
    const { ctx, journal } = await setup();
    await expect(terminate(ctx, [RUNNING, 'i-0000000000000000f'])).rejects.toMatchObject({ code: 'InvalidInstanceID.NotFound' });
    expect(calls(journal).filter((c) => c.includes('DELETE'))).toEqual([]);
  });
});
