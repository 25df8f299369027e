/**
 * ModifySnapshotAttribute (createVolumePermission). Cinder has no way to let another project or
 * everyone create volumes from a snapshot, so granting is refused honestly; removing a permission
 * succeeds since none can exist; granting the owner itself changes nothing and succeeds.
 */
import { action, type Input } from '../../lib/family.js';
import { Ec2Error, invalidParameterValue, missingParameter } from '../../lib/protocol/errors.js';
import { cinderSnapshot } from './volume-ids.js';

interface Grants {
  users: string[];
  groups: string[];
}

function additions(input: Input<'ModifySnapshotAttribute'>): Grants {
  const add = input.CreateVolumePermission?.Add ?? [];
  const legacy = input.OperationType === 'add';
  return {
    users: [...add.flatMap((p) => (p.UserId ? [p.UserId] : [])), ...(legacy ? (input.UserIds ?? []) : [])],
    groups: [...add.flatMap((p) => (p.Group ? [p.Group] : [])), ...(legacy ? (input.GroupNames ?? []) : [])],
  };
}

export default action(
  'ModifySnapshotAttribute',
  async () => ({}),
  {
    check: async (input, ctx) => {
      if (input.Attribute === 'productCodes') throw invalidParameterValue('The productCodes attribute of a snapshot cannot be modified.');
      const hasNew = Boolean(input.CreateVolumePermission?.Add?.length || input.CreateVolumePermission?.Remove?.length);
      const hasLegacy = Boolean(input.OperationType || input.UserIds?.length || input.GroupNames?.length);
      if (!hasNew && !hasLegacy) throw missingParameter('CreateVolumePermission');
      if (hasLegacy && !input.OperationType) throw missingParameter('OperationType');
      await cinderSnapshot(ctx, input.SnapshotId);
      const grants = additions(input);
      const others = grants.users.filter((u) => u !== ctx.caller.projectId);
      if (grants.groups.length || others.length) {
        throw new Ec2Error(
          'UnsupportedOperation',
          'This cloud cannot share snapshots: Cinder snapshots belong to one project and cannot be made public or shared with other accounts.',
        );
      }
    },
  },
);
