/**
 * DescribeSnapshotAttribute. Cinder snapshots cannot be shared with other projects or made public,
 * so createVolumePermission is always empty: only the owner may create volumes from them.
 */
import { action } from '../../lib/family.js';
import { cinderSnapshot } from './volume-ids.js';

export default action(
  'DescribeSnapshotAttribute',
  async (input) => {
    if (input.Attribute === 'productCodes') return { SnapshotId: input.SnapshotId, ProductCodes: [] };
    return { SnapshotId: input.SnapshotId, CreateVolumePermissions: [] };
  },
  {
    check: async (input, ctx) => {
      await cinderSnapshot(ctx, input.SnapshotId);
    },
  },
);
