/**
 * EC2 behaviour Nova has no notion of, carried out when an instance is looked at (there is no
 * background worker in a function deployment):
 * - a launch that failed (ERROR before it ever ran) ends as terminated, Server.InternalError, as
 *   on AWS, so the server does not keep holding quota;
 * - InstanceInitiatedShutdownBehavior=terminate: an instance that powered itself off is terminated;
 * - work left from RunInstances until Nova has built the server: tags on the volumes and network
 *   interfaces it created, and volumes the caller wants kept on termination;
 * - a resize started by ModifyInstanceAttribute is confirmed once Nova is ready.
 * Each step is best effort: a failure is logged and tried again at the next look.
 */
import { confirmResize } from '../../lib/openstack/nova.js';
import { putTags } from '../../lib/store/tags.js';
import { REASONS, isFailedLaunch } from '../../lib/domain/instances/instance-state.js';
import type { InstanceDeps } from '../../lib/domain/instances/instance-related.js';
import type { InstanceView } from '../../lib/domain/instances/instance-model.js';
import { writeLaunchRecord } from '../../lib/domain/instances/launch-record.js';
import { keepVolumes as keepVolumesOf, terminateInstance } from './termination.js';
import { logger } from '../../lib/log.js';

const warn = (msg: string, view: InstanceView, error: unknown) =>
  logger.warn(msg, { instance: view.instance.InstanceId, error: String(error) });

function needsWork(view: InstanceView): boolean {
  const { server, launch } = view;
  if (server.status === 'DELETED') return false;
  const vm = server['OS-EXT-STS:vm_state'];
  const task = server['OS-EXT-STS:task_state'];
  if (launch.origin === 'ec2' && isFailedLaunch(server)) return true;
  if (launch.shutdownBehavior === 'terminate' && vm === 'stopped' && !task && !launch.stoppedByApiAt) return true;
  if (launch.pending && vm === 'active' && !task) return true;
  if (launch.resizePending && server.status === 'VERIFY_RESIZE') return true;
  return false;
}

/** Does what is due; answers the server ids whose state changed (to be looked at again). */
export async function settleInstances(deps: InstanceDeps, views: InstanceView[]): Promise<Set<string>> {
  const changed = new Set<string>();
  await Promise.all(
    views.filter(needsWork).map(async (view) => {
      try {
        if (await settle(deps, view)) changed.add(view.serverId);
      } catch (error) {
        warn('settling an instance failed', view, error);
      }
    }),
  );
  return changed;
}

async function settle(deps: InstanceDeps, view: InstanceView): Promise<boolean> {
  const { server, launch } = view;
  const target = { server, launch };
  if (launch.origin === 'ec2' && isFailedLaunch(server)) {
    await terminateInstance(deps, target, server.fault?.message
      ? { Code: REASONS.internalError.Code, Message: `Server.InternalError: ${server.fault.message}` }
      : REASONS.internalError);
    return true;
  }
  if (launch.shutdownBehavior === 'terminate' && server['OS-EXT-STS:vm_state'] === 'stopped' && !launch.stoppedByApiAt) {
    await terminateInstance(deps, target, REASONS.instanceShutdown);
    return true;
  }
  let record = launch;
  if (launch.resizePending && server.status === 'VERIFY_RESIZE') {
    await confirmResize(deps.nova, server.id);
    record = { ...record, resizePending: undefined };
  }
  if (launch.pending && server['OS-EXT-STS:vm_state'] === 'active') {
    const { volumeTags, interfaceTags, keepVolumes } = launch.pending;
    const volumes = (view.instance.BlockDeviceMappings ?? []).filter((m) => m.Ebs?.VolumeId);
    if (keepVolumes?.length) await keepVolumesOf(deps, target);
    if (volumeTags?.length) await putTags(deps.store, volumes.map((m) => m.Ebs!.VolumeId!), volumeTags);
    const enis = (view.instance.NetworkInterfaces ?? []).map((n) => n.NetworkInterfaceId).filter((id): id is string => Boolean(id));
    if (interfaceTags?.length) await putTags(deps.store, enis, interfaceTags);
    record = { ...record, pending: undefined };
  }
  await writeLaunchRecord(deps.store, record);
  return true;
}
