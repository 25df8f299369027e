/**
 * ModifyImageAttribute: the description, or launch permissions (group `all`, account ids), of an
 * image the caller owns; in either of EC2's forms (`LaunchPermission.Add/Remove` or the older
 * `Attribute` + `OperationType` + `UserId.N`/`UserGroup.N`). Product codes and organizations do
 * not exist in this cloud.
 */
import type { ActionContext } from '../../lib/context.js';
import { action, type Input } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { type GlanceImage, patchPath, updateImage } from '../../lib/openstack/glance.js';
import { Ec2Error, invalidParameterCombination, missingParameter } from '../../lib/protocol/errors.js';
import type { LaunchPermission } from '../../schemas/types.js';
import { findOwnImage } from './image-lookup.js';
import { glanceOf } from './image-resource.js';
import { changeLaunchPermissions, checkAccountId, type PermissionChange } from './launch-permissions.js';

export type ModifyPlan = { kind: 'description'; value: string } | { kind: 'launchPermission'; change: PermissionChange };

const unsupported = (what: string) => new Ec2Error('UnsupportedOperation', `${what} are not supported by this cloud.`);

function groupItem(group: string): void {
  if (group !== 'all') throw new Ec2Error('InvalidAMIAttributeItemValue', `Invalid attribute item value "${group}" for group item type.`);
}

function collect(items: LaunchPermission[], into: { all: boolean; users: string[] }): void {
  for (const item of items) {
    if (item.OrganizationArn || item.OrganizationalUnitArn) throw unsupported('Organizations and organizational units');
    if (!item.Group && !item.UserId) throw new Ec2Error('InvalidParameterValue', 'A launch permission needs a Group or a UserId.');
    if (item.Group) {
      groupItem(item.Group);
      into.all = true;
    }
    if (item.UserId) {
      checkAccountId(item.UserId);
      into.users.push(item.UserId);
    }
  }
}

/** What the request asks for, with EC2's errors for what it cannot mean. */
export function planModification(input: Input<'ModifyImageAttribute'>): ModifyPlan {
  const attribute = input.Attribute;
  if (input.ProductCodes?.length || attribute === 'productCodes') throw unsupported('Product codes');
  if (input.OrganizationArns?.length || input.OrganizationalUnitArns?.length) throw unsupported('Organizations and organizational units');
  if (attribute !== undefined && attribute !== 'description' && attribute !== 'launchPermission') {
    throw new Ec2Error('InvalidParameterValue', `Value (${attribute}) for parameter attribute is invalid. Valid values: description, launchPermission.`);
  }

  const lp = input.LaunchPermission;
  const listForm = Boolean(input.UserIds?.length || input.UserGroups?.length || input.OperationType);
  const structForm = Boolean(lp?.Add?.length || lp?.Remove?.length);
  const wantsPermissions = listForm || structForm || attribute === 'launchPermission';
  const description = input.Description?.Value ?? (attribute === 'description' ? input.Value : undefined);
  const wantsDescription = input.Description !== undefined || attribute === 'description';

  if (wantsDescription && wantsPermissions) {
    throw invalidParameterCombination('The description and launch permissions of an image are modified in separate requests.');
  }
  if (wantsDescription) {
    if (description === undefined) throw missingParameter('Description');
    if (input.Value !== undefined && input.Description?.Value !== undefined) {
      throw invalidParameterCombination('Give the description either as Description or as Value, not both.');
    }
    return { kind: 'description', value: description };
  }
  // AWS answers a request naming no attribute at all as a combination error.
  if (!wantsPermissions) throw invalidParameterCombination('No attributes specified.');
  if (input.Value !== undefined) throw invalidParameterCombination('Value is not used with launchPermission.');
  if (listForm && structForm) {
    throw invalidParameterCombination('Give launch permissions either as LaunchPermission or as OperationType with UserId/UserGroup, not both.');
  }

  const add = { all: false, users: [] as string[] };
  const remove = { all: false, users: [] as string[] };
  if (listForm) {
    if (!input.OperationType) throw missingParameter('OperationType');
    if (!input.UserIds?.length && !input.UserGroups?.length) throw missingParameter('UserId');
    const target = input.OperationType === 'add' ? add : remove;
    collect([...(input.UserGroups ?? []).map((Group) => ({ Group: Group as 'all' })), ...(input.UserIds ?? []).map((UserId) => ({ UserId }))], target);
  } else {
    if (!structForm) throw missingParameter('LaunchPermission');
    collect(lp?.Add ?? [], add);
    collect(lp?.Remove ?? [], remove);
  }
  if ((add.all && remove.all) || add.users.some((u) => remove.users.includes(u))) {
    throw invalidParameterCombination('A launch permission cannot be added and removed in the same request.');
  }
  return {
    kind: 'launchPermission',
    change: { addAll: add.all, removeAll: remove.all, addUsers: [...new Set(add.users)], removeUsers: [...new Set(remove.users)] },
  };
}

async function setDescription(ctx: ActionContext, image: GlanceImage, value: string): Promise<void> {
  const glance = glanceOf(ctx);
  const op = image['description'] === undefined ? 'add' : 'replace';
  await mapErrors(() => updateImage(glance, image.id, [{ op, path: patchPath('description'), value }]));
}

export default action(
  'ModifyImageAttribute',
  async (input, ctx) => {
    const plan = planModification(input);
    const glance = glanceOf(ctx);
    const image = await findOwnImage(ctx, glance, input.ImageId);
    if (plan.kind === 'description') await setDescription(ctx, image, plan.value);
    else await mapErrors(() => changeLaunchPermissions(ctx, glance, image, plan.change));
    return {};
  },
  {
    check: async (input, ctx) => {
      planModification(input);
      await findOwnImage(ctx, glanceOf(ctx), input.ImageId);
    },
  },
);
