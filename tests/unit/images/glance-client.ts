/**
 * Serves lib/openstack/glance.ts's REST calls from a small fake with Glance's own verbs (list,
 * find, members, update, addMember, removeMember), so the unit tests state behaviour, not paths.
 */
import type { GlanceImage, GlanceMember, ImagePatch, ListParams } from '../../../lib/openstack/glance.js';
import { OpenStackError, type ServiceClient } from '../../../lib/openstack/http.js';

export interface GlanceFake {
  list?(params: ListParams): Promise<GlanceImage[]>;
  find?(id: string): Promise<GlanceImage | undefined>;
  members?(id: string): Promise<GlanceMember[]>;
  update?(id: string, patch: ImagePatch[]): Promise<GlanceImage>;
  addMember?(id: string, member: string): Promise<GlanceMember>;
  removeMember?(id: string, member: string): Promise<void>;
}

const notServed = (method: string, path: string) => new Error(`fake Glance: ${method} ${path} is not served`);

/** The parts of a path: `images`, `images/<id>`, `images/<id>/members[/<member>]`. */
function route(path: string): { id?: string; members: boolean; member?: string } {
  const [, id, members, member] = path.split('/').map(decodeURIComponent);
  return { id, members: members === 'members', member };
}

export function glanceClient(fake: GlanceFake): ServiceClient {
  const client = {
    async get(path: string, params: ListParams = {}) {
      const { id, members } = route(path);
      if (!id && fake.list) {
        // listImages pages with limit/marker; the fake answers everything in one page.
        const { limit: _limit, marker: _marker, ...wanted } = params;
        return { images: await fake.list(Object.fromEntries(Object.entries(wanted).filter(([, v]) => v !== undefined))) };
      }
      if (id && members && fake.members) return { members: await fake.members(id) };
      if (id && fake.find) {
        const image = await fake.find(id);
        if (!image) throw new OpenStackError('glance', 404, `No image found with ID ${id}`, undefined, 'GET', path);
        return image;
      }
      throw notServed('GET', path);
    },
    async patch(path: string, patch: ImagePatch[]) {
      const { id } = route(path);
      if (id && fake.update) return fake.update(id, patch);
      throw notServed('PATCH', path);
    },
    async post(path: string, body: { member: string }) {
      const { id, members } = route(path);
      if (id && members && fake.addMember) return fake.addMember(id, body.member);
      throw notServed('POST', path);
    },
    async delete(path: string) {
      const { id, member } = route(path);
      if (id && member && fake.removeMember) return fake.removeMember(id, member);
      throw notServed('DELETE', path);
    },
  };
  return client as unknown as ServiceClient;
}
