/**
 * Images of servers: Nova's createImage action, and EC2's reboot around it (stop, snapshot, start)
 * within the time one request may take. A restart that cannot happen in that time (Nova refuses to
 * start a server while it uploads its snapshot) is recorded and done by a later DescribeImages of
 * the project, once Nova has finished.
 */
import { LruMap } from '../../lib/bounded.js';
import type { ActionContext } from '../../lib/context.js';
import { OpenStackError, type ServiceClient } from '../../lib/openstack/http.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { createServerImage, getServer, startServer, stopServer, type NovaServer } from '../../lib/openstack/nova.js';
import { Ec2Error, notFound } from '../../lib/protocol/errors.js';
import type { StateStore } from '../../lib/store/project-store.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { waitFor } from '../../lib/wait.js';

export type ServerInfo = Pick<NovaServer, 'id' | 'status' | 'OS-EXT-STS:task_state' | 'image'>;

const RESTART_PREFIX = 'imgrestart#';
const restartKey = (serverUuid: string) => `${RESTART_PREFIX}${serverUuid}`;
/** How long a request waits for Nova before leaving the rest to later requests. */
export const WAIT_BUDGET_MS = 20_000;

/** The server of an instance id; InvalidInstanceID.NotFound when Nova does not show it. */
export async function serverOf(nova: ServiceClient, uuid: string, ec2Id: string): Promise<ServerInfo> {
  const server = await mapErrors(() => getServer(nova, uuid));
  if (!server) throw notFound(ID_ERRORS.instance.notFound, ec2Id, ID_ERRORS.instance.noun);
  return server;
}

/** Polls the server until `done` holds or the deadline passes; the last state seen. */
async function waitForServer(nova: ServiceClient, uuid: string, done: (s: ServerInfo) => boolean, deadline: number): Promise<{ server: ServerInfo; ok: boolean }> {
  let last: ServerInfo | undefined;
  const settled = await waitFor(
    async () => {
      const server = await getServer(nova, uuid);
      if (!server) throw new OpenStackError('nova', 404, `Server ${uuid} could not be found.`, 'itemNotFound', 'GET', uuid);
      last = server;
      if (done(server)) return { server, ok: true };
      if (server.status === 'ERROR') return { server, ok: false };
      return undefined;
    },
    { deadline, intervalMs: 250, factor: 2, maxIntervalMs: 2000 },
  );
  return settled ?? { server: last!, ok: false };
}

const idle = (s: ServerInfo) => !s['OS-EXT-STS:task_state'];

const incorrectState = (ec2Id: string, why: string) =>
  new Ec2Error('IncorrectInstanceState', `The instance '${ec2Id}' is not in a state from which it can be imaged: ${why}`);

/** Nova's createImage: the new image's UUID. */
export async function snapshotServer(ctx: ActionContext, uuid: string, ec2Id: string, name: string, metadata: Record<string, string>): Promise<string> {
  return mapErrors(() => createServerImage(ctx.openstack.nova, uuid, name, metadata), {
    conflict: (message) => incorrectState(ec2Id, message),
  });
}

/**
 * CreateImage without NoReboot on a running server: stop it, image it, start it again. Returns the
 * image UUID. When the restart must wait for Nova beyond this request, it is recorded.
 */
export async function snapshotWithReboot(
  ctx: ActionContext,
  uuid: string,
  ec2Id: string,
  name: string,
  metadata: Record<string, string>,
): Promise<string> {
  const nova = ctx.openstack.nova;
  const deadline = Date.now() + WAIT_BUDGET_MS;
  await mapErrors(() => stopServer(nova, uuid), { conflict: (m) => incorrectState(ec2Id, m) });
  const stopped = await waitForServer(nova, uuid, (s) => s.status === 'SHUTOFF' && idle(s), deadline);
  if (!stopped.ok) {
    await recordRestart(ctx.store, uuid);
    throw incorrectState(ec2Id, 'it did not stop in time to be imaged; it will be started again');
  }
  let imageId: string;
  try {
    imageId = await snapshotServer(ctx, uuid, ec2Id, name, metadata);
  } catch (error) {
    await startWhenIdle(ctx, uuid, deadline);
    throw error;
  }
  await startWhenIdle(ctx, uuid, deadline);
  return imageId;
}

async function startWhenIdle(ctx: ActionContext, uuid: string, deadline: number): Promise<void> {
  const nova = ctx.openstack.nova;
  const ready = await waitForServer(nova, uuid, idle, deadline);
  if (ready.ok && ready.server.status === 'SHUTOFF') {
    try {
      await startServer(nova, uuid);
      return;
    } catch (error) {
      if (!(error instanceof OpenStackError && error.status === 409)) throw error;
    }
  }
  if (ready.server.status === 'SHUTOFF' || !ready.ok) await recordRestart(ctx.store, uuid);
}

async function recordRestart(store: StateStore, uuid: string): Promise<void> {
  await store.put(restartKey(uuid), { uuid }, { ttlSeconds: 24 * 3600 });
  lastRestartCheck.delete(store.projectId);
}

/**
 * A restart left for later waits for Nova's upload (tens of seconds), so a project's pending
 * restarts are looked for at most this often per container rather than on every DescribeImages
 * (a table query beside Glance's answer each time); a restart recorded here is looked for at once.
 */
const RESTART_CHECK_INTERVAL_MS = 10_000;
const MAX_PROJECTS_CHECKED = 10_000;
const lastRestartCheck = new LruMap<string, number>(MAX_PROJECTS_CHECKED);

function restartCheckDue(projectId: string): boolean {
  const last = lastRestartCheck.get(projectId);
  if (last !== undefined && Date.now() - last < RESTART_CHECK_INTERVAL_MS) return false;
  lastRestartCheck.set(projectId, Date.now());
  return true;
}

/**
 * Starts the servers whose restart after imaging was left for later, once Nova is done with them.
 * Cheap when there are none (one table query, at most every few seconds); failures wait for a
 * later call.
 */
export async function resumePendingRestarts(ctx: ActionContext): Promise<void> {
  if (!restartCheckDue(ctx.store.projectId)) return;
  const pending = await ctx.store.query(RESTART_PREFIX);
  // One not done yet is looked for again on the next call.
  if (pending.length) lastRestartCheck.delete(ctx.store.projectId);
  await Promise.all(
    pending.map(async (record) => {
      const uuid = record.key.slice(RESTART_PREFIX.length);
      try {
        const server = await getServer(ctx.openstack.nova, uuid);
        if (server && !idle(server)) return;
        if (server?.status === 'SHUTOFF') await startServer(ctx.openstack.nova, uuid);
        await ctx.store.delete(record.key);
      } catch (error) {
        if (error instanceof OpenStackError && error.status === 404) await ctx.store.delete(record.key);
      }
    }),
  );
}
