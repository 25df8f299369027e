/**
 * DeleteSecurityGroup: by GroupId, or GroupName in the default VPC. A VPC's default group cannot be
 * deleted (it goes with its VPC); a group is in use while ports use it (Neutron's 409) or while
 * another group's rule lets it in (Neutron would silently delete those rules: we refuse first).
 */
import type { ActionContext } from '../../lib/context.js';
import { vpcDeps } from '../../lib/domain/vpc/deps.js';
import { forgetGroup, requireGroup, requireGroupNamed } from '../../lib/domain/vpc/security-groups.js';
import { action, type Input } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { deleteSecurityGroup, rulesReferencingGroups } from '../../lib/openstack/neutron.js';
import { Ec2Error, missingParameter } from '../../lib/protocol/errors.js';
import { forgetTags } from '../../lib/store/tags.js';

const inUse = (groupId: string) => new Ec2Error('DependencyViolation', `resource ${groupId} has a dependent object`);

async function checked(input: Input<'DeleteSecurityGroup'>, ctx: ActionContext) {
  const deps = vpcDeps(ctx);
  if (!input.GroupId && !input.GroupName) throw missingParameter('GroupId');
  const group = input.GroupId ? await requireGroup(deps, input.GroupId) : await requireGroupNamed(deps, input.GroupName!);
  if (group.isDefault) {
    throw new Ec2Error('CannotDelete', `the specified group: "${group.groupId}" name: "default" cannot be deleted by a user`);
  }
  const referencing = await mapErrors(() => rulesReferencingGroups(ctx.openstack.neutron, [group.uuid]));
  if (referencing.some((r) => r.security_group_id !== group.uuid)) throw inUse(group.groupId);
  return group;
}

export default action(
  'DeleteSecurityGroup',
  async (input, ctx) => {
    const group = await checked(input, ctx);
    await mapErrors(() => deleteSecurityGroup(ctx.openstack.neutron, group.uuid), { conflict: () => inUse(group.groupId) });
    await forgetTags(ctx.store, group.groupId);
    await forgetGroup(vpcDeps(ctx), group);
    return {};
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
