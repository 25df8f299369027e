/**
 * EC2 security groups on Neutron security groups: each group belongs to one VPC (our record,
 * `obj#sg-…`), Neutron holds the rules. Every VPC has a `default` group, made the first time
 * anything needs it: the default VPC uses the project's own Neutron `default` group (Neutron
 * reserves that name per project, and Nova puts instances there when told nothing); other VPCs get
 * a Neutron group named `default-<vpc id>` that EC2 shows as `default`. Used by the vpc family and
 * by RunInstances (group names resolve within the subnet's VPC).
 */
import { LruSet } from '../../bounded.js';
import { Ec2Error, notFound } from '../../protocol/errors.js';
import { mapErrors } from '../../openstack/errors.js';
import {
  createSecurityGroup,
  createSecurityGroupRules,
  deleteSecurityGroup,
  deleteSecurityGroupRule,
  securityGroupsById,
  securityGroupsNamed,
  type NeutronSecurityGroup,
  type NeutronSecurityGroupDetail,
} from '../../openstack/neutron.js';
import type { ServiceClient } from '../../openstack/http.js';
import { ID_ERRORS } from '../../store/id-errors.js';
import { ID_PREFIXES, assertEc2Id, ec2IdFor, forgetMapping } from '../../store/ids.js';
import { KeptById } from './kept-by-id.js';
import { defaultVpc, isDefaultVpcDecided, noteDefaultVpcDecided } from './default-vpc.js';
import type { VpcDeps } from './deps.js';
import { objectKey, objectsOf, readObject, writeObject, type VpcRecord } from './records.js';

export interface SecurityGroupRecord {
  groupId: string;
  uuid: string;
  vpcId: string;
  groupName: string;
  description: string;
  /** The VPC's `default` group: it cannot be deleted, and goes with its VPC. */
  isDefault: boolean;
  /** The project's Neutron `default` group: never deleted by EC2 (Neutron would make it again anyway). */
  projectDefault?: boolean;
}

export const DEFAULT_GROUP_NAME = 'default';
const neutronDefaultName = (vpcId: string) => `default-${vpcId}`;
const NEUTRON_DEFAULT_NAME = /^default-vpc-[0-9a-f]{17}$/;
/** A Neutron group's name as EC2 shows it: a VPC's own default group is `default`. */
export const ec2GroupName = (neutronName: string) => (NEUTRON_DEFAULT_NAME.test(neutronName) ? DEFAULT_GROUP_NAME : neutronName);
const defaultGroupKey = (vpcId: string) => `sgdefault#${vpcId}`;
/** Claims a group name within a VPC, so two concurrent creates of one name cannot both succeed. */
export const groupNameKey = (vpcId: string, name: string) => `sgname#${vpcId}#${name}`;

export const groupNotFound = (id: string) => notFound(ID_ERRORS['security-group'].notFound, id, ID_ERRORS['security-group'].noun);
const nameNotFound = (name: string, vpcId: string) => new Ec2Error('InvalidGroup.NotFound', `The security group '${name}' does not exist in VPC '${vpcId}'`);

/** Removes the IPv6 allow-all egress rule Neutron gives every new group: AWS's new groups allow all IPv4 out only. */
export async function keepAwsEgress(deps: VpcDeps, group: NeutronSecurityGroupDetail): Promise<void> {
  const ipv6Egress = group.security_group_rules.filter((r) => r.direction === 'egress' && r.ethertype === 'IPv6' && !r.remote_group_id && !r.remote_ip_prefix);
  for (const rule of ipv6Egress) await deleteSecurityGroupRule(deps.neutron, rule.id);
}

async function makeDefaultGroup(deps: VpcDeps, vpc: VpcRecord): Promise<SecurityGroupRecord> {
  if (vpc.isDefault) {
    const [group] = await securityGroupsNamed(deps.neutron, deps.projectId, DEFAULT_GROUP_NAME);
    if (group) {
      const groupId = await ec2IdFor(deps.store, 'security-group', group.id);
      return { groupId, uuid: group.id, vpcId: vpc.vpcId, groupName: DEFAULT_GROUP_NAME, description: 'default VPC security group', isDefault: true, projectDefault: true };
    }
  }
  const group = await createSecurityGroup(deps.neutron, { name: neutronDefaultName(vpc.vpcId), description: 'default VPC security group' });
  try {
    await keepAwsEgress(deps, group);
    // AWS's default group: everything in from its own members, everything out.
    await createSecurityGroupRules(deps.neutron, [
      { security_group_id: group.id, direction: 'ingress', ethertype: 'IPv4', protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_group_id: group.id },
    ]);
    const groupId = await ec2IdFor(deps.store, 'security-group', group.id);
    return { groupId, uuid: group.id, vpcId: vpc.vpcId, groupName: DEFAULT_GROUP_NAME, description: 'default VPC security group', isDefault: true };
  } catch (error) {
    await deleteSecurityGroup(deps.neutron, group.id).catch(() => undefined);
    throw error;
  }
}

/**
 * The VPC's default group, made on first need. Concurrent callers agree: the first to claim the
 * VPC's default-group item wins, a loser deletes the Neutron group it made.
 */
export async function ensureDefaultGroup(deps: VpcDeps, vpc: VpcRecord): Promise<SecurityGroupRecord> {
  const existing = await deps.store.getJson<SecurityGroupRecord>(defaultGroupKey(vpc.vpcId));
  if (existing) return existing;
  const made = await mapErrors(() => makeDefaultGroup(deps, vpc), {
    quota: () => new Ec2Error('SecurityGroupLimitExceeded', "The maximum number of security groups has been reached: the VPC's default group cannot be made."),
  });
  const won = await deps.store.putJson(defaultGroupKey(vpc.vpcId), made, { ifAbsent: true });
  if (!won) {
    if (!made.projectDefault) await deleteSecurityGroup(deps.neutron, made.uuid).catch(() => undefined);
    return (await deps.store.getJson<SecurityGroupRecord>(defaultGroupKey(vpc.vpcId)))!;
  }
  await writeObject(deps.store, made.groupId, made);
  await deps.store.putJson(groupNameKey(vpc.vpcId, DEFAULT_GROUP_NAME), { groupId: made.groupId });
  return made;
}

/**
 * The default groups of every VPC of the project (the default VPC adopted first): one batch read
 * when they exist. Answers whether any group was made (its caller's reads are then out of date).
 */
export async function ensureDefaultGroups(deps: VpcDeps): Promise<boolean> {
  // The default VPC is found (or adopted) while the VPCs are read; one adopted just now is added.
  // Once this container has seen it decided, it is among the VPCs read (or deleted for good).
  const [adopted, listed] = await Promise.all([
    isDefaultVpcDecided(deps.projectId) ? undefined : defaultVpc(deps),
    objectsOf<VpcRecord>(deps.store, 'vpc'),
  ]);
  if (adopted) noteDefaultVpcDecided(deps.projectId);
  const vpcs = adopted && !listed.some((v) => v.vpcId === adopted.vpcId) ? [...listed, adopted] : listed;
  // A VPC's default group lives as long as the VPC, and VPC ids are never reused: a claim seen once
  // needs no read again in this container.
  const unseen = vpcs.filter((v) => !defaultGroupSeen.has(v.vpcId));
  const claims = unseen.length ? await deps.store.getMany(unseen.map((v) => defaultGroupKey(v.vpcId))) : new Map<string, { data?: string }>();
  const missing = unseen.filter((v) => !claims.get(defaultGroupKey(v.vpcId))?.data);
  await Promise.all(missing.map((v) => ensureDefaultGroup(deps, v)));
  for (const vpc of unseen) noteDefaultGroupSeen(vpc.vpcId);
  return missing.length > 0;
}

/** VPC ids whose default group this container has seen claimed (or made); bounded, oldest out. */
const MAX_DEFAULT_GROUPS_SEEN = 10_000;
const defaultGroupSeen = new LruSet<string>(MAX_DEFAULT_GROUPS_SEEN);
function noteDefaultGroupSeen(vpcId: string): void {
  defaultGroupSeen.add(vpcId);
}

/** Deletes a VPC's default group with the VPC (DeleteVpc): the Neutron group unless it is the project's own. */
export async function deleteDefaultGroup(deps: VpcDeps, vpcId: string): Promise<void> {
  const group = await deps.store.getJson<SecurityGroupRecord>(defaultGroupKey(vpcId));
  if (!group) return;
  if (!group.projectDefault) await deleteSecurityGroup(deps.neutron, group.uuid);
  await forgetGroup(deps, group);
  await deps.store.delete(defaultGroupKey(vpcId));
}

/** Forgets a group of ours in the table: record, name claim, id mapping (tags are the caller's). */
export async function forgetGroup(deps: VpcDeps, group: SecurityGroupRecord): Promise<void> {
  await forgetMapping(deps.store, 'security-group', group.groupId, group.uuid);
  await deps.store.deleteMany([objectKey(group.groupId), groupNameKey(group.vpcId, group.groupName)]);
}

/** The non-default groups of a VPC (DeleteVpc refuses while there are any). */
export async function groupsOfVpc(deps: VpcDeps, vpcId: string): Promise<SecurityGroupRecord[]> {
  return (await objectsOf<SecurityGroupRecord>(deps.store, 'sg')).filter((g) => g.vpcId === vpcId);
}

/** A group of the project by id (the default VPC's default group may be asked for before anything made it). */
export async function requireGroup(deps: VpcDeps, groupId: string): Promise<SecurityGroupRecord> {
  assertEc2Id(groupId, ID_PREFIXES['security-group'], ID_ERRORS['security-group']);
  const record = await readObject<SecurityGroupRecord>(deps.store, groupId);
  if (record) return record;
  const vpc = await defaultVpc(deps);
  if (vpc && (await ensureDefaultGroup(deps, vpc)).groupId === groupId) return (await readObject<SecurityGroupRecord>(deps.store, groupId))!;
  throw groupNotFound(groupId);
}

/** A group by name within a VPC (no VPC: the default VPC, as AWS resolves GroupName). */
export async function requireGroupNamed(deps: VpcDeps, name: string, vpcId?: string): Promise<SecurityGroupRecord> {
  let vpc = vpcId ? await readObject<VpcRecord>(deps.store, vpcId) : await defaultVpc(deps);
  if (!vpc && vpcId) vpc = (await defaultVpc(deps))?.vpcId === vpcId ? await defaultVpc(deps) : undefined;
  if (!vpc) {
    if (vpcId) throw nameNotFound(name, vpcId);
    throw new Ec2Error('VPCIdNotSpecified', 'No default VPC for this user. GroupName is only supported for the default VPC: use GroupId.');
  }
  if (name === DEFAULT_GROUP_NAME) return ensureDefaultGroup(deps, vpc);
  const claim = await deps.store.getJson<{ groupId: string }>(groupNameKey(vpc.vpcId, name));
  const record = claim && (await readObject<SecurityGroupRecord>(deps.store, claim.groupId));
  if (!record) throw nameNotFound(name, vpc.vpcId);
  return record;
}

/**
 * RunInstances' groups in Neutron UUIDs: ids of the project's groups, names within the VPC of the
 * subnet (the default VPC without a subnet). Neither: the VPC's default group.
 */
export async function launchGroupUuids(deps: VpcDeps, vpcId: string | undefined, ids: string[] | undefined, names: string[] | undefined): Promise<string[] | undefined> {
  const out: string[] = [];
  for (const id of ids ?? []) {
    const group = await requireGroup(deps, id);
    if (vpcId && group.vpcId !== vpcId) {
      throw new Ec2Error('InvalidParameter', `Security group ${id} and subnet belong to different networks.`);
    }
    out.push(group.uuid);
  }
  for (const name of names ?? []) out.push((await requireGroupNamed(deps, name, vpcId)).uuid);
  if (out.length) return [...new Set(out)];
  if (!vpcId) return undefined;
  const vpc = (await readObject<VpcRecord>(deps.store, vpcId)) ?? (await defaultVpc(deps));
  return vpc?.vpcId === vpcId ? [(await ensureDefaultGroup(deps, vpc)).uuid] : undefined;
}

/**
 * Security groups by Neutron id as the caller sees them, for what shows a port's groups by name
 * (network interfaces, instances: one kept set per container serves both). Neutron's
 * group listing is its slowest small call (it checks the project's default group first). A group's
 * id and project never change and EC2 cannot rename one; a group cannot be deleted while a port
 * uses it, so a port never names a group that is gone (see KeptById for how long a name is kept).
 */
const groupsKept = new KeptById<NeutronSecurityGroup>(1024);

export const securityGroupsKnown = (neutron: ServiceClient, projectId: string, uuids: string[]): Promise<NeutronSecurityGroup[]> =>
  groupsKept.get(projectId, uuids, (ids) => mapErrors(() => securityGroupsById(neutron, ids)));
