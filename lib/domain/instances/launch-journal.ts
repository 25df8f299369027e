/**
 * The launch journal: how a RunInstances that stopped half-way (a Lambda timeout, out of memory, a
 * killed process) is finished or undone. Before its first OpenStack side effect, a launch writes one
 * item naming what it is about to make — its EC2 reservation id and server name; everything it
 * makes carries them (Nova servers: their name and `ec2:reservation-id` metadata; Neutron ports it
 * makes: a name starting with the reservation id, see `launchPortName`). In the same batch write
 * as its launch records, it marks the journal done. A launch that fails rolls back by itself and
 * removes its journal, or leaves it open when a step of the rollback failed.
 *
 * The sweeper (functions/sweeper/launches.ts) reads journals older than the function can run:
 * done ones complete the ClientToken claim if the function stopped before it could; open ones are
 * finished when every server has its record, else rolled back.
 *
 * Shared by the instances family (which writes) and the sweeper (which reads), hence in lib/.
 */
import type { ServiceClient } from '../../openstack/http.js';
import { listServers, type ServerQuery } from '../../openstack/nova.js';
import type { PutEntry, StateStore } from '../../store/project-store.js';

export const JOURNAL_PREFIX = 'launch-journal#';
export const journalKey = (reservationId: string) => `${JOURNAL_PREFIX}${reservationId}`;

export interface LaunchJournal {
  reservationId: string;
  /** The servers' name (Nova names those of a multi-create `<name>-<n>`). */
  name: string;
  /** Epoch ms, before anything was made. */
  startedAt: number;
  clientToken?: string;
  /** Set in the batch that wrote the launch records: the launch is complete. */
  done?: { serverIds: string[] };
}

/**
 * A done journal matters only while a ClientToken claim might lack its outcome (the function
 * stopped between the records and the claim); without a token it is kept just long enough for a
 * sweeper run to see it, and expires by itself.
 */
const DONE_SECONDS_WITH_TOKEN = 24 * 3600;
const DONE_SECONDS = 3600;

/** Written before the launch makes anything (one table write). */
export async function openLaunchJournal(store: StateStore, journal: Omit<LaunchJournal, 'startedAt' | 'done'>): Promise<LaunchJournal> {
  const opened: LaunchJournal = { ...journal, startedAt: Date.now() };
  await store.putJson(journalKey(journal.reservationId), opened);
  return opened;
}

/** After a complete rollback: nothing is left to settle. */
export async function closeLaunchJournal(store: StateStore, journal: LaunchJournal): Promise<void> {
  await store.delete(journalKey(journal.reservationId));
}

/**
 * After a rollback that left something: the journal as opened (a done mark written in a batch that then failed would
 * name servers the rollback deleted), for the sweeper to confirm that nothing is left.
 */
export async function reopenLaunchJournal(store: StateStore, journal: LaunchJournal): Promise<void> {
  const { done: _done, ...open } = journal;
  await store.putJson(journalKey(journal.reservationId), open);
}

/** The journal marked done, as one item of the batch that writes the launch records. */
export function doneJournalItem(journal: LaunchJournal, serverIds: string[]): PutEntry {
  const done: LaunchJournal = { ...journal, done: { serverIds } };
  return {
    key: journalKey(journal.reservationId),
    fields: { data: JSON.stringify(done) },
    ttlSeconds: journal.clientToken ? DONE_SECONDS_WITH_TOKEN : DONE_SECONDS,
  };
}

/**
 * The Neutron name of a port a launch makes for a server: it starts with the reservation id, so
 * what a stopped launch made can be told from every other port of the project (a Name tag is not
 * unique; a port's description is the client's).
 */
export function launchPortName(serverName: string, reservationId: string, deviceIndex: number): string {
  const base = serverName.startsWith(reservationId) ? serverName : `${reservationId}-${serverName}`;
  return `${base}-eth${deviceIndex}`;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The servers a launch made, found without Nova's reservation id (its create answer may never have
 * arrived): named after the launch (a multi-create's are `<name>-<n>`) and carrying its reservation
 * id in their metadata. `scope` narrows the listing (the sweeper's admin token: the project).
 */
export async function serversOfLaunch(nova: ServiceClient, name: string, reservationId: string, scope: ServerQuery = {}): Promise<string[]> {
  const named = await listServers(nova, { ...scope, name: `^${escapeRegExp(name)}(-[0-9]+)?$` });
  return named.filter((s) => s.metadata?.['ec2:reservation-id'] === reservationId).map((s) => s.id);
}

/** Whether a port is one this launch made (see `launchPortName`). */
export const isLaunchPort = (portName: string, reservationId: string) => portName.startsWith(`${reservationId}-`);

// ---- the ClientToken claim (functions/instances/launch-token.ts), which the sweeper may complete

export interface TokenClaim {
  fingerprint: string;
  startedAt: number;
  /** Set once the launch is recorded. */
  reservationId?: string;
  serverIds?: string[];
}

/** AWS keeps a client token's outcome for at least 24 hours. */
export const CLAIM_SECONDS = 24 * 3600;
export const tokenKey = (token: string) => `runtoken#${token}`;
