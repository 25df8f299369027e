import { describe, expect, it } from 'vitest';
import { isFailedLaunch, novaTime, stateNameOf, userInitiated } from '../../../lib/domain/instances/instance-state.js';
import type { NovaServer } from '../../../lib/openstack/nova.js';

const server = (vm: string, task: string | null = null, extra: Partial<NovaServer> = {}) =>
  ({ status: vm.toUpperCase(), 'OS-EXT-STS:vm_state': vm, 'OS-EXT-STS:task_state': task, ...extra }) as NovaServer;

describe('instance states from Nova', () => {
  it.each([
    ['building', null, 'pending'],
    ['building', 'spawning', 'pending'],
    ['active', null, 'running'],
    ['active', 'rebooting', 'running'],
    ['active', 'powering-off', 'stopping'],
    ['active', 'deleting', 'shutting-down'],
    ['stopped', null, 'stopped'],
    ['stopped', 'powering-on', 'pending'],
    ['shelved_offloaded', null, 'stopped'],
    ['paused', null, 'stopped'],
    ['resized', null, 'running'],
    ['rescued', null, 'running'],
    ['deleted', null, 'terminated'],
    ['soft-delete', null, 'terminated'],
  ])('%s / %s is %s', (vm, task, name) => {
    expect(stateNameOf(server(vm, task))).toBe(name);
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
