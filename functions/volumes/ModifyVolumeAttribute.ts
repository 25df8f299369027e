/**
 * ModifyVolumeAttribute: autoEnableIO is kept and reported. It has no effect here: AWS suspends
 * I/O on a volume it finds inconsistent and this setting resumes it automatically, while Cinder
 * never suspends a volume's I/O.
 */
import { action } from '../../lib/family.js';
import { missingParameter } from '../../lib/protocol/errors.js';
import { setAutoEnableIO } from '../../lib/domain/volumes/records.js';
import { cinderVolume } from './volume-ids.js';

export default action(
  'ModifyVolumeAttribute',
  async (input, ctx) => {
    await setAutoEnableIO(ctx.store, input.VolumeId, input.AutoEnableIO!.Value!);
    return {};
  },
  {
    check: async (input, ctx) => {
      if (input.AutoEnableIO?.Value === undefined) throw missingParameter('AutoEnableIO.Value');
      await cinderVolume(ctx, input.VolumeId);
    },
  },
);
