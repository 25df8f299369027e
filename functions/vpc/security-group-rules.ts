/**
 * Authorize and Revoke, for both directions: the request's permissions become Neutron rules
 * (see lib/domain/vpc/security-groups-permissions.ts). Authorize is all or nothing: any rule that
 * exists already fails the request before Neutron is asked, and the new rules are made in one bulk
 * request. Revoke deletes what matches; when nothing matches it answers InvalidPermission.NotFound.
 */
import type { ActionContext } from '../../lib/context.js';
import {
  describeRule,
  neutronRules,
  requestPermissions,
  ruleKey,
  type Direction,
  type FlatParameters,
} from '../../lib/domain/vpc/security-groups-permissions.js';
import type { SecurityGroupRecord } from '../../lib/domain/vpc/security-groups.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { createSecurityGroupRules, deleteSecurityGroupRule, type NeutronSecurityGroupRule } from '../../lib/openstack/neutron.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ID_PREFIXES, requireUuids } from '../../lib/store/ids.js';
import type { IpPermission, SecurityGroupRule, TagSpecification } from '../../schemas/types.js';
import { currentRules, formatRule, remoteGroups, resolvePeers, ruleIdsOf, targetGroup } from './security-group-resources.js';
import { tagNew, tagsFromSpecs } from './tag-specs.js';

export interface RuleRequest extends FlatParameters {
  GroupId?: string;
  GroupName?: string;
  TagSpecifications?: TagSpecification[];
  SecurityGroupRuleIds?: string[];
}

const peerName = (rule: Pick<NeutronSecurityGroupRule, 'remote_group_id' | 'remote_ip_prefix' | 'ethertype'>, target: SecurityGroupRecord) =>
  rule.remote_group_id ? (rule.remote_group_id === target.uuid ? target.groupId : rule.remote_group_id) : (rule.remote_ip_prefix ?? (rule.ethertype === 'IPv6' ? '::/0' : '0.0.0.0/0'));

/** Checks the request's shape (no I/O): what DryRun verifies besides the group. */
export function checkRuleRequest(input: RuleRequest): void {
  requestPermissions(input);
  tagsFromSpecs(input.TagSpecifications, 'security-group-rule');
}

export async function authorize(ctx: ActionContext, input: RuleRequest, direction: Direction): Promise<{ Return: boolean; SecurityGroupRules: SecurityGroupRule[] }> {
  const parsed = requestPermissions(input);
  const tags = tagsFromSpecs(input.TagSpecifications, 'security-group-rule');
  const target = await targetGroup(ctx, input.GroupId, input.GroupName);
  const rules = neutronRules(target.uuid, direction, await resolvePeers(ctx, target, parsed));
  const existing = new Set((await currentRules(ctx, target, direction)).map(ruleKey));
  for (const rule of rules) {
    const key = ruleKey(rule);
    if (existing.has(key)) {
      throw new Ec2Error('InvalidPermission.Duplicate', `the specified rule "${describeRule(rule, peerName(rule, target))}" already exists`);
    }
    existing.add(key);
  }
  const created = await mapErrors(() => createSecurityGroupRules(ctx.openstack.neutron, rules), {
    quota: () => new Ec2Error('RulesPerSecurityGroupLimitExceeded', 'The maximum number of rules per security group has been reached.'),
    conflict: () => new Ec2Error('InvalidPermission.Duplicate', 'the specified rule already exists'),
  });
  const ids = await ruleIdsOf(ctx, created);
  for (const id of ids.values()) await tagNew(ctx.store, id, tags);
  const groups = await remoteGroups(ctx, created);
  return {
    Return: true,
    SecurityGroupRules: created.map((rule) => formatRule(ctx, { rule, group: target }, ids.get(rule.id)!, groups, tags)),
  };
}

export async function revoke(ctx: ActionContext, input: RuleRequest, direction: Direction): Promise<{ Return: boolean; UnknownIpPermissions?: IpPermission[] }> {
  const target = await targetGroup(ctx, input.GroupId, input.GroupName);
  const current = await currentRules(ctx, target, direction);
  let doomed: NeutronSecurityGroupRule[];
  const unknown: IpPermission[] = [];
  if (input.SecurityGroupRuleIds?.length) {
    const uuids = await requireUuids(ctx.store, input.SecurityGroupRuleIds, ID_PREFIXES['security-group-rule'], ID_ERRORS['security-group-rule']);
    const wanted = new Set(uuids.values());
    doomed = current.filter((r) => wanted.has(r.id));
    if (doomed.length !== wanted.size) {
      const missing = input.SecurityGroupRuleIds.filter((id) => !doomed.some((r) => r.id === uuids.get(id)));
      throw new Ec2Error('InvalidSecurityGroupRuleId.NotFound', `The security group rule IDs '${missing.join(', ')}' do not exist in security group '${target.groupId}'`);
    }
  } else {
    const parsed = requestPermissions(input);
    const resolved = await resolvePeers(ctx, target, parsed);
    doomed = [];
    for (const permission of resolved) {
      const keys = new Set(neutronRules(target.uuid, direction, [permission]).map(ruleKey));
      const matching = current.filter((r) => keys.has(ruleKey(r)));
      // Every source of the permission must exist for it to count as known.
      const found = new Set(matching.map(ruleKey));
      if (found.size === keys.size) doomed.push(...matching);
      else unknown.push(input.IpPermissions?.[resolved.indexOf(permission)] ?? { IpProtocol: input.IpProtocol, FromPort: input.FromPort, ToPort: input.ToPort });
    }
    if (!doomed.length) {
      throw new Ec2Error('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.');
    }
  }
  for (const rule of doomed) await mapErrors(() => deleteSecurityGroupRule(ctx.openstack.neutron, rule.id));
  return unknown.length ? { Return: true, UnknownIpPermissions: unknown } : { Return: true };
}
