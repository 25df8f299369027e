/**
 * Cinder statuses as EC2 states: the one place they are mapped. EC2 knows fewer states than
 * Cinder; Cinder's in-between maintenance states (backing-up, extending, retyping…) keep the
 * volume usable, so they read as `available` or `in-use` depending on whether it is attached.
 */
import type { SnapshotState, VolumeAttachmentState, VolumeState, VolumeStatusInfoStatus } from '../../schemas/types.js';

const VOLUME_STATES: Record<string, VolumeState> = {
  creating: 'creating',
  downloading: 'creating',
  available: 'available',
  reserved: 'in-use',
  attaching: 'in-use',
  'in-use': 'in-use',
  detaching: 'in-use',
  deleting: 'deleting',
  deleted: 'deleted',
  error: 'error',
  error_deleting: 'error',
  error_restoring: 'error',
  error_extending: 'error',
  error_managing: 'error',
  'error_backing-up': 'error',
};

/** Cinder statuses during which an unattached volume is `available` and an attached one `in-use`. */
const BUSY_BUT_USABLE = new Set([
  'maintenance',
  'backing-up',
  'restoring-backup',
  'uploading',
  'retyping',
  'extending',
  'awaiting-transfer',
  'managing',
]);

export function volumeState(cinderStatus: string, attached: boolean): VolumeState {
  const mapped = VOLUME_STATES[cinderStatus];
  if (mapped) return mapped;
  if (BUSY_BUT_USABLE.has(cinderStatus)) return attached ? 'in-use' : 'available';
  return cinderStatus.startsWith('error') ? 'error' : attached ? 'in-use' : 'available';
}

/** The Cinder statuses that read as one EC2 volume state, for pushing a `status` filter down. */
export function cinderVolumeStatuses(state: string): string[] {
  return Object.entries(VOLUME_STATES)
    .filter(([, ec2]) => ec2 === state)
    .map(([cinder]) => cinder);
}

/** The state of an attachment, from its volume's status. */
export function attachmentState(cinderVolumeStatus: string): VolumeAttachmentState {
  if (cinderVolumeStatus === 'reserved' || cinderVolumeStatus === 'attaching') return 'attaching';
  if (cinderVolumeStatus === 'detaching') return 'detaching';
  return 'attached';
}

/** Volume statuses from which Cinder attachment records that are not yet complete are worth reading. */
export const ATTACHING_STATUSES = new Set(['reserved', 'attaching']);

/** Statuses in which Cinder (and EC2) refuse to delete a volume because it is attached. */
export const ATTACHED_STATUSES = new Set(['reserved', 'attaching', 'in-use', 'detaching']);

const SNAPSHOT_STATES: Record<string, SnapshotState> = {
  creating: 'pending',
  available: 'completed',
  'backing-up': 'completed',
  updating: 'completed',
  restoring: 'completed',
  unmanaging: 'completed',
  deleting: 'completed',
  error: 'error',
  error_deleting: 'error',
};

export function snapshotState(cinderStatus: string): SnapshotState {
  return SNAPSHOT_STATES[cinderStatus] ?? (cinderStatus.startsWith('error') ? 'error' : 'completed');
}

export function cinderSnapshotStatuses(state: string): string[] {
  return Object.entries(SNAPSHOT_STATES)
    .filter(([, ec2]) => ec2 === state)
    .map(([cinder]) => cinder);
}

/**
 * A snapshot's progress: Cinder's own figure when it reports one (`os-extended-snapshot-attributes`),
 * otherwise what the state implies.
 */
export function snapshotProgress(cinderStatus: string, reported: string | null | undefined): string {
  const state = snapshotState(cinderStatus);
  if (state === 'completed') return '100%';
  const match = /^(\d{1,3})\s*%?$/.exec((reported ?? '').trim());
  return match ? `${Math.min(100, Number(match[1]))}%` : '0%';
}

/**
 * DescribeVolumeStatus: I/O is enabled on every usable volume (nothing here ever disables it);
 * a volume in error is impaired; one being created or deleted has no status yet.
 */
export function volumeStatus(cinderStatus: string, attached: boolean): { status: VolumeStatusInfoStatus; ioEnabled: string } {
  const state = volumeState(cinderStatus, attached);
  if (state === 'error') return { status: 'impaired', ioEnabled: 'failed' };
  if (state === 'available' || state === 'in-use') return { status: 'ok', ioEnabled: 'passed' };
  return { status: 'insufficient-data', ioEnabled: 'insufficient-data' };
}
