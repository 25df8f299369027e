/**
 * EC2 instance states from Nova's vm_state / task_state / power_state. Pure functions.
 *
 * An ERROR server that was running keeps the state its power state says (it may still run after a
 * failed resize); one that never launched is a failed launch, which AWS shows as terminated — the
 * describe path terminates such servers when EC2 launched them (see settle.ts).
 */
import type { NovaServer } from '../../openstack/nova.js';
import type { InstanceState, InstanceStateName, StateReason } from '../../../schemas/types.js';

export const STATE_CODES: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export const stateNamed = (name: InstanceStateName): InstanceState => ({ Code: STATE_CODES[name], Name: name });

/** Nova power_state 1 = RUNNING. */
const POWER_RUNNING = 1;

const PENDING_TASKS = new Set([
  'scheduling',
  'block_device_mapping',
  'networking',
  'spawning',
  'powering-on',
  'unshelving',
  'spawning',
  'rebuilding',
  'rebuild_block_device_mapping',
  'rebuild_spawning',
]);
const STOPPING_TASKS = new Set(['powering-off', 'shelving', 'shelving_image_pending_upload', 'shelving_image_uploading', 'shelving_offloading']);
const TERMINATING_TASKS = new Set(['deleting', 'soft-deleting']);

export function stateNameOf(server: Pick<NovaServer, 'status'> & Partial<NovaServer>): InstanceStateName {
  const vm = server['OS-EXT-STS:vm_state'] ?? server.status.toLowerCase();
  const task = server['OS-EXT-STS:task_state'] ?? undefined;
  if (server.status === 'DELETED' || vm === 'deleted' || vm === 'soft-delete' || vm === 'soft_deleted') return 'terminated';
  if (task && TERMINATING_TASKS.has(task)) return 'shutting-down';
  if (task && STOPPING_TASKS.has(task)) return 'stopping';
  if (task && PENDING_TASKS.has(task)) return 'pending';
  switch (vm) {
    case 'building':
    case 'build':
      return 'pending';
    case 'active':
    case 'rescued':
    case 'resized':
    case 'verify_resize':
    case 'reboot':
    case 'hard_reboot':
    case 'migrating':
    case 'password':
      return 'running';
    case 'stopped':
    case 'shutoff':
    case 'shelved':
    case 'shelved_offloaded':
    case 'paused':
    case 'suspended':
      return 'stopped';
    case 'error':
      return server['OS-EXT-STS:power_state'] === POWER_RUNNING ? 'running' : 'stopped';
    default:
      return 'pending';
  }
}

export const stateOf = (server: Pick<NovaServer, 'status'> & Partial<NovaServer>): InstanceState => stateNamed(stateNameOf(server));

/** An ERROR server that never launched: a failed launch. */
export const isFailedLaunch = (server: NovaServer) =>
  (server['OS-EXT-STS:vm_state'] ?? server.status.toLowerCase()) === 'error' && !server['OS-SRV-USG:launched_at'];

/** Nova's timestamps: ISO with or without zone; those without one are UTC. */
export function novaTime(value: string | null | undefined): Date | undefined {
  if (!value) return undefined;
  const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** AWS's "User initiated (2024-05-01 10:00:00 GMT)". */
export function userInitiated(at: Date): string {
  return `User initiated (${at.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' GMT')})`;
}

export const REASONS = {
  userShutdown: { Code: 'Client.UserInitiatedShutdown', Message: 'Client.UserInitiatedShutdown: User initiated shutdown' },
  instanceShutdown: {
    Code: 'Client.InstanceInitiatedShutdown',
    Message: 'Client.InstanceInitiatedShutdown: Instance initiated shutdown',
  },
  internalError: { Code: 'Server.InternalError', Message: 'Server.InternalError: Internal error on launch' },
  pending: { Code: 'pending', Message: 'pending' },
} satisfies Record<string, StateReason>;
