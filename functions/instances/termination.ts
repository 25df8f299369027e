/**
 * Ending an instance: Nova deletes the server (and the volumes and ports it made with
 * delete-on-termination; a volume it cannot delete is deleted later, see lib/discards.ts), we
 * delete the ports we made for it, and the launch record keeps the server as last seen so the instance stays visible as terminated for an hour.
 */
import { deleteFloatingIp, deletePort } from '../../lib/openstack/neutron.js';
import { deleteServer, setDeleteOnTermination, supports, volumeAttachments, type NovaServer } from '../../lib/openstack/nova.js';
import { rememberDiscardedVolume } from '../../lib/discards.js';
import type { InstanceDeps } from '../../lib/domain/instances/instance-related.js';
import { terminatedRecord, writeLaunchRecord, type LaunchRecord } from '../../lib/domain/instances/launch-record.js';
import { diskOf } from '../../lib/domain/instances/instance-model.js';
import { forgetInterface } from '../../lib/domain/vpc/network-interfaces.js';
import { logger } from '../../lib/log.js';

export interface TerminationTarget {
  server: NovaServer;
  launch: LaunchRecord;
}

/** Volumes launched with delete-on-termination true only until built, that must now survive. */
export async function keepVolumes(deps: InstanceDeps, target: TerminationTarget): Promise<void> {
  const keep = target.launch.pending?.keepVolumes ?? [];
  if (keep.length === 0 || !(await supports(deps.nova, '2.85'))) return;
  const attachments = await volumeAttachments(deps.nova, target.server.id);
  await Promise.all(
    attachments.flatMap((a) =>
      a.device && keep.some((d) => diskOf(d) === diskOf(a.device!))
        ? [setDeleteOnTermination(deps.nova, target.server.id, a.volumeId, false)]
        : [],
    ),
  );
}

/**
 * Ends one instance. What Nova's delete would undo runs before it, together: the switch of volumes
 * to be kept, and the records of the volumes Nova deletes with the server. What only cleans up
 * after the server runs after it, together: public addresses, our ports, the terminated record.
 * The server and the launch record the caller read are all it needs (no other OpenStack read).
 */
export async function terminateInstance(
  deps: InstanceDeps,
  target: TerminationTarget,
  reason: { Code: string; Message: string },
): Promise<LaunchRecord> {
  const keeping = (target.launch.pending?.keepVolumes?.length ?? 0) > 0;
  // Volumes Nova deletes with the server leave EC2 now; Nova cannot delete one that has a snapshot
  // (an image of the instance), so each is remembered and deleted after its last snapshot.
  // (Skipped when some are being switched to be kept: the server's flags read before are stale.)
  const attached = keeping ? [] : (target.server['os-extended-volumes:volumes_attached'] ?? []);
  const doomed = attached.filter((v) => v.delete_on_termination);
  await Promise.all([
    keepVolumes(deps, target).catch((error: unknown) =>
      logger.warn('could not keep volumes of a terminated instance', { server: target.server.id, error: String(error) }),
    ),
    ...doomed.map((v) => rememberDiscardedVolume(deps.store, v.id)),
  ]);
  await deleteServer(deps.nova, target.server.id);
  const record = terminatedRecord(target.launch, target.server, reason);
  const ours = (target.launch.ports ?? []).filter((p) => p.deleteOnTermination);
  await Promise.all([
    ...(target.launch.floatingIps ?? []).map((id) =>
      deleteFloatingIp(deps.neutron, id).catch((error: unknown) =>
        logger.warn('could not release a public address', { floatingIp: id, error: String(error) }),
      ),
    ),
    ...ours.map((p) =>
      deletePort(deps.neutron, p.portId)
        .then(() => forgetInterface(deps.store, p.portId))
        .catch((error: unknown) => logger.warn('could not delete a port of a terminated instance', { port: p.portId, error: String(error) })),
    ),
    writeLaunchRecord(deps.store, record),
  ]);
  return record;
}
