import { describe as suite, expect, it } from 'vitest';
import type { GlanceImage, GlanceMember, ImagePatch } from '../../../lib/openstack/glance.js';
import { OpenStackError } from '../../../lib/openstack/http.js';
import { planModification } from '../../../functions/images/ModifyImageAttribute.js';
import { changeLaunchPermissions, launchPermissionsOf, resetLaunchPermissions } from '../../../functions/images/launch-permissions.js';
import { fakeContext } from '../support/context.js';
import { glanceClient } from './glance-client.js';

/** One Glance image with Glance's member rules: members only on shared images, kept across changes. */
class OneImageGlance {
  members_: string[] = [];
  constructor(public image: GlanceImage, private readonly mayPublicize = false) {}

  async update(_id: string, patch: ImagePatch[]) {
    for (const op of patch) {
      if (op.op !== 'remove' && op.path === '/visibility') {
        if (op.value === 'public' && !this.mayPublicize) throw new OpenStackError('glance', 403, 'publicize_image', undefined, 'PATCH', '');
        this.image = { ...this.image, visibility: op.value as GlanceImage['visibility'] };
      }
    }
    return this.image;
  }

  private sharedOnly() {
    if (this.image.visibility !== 'shared') throw new OpenStackError('glance', 403, 'Only shared images have members.', undefined, 'GET', '');
  }

  async members(id: string): Promise<GlanceMember[]> {
    this.sharedOnly();
    return this.members_.map((m) => ({ image_id: id, member_id: m, status: 'pending' }));
  }

  async addMember(id: string, member: string): Promise<GlanceMember> {
    this.sharedOnly();
    if (this.members_.includes(member)) throw new OpenStackError('glance', 409, 'exists', undefined, 'POST', '');
    this.members_.push(member);
    return { image_id: id, member_id: member, status: 'pending' };
  }

  async removeMember(_id: string, member: string) {
    this.sharedOnly();
    if (!this.members_.includes(member)) throw new OpenStackError('glance', 404, 'no member', undefined, 'DELETE', '');
    this.members_ = this.members_.filter((m) => m !== member);
  }
}

const image = (visibility: GlanceImage['visibility']): GlanceImage => ({
  id: 'img',
  name: 'img',
  status: 'active',
  visibility,
  owner: 'project-1',
  disk_format: 'raw',
  container_format: 'bare',
  size: 1,
  created_at: '2024-01-01T00:00:00Z',
});

const none = { addAll: false, removeAll: false, addUsers: [] as string[], removeUsers: [] as string[] };

suite('launch permissions on Glance', () => {
  it('makes an image community for a member and shared again, keeping user permissions across', async () => {
    const ctx = fakeContext();
    const fake = new OneImageGlance(image('private'));
    const glance = glanceClient(fake);
    await changeLaunchPermissions(ctx, glance, fake.image, { ...none, addUsers: ['p2'] });
    expect(fake.image.visibility).toBe('shared');
    expect(fake.members_).toEqual(['p2']);

    await changeLaunchPermissions(ctx, glance, fake.image, { ...none, addAll: true });
    expect(fake.image.visibility).toBe('community');
    await changeLaunchPermissions(ctx, glance, fake.image, { ...none, addUsers: ['p3'] });
    expect(await launchPermissionsOf(ctx, glance, fake.image)).toEqual([{ Group: 'all' }, { UserId: 'p2' }, { UserId: 'p3' }]);

    await changeLaunchPermissions(ctx, glance, fake.image, { ...none, removeAll: true, removeUsers: ['p2'] });
    expect(fake.image.visibility).toBe('shared');
    expect(fake.members_).toEqual(['p3']);
    expect(await launchPermissionsOf(ctx, glance, fake.image)).toEqual([{ UserId: 'p3' }]);
  });

  it('uses public for an admin whom Glance lets publicize, community otherwise', async () => {
    const ctx = fakeContext();
    ctx.caller.roles = ['admin'];
    const allowed = new OneImageGlance(image('shared'), true);
    await changeLaunchPermissions(ctx, glanceClient(allowed), allowed.image, { ...none, addAll: true });
    expect(allowed.image.visibility).toBe('public');
    const refused = new OneImageGlance(image('shared'), false);
    await changeLaunchPermissions(ctx, glanceClient(refused), refused.image, { ...none, addAll: true });
    expect(refused.image.visibility).toBe('community');
  });

  it('resets to private without members', async () => {
    const ctx = fakeContext();
    const fake = new OneImageGlance(image('shared'));
    fake.members_ = ['p2', 'p3'];
    await changeLaunchPermissions(ctx, glanceClient(fake), fake.image, { ...none, addAll: true });
    await resetLaunchPermissions(ctx, glanceClient(fake), fake.image);
    expect(fake.image.visibility).toBe('private');
    expect(fake.members_).toEqual([]);
    expect(await launchPermissionsOf(ctx, glanceClient(fake), fake.image)).toEqual([]);
  });
});

suite('ModifyImageAttribute requests', () => {
  const base = { ImageId: 'ami-12345678' };
  it('reads both forms of launch permission changes', () => {
    expect(planModification({ ...base, LaunchPermission: { Add: [{ Group: 'all' }, { UserId: 'p2' }] } })).toEqual({
      kind: 'launchPermission',
      change: { addAll: true, removeAll: false, addUsers: ['p2'], removeUsers: [] },
    });
    expect(planModification({ ...base, Attribute: 'launchPermission', OperationType: 'remove', UserGroups: ['all'], UserIds: ['p2'] })).toEqual({
      kind: 'launchPermission',
      change: { addAll: false, removeAll: true, addUsers: [], removeUsers: ['p2'] },
    });
    expect(planModification({ ...base, Attribute: 'description', Value: 'd' })).toEqual({ kind: 'description', value: 'd' });
    expect(planModification({ ...base, Description: { Value: 'd' } })).toEqual({ kind: 'description', value: 'd' });
  });

  it('refuses what EC2 refuses', () => {
    const code = (input: object) => {
      try {
        planModification({ ...base, ...input });
      } catch (e) {
        return (e as { code: string }).code;
      }
      return 'ok';
    };
    expect(code({})).toBe('InvalidParameterCombination');
    expect(code({ Attribute: 'kernel', Value: 'aki-12345678' })).toBe('InvalidParameterValue');
    expect(code({ Description: { Value: 'd' }, LaunchPermission: { Add: [{ Group: 'all' }] } })).toBe('InvalidParameterCombination');
    expect(code({ Attribute: 'launchPermission', UserIds: ['p2'] })).toBe('MissingParameter');
    expect(code({ Attribute: 'launchPermission', OperationType: 'add', UserGroups: ['everyone'] })).toBe('InvalidAMIAttributeItemValue');
    expect(code({ LaunchPermission: { Add: [{ Group: 'all' }], Remove: [{ Group: 'all' }] } })).toBe('InvalidParameterCombination');
    expect(code({ LaunchPermission: { Add: [{ UserId: 'not an id' }] } })).toBe('InvalidAMIAttributeItemValue');
    expect(code({ ProductCodes: ['abc'] })).toBe('UnsupportedOperation');
    expect(code({ LaunchPermission: { Add: [{ OrganizationArn: 'arn:aws:organizations::1:organization/o-1' }] } })).toBe('UnsupportedOperation');
    expect(code({ Attribute: 'launchPermission', Value: 'x', LaunchPermission: { Add: [{ Group: 'all' }] } })).toBe('InvalidParameterCombination');
  });
});
