/**
 * delete-on-termination of volume attachments, which Nova (2.79+) knows and Cinder does not.
 * Attach and detach themselves go through Nova (lib/openstack/nova.ts) so that the hypervisor and
 * Cinder agree.
 */
import type { ServiceClient } from '../../lib/openstack/http.js';
import { listServers, volumeAttachments } from '../../lib/openstack/nova.js';

const PER_SERVER_LIMIT = 20;

/**
 * delete-on-termination of the attachments of these servers, as `<server>/<volume>` -> flag. Up to
 * a score of servers are asked in parallel (each answer is small; a full servers/detail costs
 * several times one of them); beyond that one listing of the project's servers is cheaper.
 * Servers Nova does not show the caller are left out (the caller then sees false, AWS's default).
 */
export async function deleteOnTermination(nova: ServiceClient, serverIds: string[]): Promise<Map<string, boolean>> {
  const out = new Map<string, boolean>();
  const unique = [...new Set(serverIds)];
  if (unique.length === 0) return out;
  if (unique.length <= PER_SERVER_LIMIT) {
    await Promise.all(
      unique.map(async (serverId) => {
        const attachments = await volumeAttachments(nova, serverId).catch(() => []);
        for (const a of attachments) out.set(`${serverId}/${a.volumeId}`, a.delete_on_termination ?? false);
      }),
    );
    return out;
  }
  const wanted = new Set(unique);
  for (const server of await listServers(nova)) {
    if (!wanted.has(server.id)) continue;
    for (const v of server['os-extended-volumes:volumes_attached'] ?? []) {
      out.set(`${server.id}/${v.id}`, v.delete_on_termination ?? false);
    }
  }
  return out;
}
