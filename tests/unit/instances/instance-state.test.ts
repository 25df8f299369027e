import { describe, expect, it } from 'vitest';
import { isFailedLaunch, novaTime, stateNameOf, userInitiated } from '../../../lib/domain/instances/instance-state.js';
import type { NovaServer } from '../../../lib/openstack/nova.js';

const server = (vm: string, task: string | null = null, extra: Partial<NovaServer> = {}) =>
  ({ status: vm.toUpperCase(), 'OS-EXT-STS:vm_state': vm, 'OS-EXT-STS:task_state': task, ...extra }) as NovaServer;

// Nova's vm states and task states (nova/compute/vm_states.py, task_states.py), each with the
// AWS state it means on its own; a task overrides the vm state only where it names a transition.
const VM_STATES: Record<string, string> = {
  building: 'pending',
  active: 'running',
  rescued: 'running',
  resized: 'running',
  stopped: 'stopped',
  paused: 'stopped',
  suspended: 'stopped',
  shelved: 'stopped',
  shelved_offloaded: 'stopped',
  error: 'stopped',
  'soft-delete': 'shutting-down',
  deleted: 'terminated',
};
const TASK_STATES: Record<string, string | undefined> = {
  scheduling: undefined,
  block_device_mapping: undefined,
  networking: undefined,
  spawning: undefined,
  image_snapshot: undefined,
  image_snapshot_pending: undefined,
  image_pending_upload: undefined,
  image_uploading: undefined,
  image_backup: undefined,
  updating_password: undefined,
  resize_prep: undefined,
  resize_migrating: undefined,
  resize_migrated: undefined,
  resize_finish: undefined,
  resize_reverting: undefined,
  resize_confirming: undefined,
  rebooting: undefined,
  reboot_pending: undefined,
  reboot_started: undefined,
  rebooting_hard: undefined,
  reboot_pending_hard: undefined,
  reboot_started_hard: undefined,
  migrating: undefined,
  rescuing: undefined,
  unrescuing: undefined,
  pausing: 'stopping',
  suspending: 'stopping',
  'powering-off': 'stopping',
  shelving: 'stopping',
  shelving_image_pending_upload: 'stopping',
  shelving_image_uploading: 'stopping',
  shelving_offloading: 'stopping',
  unpausing: 'pending',
  resuming: 'pending',
  'powering-on': 'pending',
  unshelving: 'pending',
  restoring: 'pending',
  rebuilding: 'pending',
  rebuild_block_device_mapping: 'pending',
  rebuild_spawning: 'pending',
  deleting: 'shutting-down',
  'soft-deleting': 'shutting-down',
};

/** What AWS shows: deleted is final; deleting wins; a server being built is pending; else the task's transition. */
function expected(vm: string, task: string | null): string {
  if (vm === 'deleted') return 'terminated';
  const byTask = task ? TASK_STATES[task] : undefined;
  if (byTask === 'shutting-down') return byTask;
  if (vm === 'building') return 'pending';
  return byTask ?? VM_STATES[vm]!;
}

const cases = Object.keys(VM_STATES).flatMap((vm) => [null, ...Object.keys(TASK_STATES)].map((task) => [vm, task] as const));

describe('instance states from Nova', () => {
  it.each(cases)('%s / %s', (vm, task) => {
    expect(stateNameOf(server(vm, task))).toBe(expected(vm, task));
  });

  it('only a deleted server is terminated; a building one is pending whatever its task', () => {
    const terminated = cases.filter(([vm, task]) => stateNameOf(server(vm, task)) === 'terminated');
    expect(new Set(terminated.map(([vm]) => vm))).toEqual(new Set(['deleted']));
    for (const task of [null, 'scheduling', 'networking', 'block_device_mapping', 'spawning']) {
      expect(stateNameOf(server('building', task))).toBe('pending');
    }
  });

  it.each([
    ['BUILD', 'pending'],
    ['ACTIVE', 'running'],
    ['SHUTOFF', 'stopped'],
    ['REBOOT', 'running'],
    ['HARD_REBOOT', 'running'],
    ['PASSWORD', 'running'],
    ['RESCUE', 'running'],
    ['MIGRATING', 'running'],
    ['VERIFY_RESIZE', 'running'],
    ['REBUILD', 'pending'],
    ['PAUSED', 'stopped'],
    ['SUSPENDED', 'stopped'],
    ['SHELVED', 'stopped'],
    ['SHELVED_OFFLOADED', 'stopped'],
    ['SOFT_DELETED', 'shutting-down'],
    ['UNKNOWN', 'pending'],
    ['DELETED', 'terminated'],
  ])('status %s alone (vm_state hidden by policy) is %s', (status, name) => {
    expect(stateNameOf({ status } as NovaServer)).toBe(name);
  });

  it('a server resized while stopped stays stopped', () => {
    expect(stateNameOf(server('resized', null, { 'OS-EXT-STS:power_state': 4 }))).toBe('stopped');
    expect(stateNameOf(server('resized', null, { 'OS-EXT-STS:power_state': 1 }))).toBe('running');
  });

  it('keeps an ERROR server as its power state says', () => {
    expect(stateNameOf(server('error', null, { 'OS-EXT-STS:power_state': 1 }))).toBe('running');
    expect(stateNameOf(server('error', null, { 'OS-EXT-STS:power_state': 4 }))).toBe('stopped');
  });

  it('tells a failed launch from an error later in life', () => {
    expect(isFailedLaunch(server('error', null, { 'OS-SRV-USG:launched_at': null }))).toBe(true);
    expect(isFailedLaunch(server('error', null, { 'OS-SRV-USG:launched_at': '2024-01-01T00:00:00.000000' }))).toBe(false);
    expect(isFailedLaunch(server('active'))).toBe(false);
  });

  it('reads Nova times as UTC and words AWS reasons', () => {
    expect(novaTime('2026-11-22T05:04:29.000000')?.toISOString()).toBe('2026-11-22T05:04:29.000Z');
    expect(novaTime('2026-11-22T05:04:13Z')?.toISOString()).toBe('2026-11-22T05:04:13.000Z');
    expect(novaTime(null)).toBeUndefined();
    expect(userInitiated(new Date('2024-05-01T10:00:00.123Z'))).toBe('User initiated (2024-05-01 10:00:00 GMT)');
  });
});
