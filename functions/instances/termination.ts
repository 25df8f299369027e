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

export async function terminateInstance(
  deps: InstanceDeps,
  target: TerminationTarget,
  reason: { Code: string; Message: string },
): Promise<LaunchRecord> {
  await keepVolumes(deps, target).catch((error: unknown) =>
    logger.warn('could not keep volumes of a terminated instance', { server: target.server.id, error: String(error) }),
  );
  // Volumes Nova deletes with the server leave EC2 now; Nova cannot delete one that has a snapshot
  // (an image of the instance), so each is remembered and deleted after its last snapshot.
  // (Skipped when some were just switched to be kept: the server's flags read before are stale.)
  const attached = target.launch.pending?.keepVolumes?.length ? [] : (target.server['os-extended-volumes:volumes_attached'] ?? []);
  const doomed = attached.filter((v) => v.delete_on_termination);
  await Promise.all(doomed.map((v) => rememberDiscardedVolume(deps.store, v.id)));
  await deleteServer(deps.nova, target.server.id);
  await Promise.all(
    (target.launch.floatingIps ?? []).map((id) =>
      deleteFloatingIp(deps.neutron, id).catch((error: unknown) =>
        logger.warn('could not release a public address', { floatingIp: id, error: String(error) }),
      ),
    ),
  );
  const ours = (target.launch.ports ?? []).filter((p) => p.deleteOnTermination);
  await Promise.all(
    ours.map((p) =>
      deletePort(deps.neutron, p.portId)
        .then(() => forgetInterface(deps.store, p.portId))
        .catch((error: unknown) => logger.warn('could not delete a port of a terminated instance', { port: p.portId, error: String(error) })),
    ),
  );
  const record = terminatedRecord(target.launch, target.server, reason);
  await writeLaunchRecord(deps.store, record);
  return record;
}
