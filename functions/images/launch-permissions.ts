/**
 * EC2 launch permissions on Glance.
 *
 * - Group `all` is Glance's `public` where the caller may publicize (admins, by default policy)
 *   and `community` otherwise: both are usable by every project and DescribeImages lists both as
 *   public. Removing `all` makes the image `shared`, which is exactly EC2's private: the owner plus
 *   the accounts given launch permission (an image without members is then private in effect).
 *   ResetImageAttribute goes further, to Glance's `private` with no members.
 * - An account id is a Keystone project id and a launch permission for it is a Glance image member.
 *   Glance only keeps members on `shared` images: while an image is public, the accounts given
 *   launch permission are kept in the owner's state table and become members when `all` is
 *   removed. Glance shows a shared image to a member whatever the member's own answer (pending,
 *   accepted), so an account can launch and describe the image at once, as in EC2.
 */
import type { ActionContext } from '../../lib/context.js';
import { OpenStackError } from '../../lib/openstack/http.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { addMember, listMembers, removeMember, updateImage, type GlanceImage, type GlanceVisibility } from '../../lib/openstack/glance.js';
import type { ServiceClient } from '../../lib/openstack/http.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import type { StateStore } from '../../lib/store/project-store.js';
import type { LaunchPermission } from '../../schemas/types.js';
import { isPublic } from '../../lib/domain/images/image-model.js';

const latentKey = (uuid: string) => `imgperm#${uuid}`;

/** Accounts given launch permission on the owner's public images, by image UUID. */
export async function latentLaunchPermissions(store: StateStore, uuids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (uuids.length === 0) return out;
  const records = await store.getMany(uuids.map(latentKey));
  for (const uuid of uuids) {
    const data = records.get(latentKey(uuid))?.data;
    if (data) out.set(uuid, JSON.parse(data) as string[]);
  }
  return out;
}

export interface PermissionChange {
  addAll: boolean;
  removeAll: boolean;
  addUsers: string[];
  removeUsers: string[];
}

/** Account ids are Keystone project ids: letters, digits, `-` and `_`. */
export function checkAccountId(id: string): void {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
    throw new Ec2Error('InvalidAMIAttributeItemValue', `Invalid attribute item value "${id}" for userId item type.`);
  }
}

const isConflict = (e: unknown) => e instanceof OpenStackError && e.status === 409;
const isNotFound = (e: unknown) => e instanceof OpenStackError && e.status === 404;
const isForbidden = (e: unknown) => e instanceof OpenStackError && e.status === 403;

async function setVisibility(glance: ServiceClient, image: GlanceImage, visibility: GlanceVisibility): Promise<GlanceImage> {
  if (image.visibility === visibility) return image;
  return updateImage(glance, image.id, [{ op: 'replace', path: '/visibility', value: visibility }]);
}

async function ensureMember(glance: ServiceClient, uuid: string, member: string): Promise<void> {
  try {
    await addMember(glance, uuid, member);
  } catch (error) {
    if (!isConflict(error)) throw error; // already a member
  }
}

async function dropMember(glance: ServiceClient, uuid: string, member: string): Promise<void> {
  try {
    await removeMember(glance, uuid, member);
  } catch (error) {
    if (!isNotFound(error)) throw error; // was not a member
  }
}

/** Makes the image usable by every project: `public` if Glance lets the caller, else `community`. */
async function publicize(ctx: ActionContext, glance: ServiceClient, image: GlanceImage): Promise<GlanceImage> {
  if (ctx.caller.roles?.includes('admin')) {
    try {
      return await setVisibility(glance, image, 'public');
    } catch (error) {
      if (!isForbidden(error)) throw error;
    }
  }
  return setVisibility(glance, image, 'community');
}

export async function launchPermissionsOf(ctx: ActionContext, glance: ServiceClient, image: GlanceImage): Promise<LaunchPermission[]> {
  const out: LaunchPermission[] = [];
  if (isPublic(image)) {
    out.push({ Group: 'all' });
    const latent = (await latentLaunchPermissions(ctx.store, [image.id])).get(image.id) ?? [];
    out.push(...latent.map((UserId) => ({ UserId })));
  } else if (image.visibility === 'shared') {
    const members = await mapErrors(() => listMembers(glance, image.id));
    out.push(...members.map((m) => ({ UserId: m.member_id })));
  }
  return out;
}

export async function changeLaunchPermissions(
  ctx: ActionContext,
  glance: ServiceClient,
  image: GlanceImage,
  change: PermissionChange,
): Promise<void> {
  const store = ctx.store;
  let current = image;
  const addUsers = change.addUsers.filter((u) => u !== image.owner);
  const removeUsers = change.removeUsers.filter((u) => u !== image.owner);

  if (isPublic(current) && !change.removeAll) {
    // Stays public: user permissions wait in the table.
    if (addUsers.length === 0 && removeUsers.length === 0) return;
    const latent = new Set((await latentLaunchPermissions(store, [image.id])).get(image.id) ?? []);
    addUsers.forEach((u) => latent.add(u));
    removeUsers.forEach((u) => latent.delete(u));
    await store.putJson(latentKey(image.id), [...latent]);
    return;
  }

  if (change.removeAll && isPublic(current)) {
    const latent = (await latentLaunchPermissions(store, [image.id])).get(image.id);
    current = await setVisibility(glance, current, 'shared');
    for (const u of latent ?? []) if (!removeUsers.includes(u)) await ensureMember(glance, image.id, u);
    await store.delete(latentKey(image.id));
  }

  if (addUsers.length && current.visibility === 'private') current = await setVisibility(glance, current, 'shared');
  if (current.visibility === 'shared') {
    for (const u of addUsers) await ensureMember(glance, image.id, u);
    for (const u of removeUsers) await dropMember(glance, image.id, u);
  }

  if (change.addAll) {
    if (current.visibility === 'shared') {
      // Keep the members' list in the table while Glance hides it.
      const members = (await listMembers(glance, image.id)).map((m) => m.member_id);
      if (members.length) await store.putJson(latentKey(image.id), members);
    }
    await publicize(ctx, glance, current);
  }
}

/** ResetImageAttribute launchPermission: only the owner may launch the image. */
export async function resetLaunchPermissions(ctx: ActionContext, glance: ServiceClient, image: GlanceImage): Promise<void> {
  let current = image;
  if (current.visibility !== 'private') {
    current = await setVisibility(glance, current, 'shared');
    for (const m of await listMembers(glance, image.id)) await dropMember(glance, image.id, m.member_id);
  }
  await setVisibility(glance, current, 'private');
  await ctx.store.delete(latentKey(image.id));
}

export { isForbidden };

export async function forgetLaunchPermissions(store: StateStore, uuid: string): Promise<void> {
  await store.delete(latentKey(uuid));
}
