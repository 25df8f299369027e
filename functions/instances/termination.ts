/**
 * Ending an instance: Nova deletes the server (and the volumes and ports it made with
 * delete-on-termination), we delete the ports we made for it, and the launch record keeps the
 * server as last seen so the instance stays visible as terminated for an hour.
 */
import { deleteFloatingIp, deletePort } from '../../lib/openstack/neutron.js';
import { deleteServer, setDeleteOnTermination, supports, volumeAttachments, type NovaServer } from '../../lib/openstack/nova.js';
import type { InstanceDeps } from '../../lib/domain/instances/instance-related.js';
import { terminatedRecord, writeLaunchRecord, type LaunchRecord } from '../../lib/domain/instances/launch-record.js';
import { diskOf } from '../../lib/domain/instances/instance-model.js';
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
      deletePort(deps.neutron, p.portId).catch((error: unknown) =>
        logger.warn('could not delete a port of a terminated instance', { port: p.portId, error: String(error) }),
      ),
    ),
  );
  const record = terminatedRecord(target.launch, target.server, reason);
  await writeLaunchRecord(deps.store, record);
  return record;
}
