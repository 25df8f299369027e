/**
 * The sweeper's step for launches that stopped half-way (lib/domain/instances/launch-journal.ts).
 * Only journals older than a RunInstances can run are touched, so nothing a live launch still owns
 * is; a few per project and run.
 * - done: the launch recorded its instances; if its ClientToken claim still lacks the outcome (the
 *   function stopped just before writing it), the outcome is written, so a retry with the token
 *   answers these instances instead of launching again.
 * - open, every server of the launch has its RunInstances record: finished the same way.
 * - otherwise rolled back: the servers (Nova deletes the volumes and ports it made for them), the
 *   ports the launch made and their public addresses, whatever the table holds for them (ids,
 *   tags, records — also those DescribeInstances wrote when it adopted a server it did not know),
 *   and a claim without outcome, so that a retry with the token launches afresh. The journal goes
 *   once nothing is left; else the next run tries again.
 */
import { isLaunchPort, journalKey, serversOfLaunch, tokenKey, CLAIM_SECONDS, type LaunchJournal, type TokenClaim } from '../../lib/domain/instances/launch-journal.js';
import { deleteLaunchRecords, readLaunchRecords } from '../../lib/domain/instances/launch-record.js';
import { forgetInterface } from '../../lib/domain/vpc/network-interfaces.js';
import type { OpenStack } from '../../lib/openstack/clients.js';
import { deleteFloatingIp, deletePort, floatingIpsOfPorts, portsOfDevices, unattachedPortsOfProject } from '../../lib/openstack/neutron.js';
import { deleteServerUntilGone } from '../../lib/openstack/nova.js';
import { existingEc2Id, forgetMapping } from '../../lib/store/ids.js';
import type { StateRecord } from '../../lib/store/table.js';
import type { StateStore } from '../../lib/store/project-store.js';
import { forgetTags } from '../../lib/store/tags.js';
import { logger } from '../../lib/log.js';

/** What the step needs of OpenStack for one project (a typed fake in unit tests). */
export interface LaunchCloud {
  /** The servers Nova has of this launch: its name (or `<name>-<n>`) and its reservation in their metadata. */
  serversOf(journal: LaunchJournal): Promise<string[]>;
  /** The ports the launch made (named after its reservation), attached to these servers or to nothing. */
  portsOf(journal: LaunchJournal, serverIds: string[]): Promise<string[]>;
  floatingIpsOf(portIds: string[]): Promise<string[]>;
  /** Deletes a server and answers whether it is gone. */
  deleteServer(id: string): Promise<boolean>;
  deletePort(id: string): Promise<void>;
  deleteFloatingIp(id: string): Promise<void>;
}

export interface LaunchSweepLimits {
  /**
   * Open journals settled per project and run (each asks OpenStack). Done and young ones cost a
   * table read or nothing: a page of up to twenty times as many is looked at, so a busy project's
   * journals of launches that completed do not hold back the ones to settle.
   */
  launches: number;
  /** A journal younger than this may belong to a live launch (at least the function's timeout). */
  launchAgeSeconds: number;
}

export interface LaunchSweep {
  finished: number;
  rolledBack: number;
  /** Too young to judge, or a rollback that must be tried again. */
  waiting: number;
}

/** The cloud as the sweeper's admin token sees one project. */
export function openStackLaunchCloud(openstack: OpenStack, projectId: string): LaunchCloud {
  const { nova, neutron } = openstack;
  return {
    serversOf: (journal) => serversOfLaunch(nova, journal.name, journal.reservationId, { all_tenants: 1, project_id: projectId }),
    async portsOf(journal, serverIds) {
      const [attached, loose] = await Promise.all([portsOfDevices(neutron, serverIds), unattachedPortsOfProject(neutron, projectId)]);
      return [...attached, ...loose].filter((p) => p.project_id === projectId && isLaunchPort(p.name, journal.reservationId)).map((p) => p.id);
    },
    async floatingIpsOf(portIds) {
      return (await floatingIpsOfPorts(neutron, portIds)).map((f) => f.id);
    },
    deleteServer: (id) => deleteServerUntilGone(nova, id, 30_000),
    deletePort: (id) => deletePort(neutron, id),
    deleteFloatingIp: (id) => deleteFloatingIp(neutron, id),
  };
}

const parse = (record: StateRecord): LaunchJournal | undefined => {
  try {
    return record.data ? (JSON.parse(record.data) as LaunchJournal) : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The token's claim, if it is this launch's and still waits for an outcome: written before the
 * journal, never after it (a claim started later belongs to a retry that launched afresh).
 */
async function pendingClaim(store: StateStore, journal: LaunchJournal): Promise<TokenClaim | undefined> {
  if (!journal.clientToken) return undefined;
  const claim = await store.getJson<TokenClaim>(tokenKey(journal.clientToken));
  return claim && !claim.reservationId && claim.startedAt <= journal.startedAt ? claim : undefined;
}

async function finish(store: StateStore, journal: LaunchJournal, serverIds: string[]): Promise<void> {
  const claim = await pendingClaim(store, journal);
  if (claim) {
    const outcome: TokenClaim = { ...claim, reservationId: journal.reservationId, serverIds };
    await store.putJson(tokenKey(journal.clientToken!), outcome, { ttlSeconds: CLAIM_SECONDS });
  }
  await store.delete(journalKey(journal.reservationId));
}

/** Undoes what the launch made; true when nothing is left. */
async function rollBack(store: StateStore, cloud: LaunchCloud, journal: LaunchJournal, serverIds: string[]): Promise<boolean> {
  const portIds = await cloud.portsOf(journal, serverIds);
  const floatingIps = await cloud.floatingIpsOf(portIds);
  const gone = await Promise.all(serverIds.map((id) => cloud.deleteServer(id)));
  const settled = await Promise.allSettled([...floatingIps.map((id) => cloud.deleteFloatingIp(id)), ...portIds.map((id) => cloud.deletePort(id))]);
  const records = await readLaunchRecords(store, serverIds);
  const instanceIds = await Promise.all(serverIds.map(async (id) => records.get(id)?.instanceId ?? (await existingEc2Id(store, 'instance', id))));
  await Promise.all([
    ...serverIds.map(async (serverId, i) => {
      const ec2Id = instanceIds[i];
      if (ec2Id) await Promise.all([forgetTags(store, ec2Id), forgetMapping(store, 'instance', ec2Id, serverId)]);
    }),
    deleteLaunchRecords(store, serverIds),
    ...portIds.map((id) => forgetInterface(store, id)),
  ]);
  if (await pendingClaim(store, journal)) await store.delete(tokenKey(journal.clientToken!));
  const failed = settled.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
  const left = serverIds.filter((_, i) => !gone[i]);
  if (failed.length || left.length) {
    logger.warn('rolling back a stopped launch left something; trying again next run', { reservationId: journal.reservationId, serversLeft: left, errors: failed });
    return false;
  }
  await store.delete(journalKey(journal.reservationId));
  return true;
}

/** An open journal old enough: the launch is finished if it recorded every server, else undone. */
async function settleOpen(store: StateStore, cloud: LaunchCloud, journal: LaunchJournal): Promise<keyof LaunchSweep> {
  const serverIds = await cloud.serversOf(journal);
  const records = await readLaunchRecords(store, serverIds);
  const ours = (id: string) => records.get(id)?.origin === 'ec2' && records.get(id)?.reservationId === journal.reservationId;
  if (serverIds.length > 0 && serverIds.every(ours)) {
    await finish(store, journal, [...serverIds].sort((a, b) => records.get(a)!.launchIndex - records.get(b)!.launchIndex));
    return 'finished';
  }
  return (await rollBack(store, cloud, journal, serverIds)) ? 'rolledBack' : 'waiting';
}

/** Journals read per page, for `launches` open ones settled (see LaunchSweepLimits). */
export const journalPageSize = (limits: Pick<LaunchSweepLimits, 'launches'>) => limits.launches * 20;

/** One project's journals (a page the caller read): each finished, rolled back or left waiting. */
export async function sweepLaunchJournals(
  store: StateStore,
  cloud: LaunchCloud,
  journals: StateRecord[],
  limits: LaunchSweepLimits,
  now = Date.now(),
): Promise<LaunchSweep> {
  const out: LaunchSweep = { finished: 0, rolledBack: 0, waiting: 0 };
  let settling = 0;
  for (const record of journals) {
    const journal = parse(record);
    if (!journal) {
      await store.delete(record.key);
      continue;
    }
    if (now - journal.startedAt < limits.launchAgeSeconds * 1000) {
      out.waiting += 1;
      continue;
    }
    if (journal.done) {
      await finish(store, journal, journal.done.serverIds);
      out.finished += 1;
      continue;
    }
    if (settling >= limits.launches) {
      out.waiting += 1;
      continue;
    }
    settling += 1;
    try {
      out[await settleOpen(store, cloud, journal)] += 1;
    } catch (error) {
      logger.warn('could not settle a stopped launch; trying again next run', { reservationId: journal.reservationId, error: String(error) });
      out.waiting += 1;
    }
  }
  return out;
}
