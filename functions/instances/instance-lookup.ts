/**
 * The instances an action names: their servers (as the caller sees them in Nova) and launch
 * records, with AWS's Malformed / NotFound errors. An id of another project is unknown in this
 * project's table, hence NotFound, never the other project's instance.
 */
import type { ActionContext } from '../../lib/context.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { getServers, type NovaServer } from '../../lib/openstack/nova.js';
import { notFound } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ID_PREFIXES, requireUuids } from '../../lib/store/ids.js';
import { depsFor, ensureLaunchRecords, loadInstanceViews, type InstanceView } from '../../lib/domain/instances/instance-model.js';
import { readLaunchRecords, writeLaunchRecord, type LaunchRecord } from '../../lib/domain/instances/launch-record.js';
import { terminatedServer } from './instance-resource.js';

export interface InstanceTarget {
  ec2Id: string;
  serverId: string;
  /** Status DELETED for an instance terminated within the hour. */
  server: NovaServer;
  launch: LaunchRecord;
}

export const isTerminated = (t: InstanceTarget) => t.server.status === 'DELETED';

function missing(ids: string[]): never {
  const errors = ID_ERRORS.instance;
  const err = notFound(errors.notFound, ids.join(', '), errors.noun);
  if (ids.length > 1) err.message = `The instance IDs '${ids.join(', ')}' do not exist`;
  throw err;
}

/** The named instances, in the order named (duplicates dropped). */
export async function findInstances(ctx: ActionContext, ec2Ids: string[]): Promise<InstanceTarget[]> {
  const ids = [...new Set(ec2Ids)];
  const uuids = await requireUuids(ctx.store, ids, ID_PREFIXES.instance, ID_ERRORS.instance);
  const serverIds = ids.map((id) => uuids.get(id)!);
  const [servers, launches] = await Promise.all([
    mapErrors(() => getServers(ctx.openstack.nova, serverIds)),
    readLaunchRecords(ctx.store, serverIds),
  ]);
  const byId = new Map(servers.map((s) => [s.id, s]));
  const gone = ids.filter((id) => !byId.has(uuids.get(id)!) && !launches.get(uuids.get(id)!)?.terminated);
  if (gone.length) missing(gone);
  const found = ids.map((ec2Id) => {
    const serverId = uuids.get(ec2Id)!;
    return { ec2Id, serverId, server: byId.get(serverId) ?? terminatedServer(launches.get(serverId)!) };
  });
  // Servers made outside EC2 that nobody described yet are adopted as every reader would.
  const records = await ensureLaunchRecords(depsFor(ctx), found, launches);
  return found.map((t) => ({ ...t, launch: records.get(t.serverId)! }));
}

export async function findInstance(ctx: ActionContext, ec2Id: string): Promise<InstanceTarget> {
  return (await findInstances(ctx, [ec2Id]))[0]!;
}

/** The full EC2 view of one instance (ports, volumes, groups), for the attribute actions. */
export async function viewOf(ctx: ActionContext, target: InstanceTarget): Promise<InstanceView> {
  const [view] = await loadInstanceViews(depsFor(ctx), [{ server: target.server, ec2Id: target.ec2Id }], {
    launches: new Map([[target.serverId, target.launch]]),
  });
  return view!;
}

/** Saves a change to an instance's launch record. */
export async function saveLaunch(ctx: ActionContext, target: InstanceTarget, change: Partial<LaunchRecord>): Promise<LaunchRecord> {
  const record = { ...target.launch, ...change };
  await writeLaunchRecord(ctx.store, record);
  target.launch = record;
  return record;
}
