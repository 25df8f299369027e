/**
 * The calls one termination makes, and their order: what Nova's delete would undo (keeping volumes,
 * remembering the volumes Nova deletes) before Nova's DELETE, the cleanup (public addresses, our
 * ports, the terminated record) after it, and no OpenStack read beyond what keeping volumes needs.
 */
import { describe, expect, it } from 'vitest';
import { terminateInstance } from '../../../functions/instances/termination.js';
import { REASONS } from '../../../lib/domain/instances/instance-state.js';
import type { InstanceDeps } from '../../../lib/domain/instances/instance-related.js';
import { readLaunchRecords, type LaunchRecord } from '../../../lib/domain/instances/launch-record.js';
import type { ServiceClient } from '../../../lib/openstack/http.js';
import type { NovaServer } from '../../../lib/openstack/nova.js';
import { calls, index, JournalledStore, service, type Journal } from './journal-fakes.js';

function depsOf(journal: Journal, novaAnswers: Record<string, unknown> = {}): InstanceDeps & { store: JournalledStore } {
  const unused = service('unused', journal);
  return {
    nova: service('nova', journal, novaAnswers),
    neutron: service('neutron', journal),
    cinder: unused,
    glance: unused,
    store: new JournalledStore(journal),
    projectId: 'project-1',
    region: 'RegionOne',
  };
}

const server = (volumes: Array<{ id: string; delete_on_termination: boolean }> = []) =>
  ({
    id: 'server-1',
    status: 'ACTIVE',
    addresses: { net: [{ addr: '10.0.0.5' }] },
    'os-extended-volumes:volumes_attached': volumes,
  }) as unknown as NovaServer;

const launch = (more: Partial<LaunchRecord> = {}): LaunchRecord => ({
  instanceId: 'i-0123456789abcdef0',
  serverId: 'server-1',
  origin: 'ec2',
  reservationId: 'r-0123456789abcdef0',
  launchIndex: 0,
  ...more,
});

describe('terminating one instance', () => {
  it('a plain server: Nova DELETE, then the terminated record; nothing read from OpenStack', async () => {
    const journal: Journal = [];
    const deps = depsOf(journal);
    const record = await terminateInstance(deps, { server: server(), launch: launch() }, REASONS.userShutdown);
    expect(calls(journal)).toEqual(['nova DELETE servers/server-1', 'table put launch#server-1']);
    expect(index(journal, 'end nova DELETE servers/server-1')).toBeLessThan(index(journal, 'start table put launch#server-1'));
    expect(record.terminated?.reason).toEqual(REASONS.userShutdown);
    expect(record.terminated?.server.addresses).toEqual({});
    const stored = (await readLaunchRecords(deps.store, ['server-1'])).get('server-1');
    expect(stored?.terminated?.server.id).toBe('server-1');
    expect(deps.store.items.get('launch#server-1')?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 3000);
  });

  it('discard records before the DELETE; addresses, our ports and the record after it, side by side', async () => {
    const journal: Journal = [];
    const deps = depsOf(journal);
    const target = {
      server: server([
        { id: 'vol-a', delete_on_termination: true },
        { id: 'vol-b', delete_on_termination: false },
        { id: 'vol-c', delete_on_termination: true },
      ]),
      launch: launch({
        floatingIps: ['fip-1'],
        ports: [
          { portId: 'port-ours', deviceIndex: 1, deleteOnTermination: true },
          { portId: 'port-kept', deviceIndex: 2, deleteOnTermination: false },
        ],
      }),
    };
    await terminateInstance(deps, target, REASONS.userShutdown);
    expect(calls(journal).sort()).toEqual(
      [
        'table put volume-gc#vol-a',
        'table put volume-gc#vol-c',
        'nova DELETE servers/server-1',
        'neutron DELETE floatingips/fip-1',
        'neutron DELETE ports/port-ours',
        'table put launch#server-1',
      ].sort(),
    );
    const del = index(journal, 'start nova DELETE servers/server-1');
    const deleted = index(journal, 'end nova DELETE servers/server-1');
    for (const before of ['end table put volume-gc#vol-a', 'end table put volume-gc#vol-c']) expect(index(journal, before)).toBeLessThan(del);
    // The two discard records are written together, not one after the other.
    expect(index(journal, 'start table put volume-gc#vol-c')).toBeLessThan(index(journal, 'end table put volume-gc#vol-a'));
    const after = ['neutron DELETE floatingips/fip-1', 'neutron DELETE ports/port-ours', 'table put launch#server-1'];
    for (const a of after) expect(index(journal, `start ${a}`)).toBeGreaterThan(deleted);
    // All three started before any of them ended.
    const firstEnd = Math.min(...after.map((a) => index(journal, `end ${a}`)));
    for (const a of after) expect(index(journal, `start ${a}`)).toBeLessThan(firstEnd);
  });

  it('volumes to keep: their delete_on_termination is switched off before the DELETE, and nothing is discarded', async () => {
    const journal: Journal = [];
    const deps = depsOf(journal, {
      '': { version: { version: '2.90' } },
      'servers/server-1/os-volume_attachments': {
        volumeAttachments: [
          { volumeId: 'vol-kept', device: '/dev/vdb' },
          { volumeId: 'vol-root', device: '/dev/vda' },
        ],
      },
    });
    const target = {
      server: server([{ id: 'vol-kept', delete_on_termination: true }]),
      launch: launch({ pending: { keepVolumes: ['/dev/sdb'] } }),
    };
    await terminateInstance(deps, target, REASONS.userShutdown);
    expect(calls(journal)).toEqual([
      'nova GET ',
      'nova GET servers/server-1/os-volume_attachments',
      'nova PUT servers/server-1/os-volume_attachments/vol-kept',
      'nova DELETE servers/server-1',
      'table put launch#server-1',
    ]);
    expect(index(journal, 'end nova PUT servers/server-1/os-volume_attachments/vol-kept')).toBeLessThan(index(journal, 'start nova DELETE servers/server-1'));
  });

  it('Nova refusing the DELETE: nothing is cleaned up and no terminated record is written', async () => {
    const journal: Journal = [];
    const deps = depsOf(journal);
    deps.nova = { ...deps.nova, delete: () => Promise.reject(new Error('nova refused')) } as unknown as ServiceClient;
    const target = { server: server(), launch: launch({ floatingIps: ['fip-1'], ports: [{ portId: 'port-ours', deviceIndex: 1, deleteOnTermination: true }] }) };
    await expect(terminateInstance(deps, target, REASONS.userShutdown)).rejects.toThrow('nova refused');
    expect(calls(journal)).toEqual([]);
    expect(deps.store.items.has('launch#server-1')).toBe(false);
  });
});
