/** The volumes family: EBS volumes and snapshots on Cinder (attachments through Nova). */
import { familyHandler } from '../../lib/family.js';
import AttachVolume from './AttachVolume.js';
import CopySnapshot from './CopySnapshot.js';
import CreateSnapshot from './CreateSnapshot.js';
import CreateVolume from './CreateVolume.js';
import DeleteSnapshot from './DeleteSnapshot.js';
import DeleteVolume from './DeleteVolume.js';
import DescribeSnapshotAttribute from './DescribeSnapshotAttribute.js';
import DescribeSnapshots from './DescribeSnapshots.js';
import DescribeVolumeAttribute from './DescribeVolumeAttribute.js';
import DescribeVolumes from './DescribeVolumes.js';
import DescribeVolumeStatus from './DescribeVolumeStatus.js';
import DetachVolume from './DetachVolume.js';
import ModifySnapshotAttribute from './ModifySnapshotAttribute.js';
import ModifyVolumeAttribute from './ModifyVolumeAttribute.js';

export const handle = familyHandler('volumes', [
  CreateVolume,
  DeleteVolume,
  AttachVolume,
  DetachVolume,
  DescribeVolumes,
  DescribeVolumeStatus,
  DescribeVolumeAttribute,
  ModifyVolumeAttribute,
  CreateSnapshot,
  DeleteSnapshot,
  DescribeSnapshots,
  CopySnapshot,
  DescribeSnapshotAttribute,
  ModifySnapshotAttribute,
]);
