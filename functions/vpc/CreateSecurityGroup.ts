/**
 * CreateSecurityGroup: a Neutron group (named like the EC2 group, so Horizon users recognise it)
 * in a VPC (the default VPC when none is given), with AWS's one rule of a new group: all IPv4 out.
 * The name is claimed within the VPC first, so concurrent creates of one name cannot both succeed.
 */
import { randomUUID } from 'node:crypto';
import type { ActionContext } from '../../lib/context.js';
import { defaultVpc } from '../../lib/domain/vpc/default-vpc.js';
import { vpcDeps } from '../../lib/domain/vpc/deps.js';
import { writeObject } from '../../lib/domain/vpc/records.js';
import { DEFAULT_GROUP_NAME, ec2GroupName, ensureDefaultGroup, forgetGroup, groupNameKey, keepAwsEgress, type SecurityGroupRecord } from '../../lib/domain/vpc/security-groups.js';
import { action, type Input } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { createSecurityGroup, deleteSecurityGroup } from '../../lib/openstack/neutron.js';
import { Ec2Error, invalidParameterValue, missingParameter } from '../../lib/protocol/errors.js';
import { recordMappingAs, newEc2Id } from '../../lib/store/ids.js';
import { requireVpc } from './lookup.js';
import { tagNew, tagsFromSpecs } from './tag-specs.js';
import { withUndo } from './undo.js';

/** AWS's characters for VPC group names and descriptions. */
const ALLOWED = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/;

function checkText(value: string | undefined, parameter: string): string {
  if (value === undefined || value === '') throw missingParameter(parameter);
  if (value.length > 255) throw invalidParameterValue(`Value (${value}) for parameter ${parameter} is invalid. Length exceeds maximum of 255.`);
  if (!ALLOWED.test(value)) throw invalidParameterValue(`Value (${value}) for parameter ${parameter} is invalid. Character sets beyond a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$* are not allowed.`);
  return value;
}

function checked(input: Input<'CreateSecurityGroup'>) {
  const name = checkText(input.GroupName, 'GroupName');
  const description = checkText(input.Description, 'GroupDescription');
  if (name.toLowerCase().startsWith('sg-')) throw invalidParameterValue('Group names may not be in the format sg-*.');
  // `default-vpc-…` is how Neutron names VPCs' default groups (shown as `default`).
  if (name === DEFAULT_GROUP_NAME || ec2GroupName(name) === DEFAULT_GROUP_NAME) throw invalidParameterValue(`Cannot use reserved security group name: ${name}`);
  return { name, description, tags: tagsFromSpecs(input.TagSpecifications, 'security-group') };
}

async function vpcFor(ctx: ActionContext, vpcId: string | undefined) {
  if (vpcId) return requireVpc(ctx, vpcId);
  const vpc = await defaultVpc(vpcDeps(ctx));
  if (!vpc) throw new Ec2Error('VPCIdNotSpecified', 'No default VPC for this user.');
  return vpc;
}

export default action(
  'CreateSecurityGroup',
  async (input, ctx) => {
    const { name, description, tags } = checked(input);
    const vpc = await vpcFor(ctx, input.VpcId);
    const deps = vpcDeps(ctx);
    // Made first so its Neutron group exists before any other group of the VPC (AWS lists it first).
    await ensureDefaultGroup(deps, vpc);
    const groupId = await withUndo(async (undo) => {
      const groupId = newEc2Id('sg');
      const claimed = await ctx.store.putJson(groupNameKey(vpc.vpcId, name), { groupId }, { ifAbsent: true });
      if (!claimed) throw new Ec2Error('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpc.vpcId}'`);
      const record: SecurityGroupRecord = { groupId, uuid: randomUUID(), vpcId: vpc.vpcId, groupName: name, description, isDefault: false };
      undo.add('release the name', () => forgetGroup(deps, record));
      const group = await mapErrors(() => createSecurityGroup(ctx.openstack.neutron, { name, description }), {
        quota: () => new Ec2Error('SecurityGroupLimitExceeded', 'The maximum number of security groups has been reached.'),
      });
      undo.add('delete neutron group', () => deleteSecurityGroup(ctx.openstack.neutron, group.id));
      await mapErrors(() => keepAwsEgress(deps, group));
      const created = { ...record, uuid: group.id };
      await recordMappingAs(ctx.store, 'security-group', group.id, groupId);
      undo.add('forget group', () => forgetGroup(deps, created));
      await writeObject(ctx.store, groupId, created);
      await tagNew(ctx.store, groupId, tags);
      return groupId;
    });
    return { GroupId: groupId, ...(tags.length ? { Tags: tags } : {}) };
  },
  { check: async (input) => void checked(input) },
);
