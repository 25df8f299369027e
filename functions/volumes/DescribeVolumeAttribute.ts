/**
 * DescribeVolumeAttribute: autoEnableIO as last set by ModifyVolumeAttribute (false by default);
 * volumes here carry no product codes.
 */
import { action } from '../../lib/family.js';
import { autoEnableIO } from '../../lib/domain/volumes/records.js';
import { cinderVolume } from './volume-ids.js';

export default action(
  'DescribeVolumeAttribute',
  async (input, ctx) => {
    if (input.Attribute === 'productCodes') return { VolumeId: input.VolumeId, ProductCodes: [] };
    return { VolumeId: input.VolumeId, AutoEnableIO: { Value: await autoEnableIO(ctx.store, input.VolumeId) } };
  },
  {
    check: async (input, ctx) => {
      await cinderVolume(ctx, input.VolumeId);
    },
  },
);
