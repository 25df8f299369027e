/**
 * Nova's side of volume attachments (os-volume_attachments): attach and detach go through Nova so
 * the hypervisor and Cinder agree; Nova (2.79+) also knows delete-on-termination, which Cinder
 * does not.
 */
import type { ServiceClient } from '../../lib/openstack/http.js';

export interface NovaVolumeAttachment {
  id: string;
  serverId: string;
  volumeId: string;
  device: string | null;
  tag?: string | null;
  delete_on_termination?: boolean;
}

const PER_SERVER_LIMIT = 20;

const path = (serverId: string) => `servers/${encodeURIComponent(serverId)}/os-volume_attachments`;

export async function attachVolume(
  nova: ServiceClient,
  serverId: string,
  volumeId: string,
  device: string | undefined,
): Promise<NovaVolumeAttachment> {
  const body = { volumeAttachment: { volumeId, ...(device ? { device } : {}) } };
  return (await nova.post<{ volumeAttachment: NovaVolumeAttachment }>(path(serverId), body)).volumeAttachment;
}

export async function detachVolume(nova: ServiceClient, serverId: string, volumeId: string): Promise<void> {
  await nova.delete(`${path(serverId)}/${encodeURIComponent(volumeId)}`);
}

export async function serverAttachments(nova: ServiceClient, serverId: string): Promise<NovaVolumeAttachment[]> {
  return (await nova.get<{ volumeAttachments: NovaVolumeAttachment[] }>(path(serverId))).volumeAttachments;
}

interface NovaServerVolumes {
  id: string;
  'os-extended-volumes:volumes_attached'?: Array<{ id: string; delete_on_termination?: boolean }>;
}

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
        const attachments = await serverAttachments(nova, serverId).catch(() => []);
        for (const a of attachments) out.set(`${serverId}/${a.volumeId}`, a.delete_on_termination ?? false);
      }),
    );
    return out;
  }
  const wanted = new Set(unique);
  const { servers } = await nova.get<{ servers: NovaServerVolumes[] }>('servers/detail');
  for (const server of servers) {
    if (!wanted.has(server.id)) continue;
    for (const v of server['os-extended-volumes:volumes_attached'] ?? []) {
      out.set(`${server.id}/${v.id}`, v.delete_on_termination ?? false);
    }
  }
  return out;
}
