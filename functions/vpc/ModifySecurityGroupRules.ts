/**
 * ModifySecurityGroupRules: each `sgr-` rule of the group takes the whole new form given (protocol,
 * ports, one source, description; an omitted description is none), keeping its id, direction and
 * tags. All rules of the request change or none (see security-group-modify.ts for how, on Neutron
 * rules that cannot change). As AWS documents, a rule keeps its type: an IPv4 range stays an IPv4
 * range, a referenced group a referenced group.
 */
import type { ActionContext } from '../../lib/context.js';
import { neutronRules, parsePermission, type ParsedPermission } from '../../lib/domain/vpc/security-groups-permissions.js';
import { action, type Input } from '../../lib/family.js';
import type { NeutronSecurityGroupRule } from '../../lib/openstack/neutron.js';
import { invalidParameterCombination, invalidParameterValue, missingParameter } from '../../lib/protocol/errors.js';
import type { IpPermission, SecurityGroupRuleRequest } from '../../schemas/types.js';
import { replaceRules, rulesById, type RuleChange } from './security-group-modify.js';
import { currentRules, resolvePeers, targetGroup } from './security-group-resources.js';

type RuleType = 'IPv4 range' | 'IPv6 range' | 'referenced group' | 'prefix list';

/** The new form as an EC2 permission with its one source. */
function permissionOf(rule: SecurityGroupRuleRequest): { type: RuleType; permission: IpPermission } {
  const sources = [rule.CidrIpv4, rule.CidrIpv6, rule.PrefixListId, rule.ReferencedGroupId].filter((s) => s !== undefined);
  if (sources.length === 0) throw missingParameter('CidrIpv4, CidrIpv6, PrefixListId or ReferencedGroupId');
  if (sources.length > 1) throw invalidParameterCombination('Specify exactly one of CidrIpv4, CidrIpv6, PrefixListId and ReferencedGroupId.');
  const base = { IpProtocol: rule.IpProtocol, FromPort: rule.FromPort, ToPort: rule.ToPort };
  const Description = rule.Description;
  if (rule.CidrIpv4 !== undefined) return { type: 'IPv4 range', permission: { ...base, IpRanges: [{ CidrIp: rule.CidrIpv4, Description }] } };
  if (rule.CidrIpv6 !== undefined) return { type: 'IPv6 range', permission: { ...base, Ipv6Ranges: [{ CidrIpv6: rule.CidrIpv6, Description }] } };
  if (rule.PrefixListId !== undefined) return { type: 'prefix list', permission: { ...base, PrefixListIds: [{ PrefixListId: rule.PrefixListId, Description }] } };
  return { type: 'referenced group', permission: { ...base, UserIdGroupPairs: [{ GroupId: rule.ReferencedGroupId, Description }] } };
}

const typeOf = (rule: NeutronSecurityGroupRule): RuleType => (rule.remote_group_id ? 'referenced group' : rule.ethertype === 'IPv6' ? 'IPv6 range' : 'IPv4 range');

/** The request's checks without I/O (what DryRun verifies besides the group and the rule ids). */
function parsed(input: Input<'ModifySecurityGroupRules'>): Array<{ ruleId: string; type: RuleType; permission: ParsedPermission }> {
  if (!input.SecurityGroupRules?.length) throw missingParameter('SecurityGroupRule');
  return input.SecurityGroupRules.map((update, i) => {
    if (!update.SecurityGroupRuleId) throw missingParameter(`SecurityGroupRule.${i + 1}.SecurityGroupRuleId`);
    if (!update.SecurityGroupRule) throw missingParameter(`SecurityGroupRule.${i + 1}.SecurityGroupRule`);
    const { type, permission } = permissionOf(update.SecurityGroupRule);
    return { ruleId: update.SecurityGroupRuleId, type, permission: parsePermission(permission) };
  });
}

async function modify(input: Input<'ModifySecurityGroupRules'>, ctx: ActionContext): Promise<{ Return: boolean }> {
  const updates = parsed(input);
  if (!input.GroupId) throw missingParameter('GroupId');
  const target = await targetGroup(ctx, input.GroupId, undefined);
  const current = await currentRules(ctx, target);
  const olds = await rulesById(ctx, target, updates.map((u) => u.ruleId), current);
  const changes: RuleChange[] = [];
  for (const update of updates) {
    const old = olds.get(update.ruleId)!;
    if (typeOf(old) !== update.type) {
      throw invalidParameterValue(`The security group rule ${update.ruleId} is a rule of type ${typeOf(old)}: it cannot become a rule of type ${update.type}.`);
    }
    const [resolved] = await resolvePeers(ctx, target, [update.permission]);
    const [next] = neutronRules(target.uuid, old.direction, [resolved!]);
    changes.push({ ruleId: update.ruleId, old, next: next! });
  }
  await replaceRules(ctx, target, changes, current);
  return { Return: true };
}

export default action('ModifySecurityGroupRules', modify, {
  check: async (input) => void parsed(input),
});
