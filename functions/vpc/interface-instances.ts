/**
 * The instance side of attachments: the instance an interface is attached to (with AWS's codes),
 * and the launch record's list of ports (lib/domain/vpc/network-interfaces.ts says why it is there).
 */
import type { ActionContext } from '../../lib/context.js';
import { depsFor, loadInstanceViews, type InstanceView } from '../../lib/domain/instances/instance-model.js';
import { updateLaunchRecord, type LaunchPort } from '../../lib/domain/instances/launch-record.js';
import { recordedPorts } from '../../lib/domain/vpc/network-interfaces.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { getServer } from '../../lib/openstack/nova.js';
import { Ec2Error, notFound } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ID_PREFIXES, requireUuid } from '../../lib/store/ids.js';

/** An instance of the project that is running or stopped (where AWS attaches and detaches). */
export async function requireInstanceView(ctx: ActionContext, instanceId: string): Promise<InstanceView> {
  const errors = ID_ERRORS.instance;
  const serverId = await requireUuid(ctx.store, instanceId, ID_PREFIXES.instance, errors);
  const server = await mapErrors(() => getServer(ctx.openstack.nova, serverId));
  if (!server || server.status === 'DELETED' || server.status === 'SOFT_DELETED') throw notFound(errors.notFound, instanceId, errors.noun);
  const [view] = await loadInstanceViews(depsFor(ctx), [{ server, ec2Id: instanceId }]);
  const state = view!.instance.State?.Name;
  if (state !== 'running' && state !== 'stopped') {
    throw new Ec2Error('IncorrectInstanceState', `The instance '${instanceId}' is not in a state from which it can have interfaces attached or detached (${state}).`);
  }
  return view!;
}

/** The instance's ports as its view shows them (device index, DeleteOnTermination), for the record. */
export function currentPorts(view: InstanceView): Array<{ portId: string; deviceIndex: number; deleteOnTermination: boolean }> {
  const shown = view.instance.NetworkInterfaces ?? [];
  return view.ports.map((port, i) => ({
    portId: port.id,
    deviceIndex: shown[i]?.Attachment?.DeviceIndex ?? i,
    deleteOnTermination: shown[i]?.Attachment?.DeleteOnTermination ?? false,
  }));
}

/** Writes the instance's port list: every current port at its index, plus or minus one. Answers the list before. */
export async function rewritePorts(ctx: ActionContext, view: InstanceView, change: { add?: LaunchPort; remove?: string }): Promise<LaunchPort[] | undefined> {
  const before = view.launch.ports;
  await updateLaunchRecord(
    ctx.store,
    view.serverId,
    (record) => ({ ...record, ports: recordedPorts(currentPorts(view), record, change.add).filter((p) => p.portId !== change.remove) }),
    () => view.launch,
  );
  return before;
}

export async function restorePorts(ctx: ActionContext, view: InstanceView, ports: LaunchPort[] | undefined): Promise<void> {
  await updateLaunchRecord(ctx.store, view.serverId, (record) => ({ ...record, ports }), () => view.launch);
}
