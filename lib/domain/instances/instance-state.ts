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

/** Every task state of Nova (nova/compute/task_states.py) that moves an instance towards running. */
const STARTING_TASKS = new Set([
  'powering-on',
  'unshelving',
  'resuming',
  'unpausing',
  'restoring',
  'rebuilding',
  'rebuild_block_device_mapping',
  'rebuild_spawning',
]);
/** Task states that move an instance towards stopped (shelving and suspending included). */
const STOPPING_TASKS = new Set([
  'powering-off',
  'pausing',
  'suspending',
  'shelving',
  'shelving_image_pending_upload',
  'shelving_image_uploading',
  'shelving_offloading',
]);
const TERMINATING_TASKS = new Set(['deleting', 'soft-deleting']);

/** A state Nova reached by either road (resized, error): the power state tells where the instance is. */
const byPower = (server: Partial<NovaServer>, unknown: InstanceStateName): InstanceStateName => {
  const power = server['OS-EXT-STS:power_state'];
  if (power === undefined || power === null) return unknown;
  return power === POWER_RUNNING ? 'running' : 'stopped';
};

/**
 * AWS's state machine over Nova's: only a deleted server is terminated (the table's terminated
 * records are applied by the callers), so a server Nova is still building is pending whatever else
 * it shows, and a soft-deleted one, which can still be restored, is shutting down.
 * Without vm_state (a policy may hide it) Nova's status names the state in capitals.
 */
export function stateNameOf(server: Pick<NovaServer, 'status'> & Partial<NovaServer>): InstanceStateName {
  const vm = server['OS-EXT-STS:vm_state'] ?? server.status.toLowerCase();
  const task = server['OS-EXT-STS:task_state'] ?? undefined;
  if (server.status === 'DELETED' || vm === 'deleted') return 'terminated';
  if (task && TERMINATING_TASKS.has(task)) return 'shutting-down';
  if (vm === 'building' || vm === 'build') return 'pending';
  if (task && STOPPING_TASKS.has(task)) return 'stopping';
  if (task && STARTING_TASKS.has(task)) return 'pending';
  switch (vm) {
    case 'soft-delete':
    case 'soft_deleted':
      return 'shutting-down';
    case 'active':
    case 'rescued':
    case 'rescue':
    case 'reboot':
    case 'hard_reboot':
    case 'migrating':
    case 'password':
      return 'running';
    case 'resized':
    case 'resize':
    case 'verify_resize':
    case 'revert_resize':
      return byPower(server, 'running');
    case 'stopped':
    case 'shutoff':
    case 'shelved':
    case 'shelved_offloaded':
    case 'paused':
    case 'suspended':
      return 'stopped';
    case 'error':
      return byPower(server, 'stopped');
    default:
      // UNKNOWN (Nova cannot reach the compute host) and anything newer: not final, not running.
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
