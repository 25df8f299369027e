import { describe, expect, it } from 'vitest';
import {
  attachmentState,
  cinderSnapshotStatuses,
  cinderVolumeStatuses,
  snapshotProgress,
  snapshotState,
  volumeState,
  volumeStatus,
} from '../../../functions/volumes/states.js';

describe('Cinder volume statuses as EC2 states', () => {
  it.each([
    ['creating', false, 'creating'],
    ['downloading', false, 'creating'],
    ['available', false, 'available'],
    ['reserved', false, 'in-use'],
    ['attaching', false, 'in-use'],
    ['in-use', true, 'in-use'],
    ['detaching', true, 'in-use'],
    ['deleting', false, 'deleting'],
    ['error', false, 'error'],
    ['error_deleting', false, 'error'],
    ['error_extending', true, 'error'],
    ['backing-up', false, 'available'],
    ['backing-up', true, 'in-use'],
    ['extending', false, 'available'],
    ['retyping', true, 'in-use'],
    ['some-future-status', false, 'available'],
    ['error_some_future', false, 'error'],
  ])('%s (attached: %s) is %s', (status, attached, state) => {
    expect(volumeState(status, attached)).toBe(state);
  });

  it('pushes a status down only where one Cinder status means it', () => {
    expect(cinderVolumeStatuses('available')).toEqual(['available']);
    expect(cinderVolumeStatuses('in-use').sort()).toEqual(['attaching', 'detaching', 'in-use', 'reserved']);
    expect(cinderVolumeStatuses('no-such-state')).toEqual([]);
  });

  it('reads the attachment state from the volume status', () => {
    expect(attachmentState('reserved')).toBe('attaching');
    expect(attachmentState('attaching')).toBe('attaching');
    expect(attachmentState('in-use')).toBe('attached');
    expect(attachmentState('detaching')).toBe('detaching');
  });
});

describe('Cinder snapshot statuses as EC2 states', () => {
  it.each([
    ['creating', 'pending'],
    ['available', 'completed'],
    ['backing-up', 'completed'],
    ['deleting', 'completed'],
    ['error', 'error'],
    ['error_deleting', 'error'],
  ])('%s is %s', (status, state) => {
    expect(snapshotState(status)).toBe(state);
  });

  it('pushes completed down as no single status, pending as creating', () => {
    expect(cinderSnapshotStatuses('pending')).toEqual(['creating']);
    expect(cinderSnapshotStatuses('completed').length).toBeGreaterThan(1);
  });

  it("takes Cinder's progress while pending and 100% once completed", () => {
    expect(snapshotProgress('creating', '42%')).toBe('42%');
    expect(snapshotProgress('creating', null)).toBe('0%');
    expect(snapshotProgress('creating', 'garbage')).toBe('0%');
    expect(snapshotProgress('available', '0%')).toBe('100%');
    expect(snapshotProgress('error', '30%')).toBe('30%');
  });
});

describe('volume status', () => {
  it('is ok with I/O enabled for usable volumes, impaired in error, insufficient-data in between', () => {
    expect(volumeStatus('available', false)).toEqual({ status: 'ok', ioEnabled: 'passed' });
    expect(volumeStatus('in-use', true)).toEqual({ status: 'ok', ioEnabled: 'passed' });
    expect(volumeStatus('error', false)).toEqual({ status: 'impaired', ioEnabled: 'failed' });
    expect(volumeStatus('creating', false)).toEqual({ status: 'insufficient-data', ioEnabled: 'insufficient-data' });
  });
});
