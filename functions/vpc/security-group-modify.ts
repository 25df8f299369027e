/**
 * Changing security group rules, which Neutron cannot do: its rules are immutable (and this
 * Neutron answers a PUT of a rule's description with a 500). A changed rule is a new Neutron rule
 * in place of the old one, and the rule's `sgr-` id (with its tags) is pointed at the new UUID.
 *
 * Order, so that a failure half way leaves the group as it was:
 * 1. rules whose new form differs from every current rule are created first, in one bulk request
 *    (Neutron makes all or none), and their ids re-pointed;
 * 2. the old rules are deleted;
 * 3. rules whose new form Neutron would call a duplicate of a current rule (a description-only
 *    change, or a rule taking the form another changed rule gives up) can only be created now.
 * Any failure undoes what was done: new rules are deleted, deleted old rules are made again (new
 * UUIDs, same form and description) and every `sgr-` id points at the rule that holds its form.
 */
import type { ActionContext } from '../../lib/context.js';
import { describeRule, neutronRules, requestPermissions, ruleKey, type Direction } from '../../lib/domain/vpc/security-groups-permissions.js';
import type { SecurityGroupRecord } from '../../lib/domain/vpc/security-groups.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import {
  createSecurityGroupRules,
  deleteSecurityGroupRule,
  type NeutronSecurityGroupRule,
  type NewSecurityGroupRule,
} from '../../lib/openstack/neutron.js';
import { Ec2Error, invalidParameterCombination, missingParameter } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ID_PREFIXES, forgetUuid, recordMappingAs, requireUuids, uuidOf } from '../../lib/store/ids.js';
import type { StateStore } from '../../lib/store/project-store.js';
import type { IpPermission, SecurityGroupRuleDescription } from '../../schemas/types.js';
import { currentRules, resolvePeers, ruleIdsOf, targetGroup } from './security-group-resources.js';
import { Undo } from './undo.js';

/** One rule to change: its id, the Neutron rule it is now, and what it becomes. */
export interface RuleChange {
  ruleId: string;
  old: NeutronSecurityGroupRule;
  next: NewSecurityGroupRule;
}

/** The Neutron rules behind `sgr-` ids, which must all be rules of the target group. */
export async function rulesById(ctx: ActionContext, target: SecurityGroupRecord, ruleIds: string[], current: NeutronSecurityGroupRule[]): Promise<Map<string, NeutronSecurityGroupRule>> {
  const repeated = ruleIds.find((id, i) => ruleIds.indexOf(id) !== i);
  if (repeated) throw new Ec2Error('InvalidParameterValue', `The security group rule ID '${repeated}' is given more than once.`);
  const uuids = await requireUuids(ctx.store, ruleIds, ID_PREFIXES['security-group-rule'], ID_ERRORS['security-group-rule']);
  const byUuid = new Map(current.map((r) => [r.id, r]));
  const missing = ruleIds.filter((id) => !byUuid.has(uuids.get(id)!));
  if (missing.length) {
    throw new Ec2Error('InvalidSecurityGroupRuleId.NotFound', `The security group rule IDs '${missing.join(', ')}' do not exist in security group '${target.groupId}'`);
  }
  return new Map(ruleIds.map((id) => [id, byUuid.get(uuids.get(id)!)!]));
}

/** A Neutron rule as the body that makes it again. */
export function bodyOf(rule: NeutronSecurityGroupRule): NewSecurityGroupRule {
  return {
    security_group_id: rule.security_group_id,
    direction: rule.direction,
    ethertype: rule.ethertype,
    protocol: rule.protocol,
    port_range_min: rule.port_range_min,
    port_range_max: rule.port_range_max,
    remote_ip_prefix: rule.remote_ip_prefix,
    remote_group_id: rule.remote_group_id,
    ...(rule.description ? { description: rule.description } : {}),
  };
}

const sameDescription = (a: string | undefined, b: string | undefined) => (a ?? '') === (b ?? '');
/**
 * What Neutron calls the same rule: EC2's key plus the address family (the project's Neutron
 * `default` group holds one group rule per family, which EC2 shows as one).
 */
const formKey = (rule: NewSecurityGroupRule) => `${ruleKey(rule)}|${rule.ethertype}`;

/** Points a rule id at another Neutron rule (dropping any id a concurrent describe gave that rule first). */
async function pointRuleId(store: StateStore, ruleId: string, uuid: string): Promise<void> {
  const now = await uuidOf(store, ruleId);
  if (now === uuid) return;
  if (now) await forgetUuid(store, 'security-group-rule', now);
  await forgetUuid(store, 'security-group-rule', uuid);
  await recordMappingAs(store, 'security-group-rule', uuid, ruleId);
}

const ruleErrors = {
  quota: () => new Ec2Error('RulesPerSecurityGroupLimitExceeded', 'The maximum number of rules per security group has been reached.'),
  conflict: () => new Ec2Error('InvalidPermission.Duplicate', 'the specified rule already exists'),
};

/**
 * Replaces rules of one group, all or nothing (see the file's comment). `current` is every rule of
 * the group; a change to a form another rule of the group has is InvalidPermission.Duplicate.
 */
export async function replaceRules(ctx: ActionContext, target: SecurityGroupRecord, changes: RuleChange[], current: NeutronSecurityGroupRule[]): Promise<void> {
  const real = changes.filter((c) => formKey(c.old) !== formKey(c.next) || !sameDescription(c.old.description, c.next.description));
  if (!real.length) return;
  const changed = new Set(real.map((c) => c.old.id));
  const taken = new Set(current.filter((r) => !changed.has(r.id)).map(formKey));
  for (const { next } of real) {
    const key = formKey(next);
    if (taken.has(key)) {
      const peer = next.remote_group_id ? (next.remote_group_id === target.uuid ? target.groupId : next.remote_group_id) : (next.remote_ip_prefix ?? '0.0.0.0/0');
      throw new Ec2Error('InvalidPermission.Duplicate', `the specified rule "${describeRule(next, peer)}" already exists`);
    }
    taken.add(key);
  }
  const currentKeys = new Set(current.map(formKey));
  const createFirst = real.filter((c) => !currentKeys.has(formKey(c.next)));
  const createLast = real.filter((c) => currentKeys.has(formKey(c.next)));

  const neutron = ctx.openstack.neutron;
  const deleted = new Set<string>();
  const made: NeutronSecurityGroupRule[] = [];
  const create = async (batch: RuleChange[]) => {
    const rules = await mapErrors(() => createSecurityGroupRules(neutron, batch.map((c) => c.next)), ruleErrors);
    made.push(...rules);
    const byForm = new Map(rules.map((r) => [formKey(r), r.id]));
    for (const change of batch) await pointRuleId(ctx.store, change.ruleId, byForm.get(formKey(change.next))!);
  };
  const undo = new Undo();
  undo.add('restore the rules and their ids', async () => {
    // The new rules go first: a description-only change has the old rule's form.
    for (const rule of made) await deleteSecurityGroupRule(neutron, rule.id);
    const gone = real.filter((c) => deleted.has(c.old.id));
    const remade = new Map((await createSecurityGroupRules(neutron, gone.map((c) => bodyOf(c.old)))).map((r) => [formKey(r), r.id]));
    for (const change of real) {
      await pointRuleId(ctx.store, change.ruleId, deleted.has(change.old.id) ? remade.get(formKey(change.old))! : change.old.id);
    }
  });
  try {
    await create(createFirst);
    for (const { old } of real) {
      await mapErrors(() => deleteSecurityGroupRule(neutron, old.id));
      deleted.add(old.id);
    }
    await create(createLast);
  } catch (error) {
    await undo.run();
    throw error;
  }
}

// ---- UpdateSecurityGroupRuleDescriptionsIngress / Egress

export interface DescriptionsRequest {
  GroupId?: string;
  GroupName?: string;
  IpPermissions?: IpPermission[];
  SecurityGroupRuleDescriptions?: SecurityGroupRuleDescription[];
}

const withDescription = (rule: NeutronSecurityGroupRule, description: string | undefined): NewSecurityGroupRule => {
  const { description: _old, ...body } = bodyOf(rule);
  return description ? { ...body, description } : body;
};

/**
 * New descriptions for rules of one direction, named by `sgr-` id or by permission (each range or
 * pair carries its rule's description; no description clears it), as AWS's Update…Descriptions.
 */
export async function updateDescriptions(ctx: ActionContext, input: DescriptionsRequest, direction: Direction): Promise<{ Return: boolean }> {
  const byId = input.SecurityGroupRuleDescriptions ?? [];
  if (byId.length && input.IpPermissions?.length) {
    throw invalidParameterCombination('The parameter SecurityGroupRuleDescriptions cannot be used with IpPermissions.');
  }
  const permissions = byId.length ? [] : requestPermissions({ IpPermissions: input.IpPermissions });
  for (const [i, d] of byId.entries()) if (!d.SecurityGroupRuleId) throw missingParameter(`SecurityGroupRuleDescription.${i + 1}.SecurityGroupRuleId`);
  const target = await targetGroup(ctx, input.GroupId, input.GroupName);
  const current = await currentRules(ctx, target);
  const ofDirection = current.filter((r) => r.direction === direction);
  const changes: RuleChange[] = [];
  if (byId.length) {
    const olds = await rulesById(ctx, target, byId.map((d) => d.SecurityGroupRuleId!), ofDirection);
    for (const d of byId) changes.push({ ruleId: d.SecurityGroupRuleId!, old: olds.get(d.SecurityGroupRuleId!)!, next: withDescription(olds.get(d.SecurityGroupRuleId!)!, d.Description) });
  } else {
    const wanted = neutronRules(target.uuid, direction, await resolvePeers(ctx, target, permissions));
    const matched: Array<{ old: NeutronSecurityGroupRule; description: string | undefined }> = [];
    for (const rule of wanted) {
      const matching = ofDirection.filter((r) => ruleKey(r) === ruleKey(rule));
      if (!matching.length) throw new Ec2Error('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.');
      matched.push(...matching.map((old) => ({ old, description: rule.description })));
    }
    const ids = await ruleIdsOf(ctx, matched.map((m) => m.old));
    for (const { old, description } of matched) changes.push({ ruleId: ids.get(old.id)!, old, next: withDescription(old, description) });
  }
  await replaceRules(ctx, target, changes, current);
  return { Return: true };
}
