/**
 * Security groups and their rules for the describe engine, and the rule work shared by the
 * Authorize/Revoke actions: resolving peers to Neutron groups, rule ids (`sgr-` mapped to Neutron
 * rule UUIDs), and formatting.
 */
import type { ActionContext } from '../../lib/context.js';
import type { ResourceDescriptor } from '../../lib/describe/engine.js';
import type { FilterSpec } from '../../lib/describe/filters.js';
import { vpcDeps } from '../../lib/domain/vpc/deps.js';
import {
  permissionsOf,
  type Direction,
  type ParsedPermission,
  type ResolvedPeer,
} from '../../lib/domain/vpc/security-groups-permissions.js';
import { ensureDefaultGroups, requireGroup, requireGroupNamed, type SecurityGroupRecord } from '../../lib/domain/vpc/security-groups.js';
import { objectsOf } from '../../lib/domain/vpc/records.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { rulesOfSecurityGroups, securityGroupDetailsById, type NeutronSecurityGroupRule } from '../../lib/openstack/neutron.js';
import { Ec2Error, invalidParameterCombination } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ec2IdsFor } from '../../lib/store/ids.js';
import type { Tag } from '../../lib/store/tags.js';
import type { IpPermission, SecurityGroup, SecurityGroupRule } from '../../schemas/types.js';

export interface GroupRaw {
  record: SecurityGroupRecord;
  rules: NeutronSecurityGroupRule[];
  /** Every group record of the project as this request read them (to name the groups rules point at). */
  known: SecurityGroupRecord[];
}

/**
 * The rules of these Neutron groups, by group; a group absent from the answer is gone. One rule
 * listing (see rulesOfSecurityGroups); a group without rules is not in it, so only those are
 * looked up as groups (cheap: no rules to load).
 */
export async function rulesByGroup(ctx: ActionContext, uuids: string[]): Promise<Map<string, NeutronSecurityGroupRule[]>> {
  const neutron = ctx.openstack.neutron;
  const out = new Map<string, NeutronSecurityGroupRule[]>();
  for (const rule of await mapErrors(() => rulesOfSecurityGroups(neutron, uuids))) {
    const rules = out.get(rule.security_group_id);
    if (rules) rules.push(rule);
    else out.set(rule.security_group_id, [rule]);
  }
  const ruleless = uuids.filter((u) => !out.has(u));
  for (const group of await mapErrors(() => securityGroupDetailsById(neutron, ruleless))) out.set(group.id, group.security_group_rules);
  return out;
}

async function readGroups(ctx: ActionContext, uuids?: string[]): Promise<GroupRaw[]> {
  // Groups asked for by id are known by UUID already: Neutron is asked while the records are read.
  const early = uuids ? rulesByGroup(ctx, uuids) : undefined;
  early?.catch(() => undefined);
  const known = await objectsOf<SecurityGroupRecord>(ctx.store, 'sg');
  const wanted = uuids ? new Set(uuids) : undefined;
  const records = wanted ? known.filter((r) => wanted.has(r.uuid)) : known;
  const rules = await (early ?? rulesByGroup(ctx, records.map((r) => r.uuid)));
  return records.flatMap((record) => {
    const of = rules.get(record.uuid);
    return of ? [{ record, rules: of, known }] : [];
  });
}

/**
 * The project's groups, each with its Neutron rules. The VPCs' default groups exist on every call
 * but a project's first, so the records and Neutron are read while that is checked, and read again
 * only when a default group had to be made. Groups asked for by id exist or not whatever the
 * default groups do (an id is only ever given to a group that was made).
 */
export async function listGroups(ctx: ActionContext, uuids?: string[]): Promise<GroupRaw[]> {
  if (uuids) return readGroups(ctx, uuids);
  const read = readGroups(ctx);
  read.catch(() => undefined);
  if (await ensureDefaultGroups(vpcDeps(ctx))) return readGroups(ctx);
  return read;
}

export type GroupRefs = Map<string, { GroupId: string; GroupName?: string }>;

/** EC2 ids (and names, for our groups) of the groups rules point at; one made outside EC2 gets an id on first sight. */
export async function remoteGroups(ctx: ActionContext, rules: NeutronSecurityGroupRule[], known?: SecurityGroupRecord[]): Promise<GroupRefs> {
  known ??= await objectsOf<SecurityGroupRecord>(ctx.store, 'sg');
  const out: GroupRefs = new Map(known.map((r) => [r.uuid, { GroupId: r.groupId, GroupName: r.groupName }]));
  const missing = [...new Set(rules.flatMap((r) => (r.remote_group_id && !out.has(r.remote_group_id) ? [r.remote_group_id] : [])))];
  for (const [uuid, GroupId] of await ec2IdsFor(ctx.store, 'security-group', missing)) out.set(uuid, { GroupId });
  return out;
}

export function formatGroup(ctx: ActionContext, raw: GroupRaw, groups: GroupRefs, tags: Tag[]): SecurityGroup {
  const owner = ctx.caller.projectId;
  const rules = raw.rules;
  const idOf = (uuid: string) => groups.get(uuid);
  return {
    GroupId: raw.record.groupId,
    GroupName: raw.record.groupName,
    Description: raw.record.description,
    VpcId: raw.record.vpcId,
    OwnerId: owner,
    IpPermissions: permissionsOf(rules.filter((r) => r.direction === 'ingress'), idOf, owner),
    IpPermissionsEgress: permissionsOf(rules.filter((r) => r.direction === 'egress'), idOf, owner),
    Tags: tags,
  };
}

/** Filter values of `ip-permission.*` / `egress.ip-permission.*`: one per permission source. */
function permissionFilters(prefix: string, of: (g: SecurityGroup) => IpPermission[] | undefined): FilterSpec<SecurityGroup> {
  return {
    [`${prefix}.cidr`]: (g) => (of(g) ?? []).flatMap((p) => (p.IpRanges ?? []).map((r) => r.CidrIp)),
    [`${prefix}.ipv6-cidr`]: (g) => (of(g) ?? []).flatMap((p) => (p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)),
    [`${prefix}.from-port`]: (g) => (of(g) ?? []).map((p) => p.FromPort),
    [`${prefix}.to-port`]: (g) => (of(g) ?? []).map((p) => p.ToPort),
    [`${prefix}.protocol`]: (g) => (of(g) ?? []).map((p) => p.IpProtocol),
    [`${prefix}.group-id`]: (g) => (of(g) ?? []).flatMap((p) => (p.UserIdGroupPairs ?? []).map((u) => u.GroupId)),
    [`${prefix}.group-name`]: (g) => (of(g) ?? []).flatMap((p) => (p.UserIdGroupPairs ?? []).map((u) => u.GroupName)),
    [`${prefix}.user-id`]: (g) => (of(g) ?? []).flatMap((p) => (p.UserIdGroupPairs ?? []).map((u) => u.UserId)),
    [`${prefix}.prefix-list-id`]: () => [],
  };
}

export const securityGroupDescriptor: ResourceDescriptor<GroupRaw, SecurityGroup> = {
  type: 'security-group',
  idErrors: ID_ERRORS['security-group'],
  async list(ctx, query) {
    return { items: await listGroups(ctx, query.uuids), complete: false };
  },
  uuidOf: (r) => r.record.uuid,
  async format(ctx, entries) {
    const ids = await remoteGroups(ctx, entries.flatMap((e) => e.raw.rules), entries[0]?.raw.known ?? []);
    return entries.map((e) => formatGroup(ctx, e.raw, ids, e.tags));
  },
  idOf: (g) => g.GroupId!,
  filters: {
    description: (g) => g.Description,
    'group-id': (g) => g.GroupId,
    'group-name': (g) => g.GroupName,
    'owner-id': (g) => g.OwnerId,
    'vpc-id': (g) => g.VpcId,
    ...permissionFilters('ip-permission', (g) => g.IpPermissions),
    ...permissionFilters('egress.ip-permission', (g) => g.IpPermissionsEgress),
  },
};

// ---- rules

export interface RuleRaw {
  rule: NeutronSecurityGroupRule;
  group: SecurityGroupRecord;
  known?: SecurityGroupRecord[];
}

export function formatRule(ctx: ActionContext, raw: RuleRaw, ruleId: string, groups: GroupRefs, tags: Tag[]): SecurityGroupRule {
  const [permission] = permissionsOf([raw.rule], (uuid) => groups.get(uuid) ?? { GroupId: uuid }, ctx.caller.projectId);
  const pair = permission?.UserIdGroupPairs?.[0];
  return {
    SecurityGroupRuleId: ruleId,
    GroupId: raw.group.groupId,
    GroupOwnerId: ctx.caller.projectId,
    IsEgress: raw.rule.direction === 'egress',
    IpProtocol: permission?.IpProtocol,
    FromPort: permission?.FromPort ?? -1,
    ToPort: permission?.ToPort ?? -1,
    CidrIpv4: permission?.IpRanges?.[0]?.CidrIp,
    CidrIpv6: permission?.Ipv6Ranges?.[0]?.CidrIpv6,
    ReferencedGroupInfo: pair ? { GroupId: pair.GroupId, UserId: pair.UserId } : undefined,
    Description: raw.rule.description || undefined,
    Tags: tags,
  };
}

export const ruleDescriptor: ResourceDescriptor<RuleRaw, SecurityGroupRule> = {
  type: 'security-group-rule',
  idErrors: ID_ERRORS['security-group-rule'],
  async list(ctx, query) {
    const groups = await listGroups(ctx);
    const rules = groups.flatMap((g) => g.rules.map((rule) => ({ rule, group: g.record, known: g.known })));
    if (!query.uuids) return { items: rules, complete: true };
    const wanted = new Set(query.uuids);
    return { items: rules.filter((r) => wanted.has(r.rule.id)), complete: false };
  },
  uuidOf: (r) => r.rule.id,
  async format(ctx, entries) {
    const ids = await remoteGroups(ctx, entries.map((e) => e.raw.rule), entries[0]?.raw.known);
    return entries.map((e) => formatRule(ctx, e.raw, e.ec2Id, ids, e.tags));
  },
  idOf: (r) => r.SecurityGroupRuleId!,
  filters: {
    'group-id': (r) => r.GroupId,
    'security-group-rule-id': (r) => r.SecurityGroupRuleId,
  },
};

/** The rules' `sgr-` ids (made on first sight, like every mapped id). */
export const ruleIdsOf = (ctx: ActionContext, rules: NeutronSecurityGroupRule[]) => ec2IdsFor(ctx.store, 'security-group-rule', rules.map((r) => r.id));

// ---- Authorize / Revoke

/** The target group of an Authorize/Revoke: GroupId, or GroupName in the default VPC (ingress only). */
export async function targetGroup(ctx: ActionContext, groupId: string | undefined, groupName: string | undefined): Promise<SecurityGroupRecord> {
  if (groupId) return requireGroup(vpcDeps(ctx), groupId);
  if (groupName) return requireGroupNamed(vpcDeps(ctx), groupName);
  throw new Ec2Error('MissingParameter', 'The request must contain the parameter groupId or groupName');
}

/** Group peers as Neutron groups: ids of the project's groups, names within the target's VPC. */
export async function resolvePeers(ctx: ActionContext, target: SecurityGroupRecord, permissions: ParsedPermission[]): Promise<Array<ParsedPermission & { resolved: ResolvedPeer[] }>> {
  const deps = vpcDeps(ctx);
  return Promise.all(
    permissions.map(async (p) => ({
      ...p,
      resolved: await Promise.all(
        p.peers.map(async (peer): Promise<ResolvedPeer> => {
          if (peer.kind === 'cidr') return peer;
          // Another account's groups are not visible here: the same answer as an unknown group.
          if (peer.userId && peer.userId !== ctx.caller.projectId) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${peer.groupId ?? peer.groupName}' does not exist`);
          const group = peer.groupId ? await requireGroup(deps, peer.groupId) : await requireGroupNamed(deps, peer.groupName!, target.vpcId);
          if (group.vpcId !== target.vpcId) throw invalidParameterCombination('You have specified two resources that belong to different networks.');
          return { kind: 'group', groupUuid: group.uuid, description: peer.description };
        }),
      ),
    })),
  );
}

/** The target group's current rules, in one direction or both. */
export async function currentRules(ctx: ActionContext, target: SecurityGroupRecord, direction?: Direction): Promise<NeutronSecurityGroupRule[]> {
  const rules = (await rulesByGroup(ctx, [target.uuid])).get(target.uuid);
  if (!rules) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${target.groupId}' does not exist`);
  return direction ? rules.filter((r) => r.direction === direction) : rules;
}
