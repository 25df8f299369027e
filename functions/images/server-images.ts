/**
 * Images of servers: Nova's createImage action, and EC2's reboot around it (stop, snapshot, start)
 * within the time one request may take. A restart that cannot happen in that time (Nova refuses to
 * start a server while it uploads its snapshot) is recorded and done by a later DescribeImages of
 * the project, once Nova has finished.
 */
import type { ActionContext } from '../../lib/context.js';
import { OpenStackError, type ServiceClient } from '../../lib/openstack/http.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { Ec2Error, notFound } from '../../lib/protocol/errors.js';
import type { StateStore } from '../../lib/store/project-store.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';

export interface ServerInfo {
  id: string;
  status: string;
  'OS-EXT-STS:task_state'?: string | null;
  image?: { id: string } | '' | null;
}

const RESTART_PREFIX = 'imgrestart#';
const restartKey = (serverUuid: string) => `${RESTART_PREFIX}${serverUuid}`;
/** How long a request waits for Nova before leaving the rest to later requests. */
export const WAIT_BUDGET_MS = 20_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function getServer(nova: ServiceClient, uuid: string, ec2Id: string): Promise<ServerInfo> {
  return mapErrors(async () => (await nova.get<{ server: ServerInfo }>(`servers/${encodeURIComponent(uuid)}`)).server, {
    notFound: () => notFound(ID_ERRORS.instance.notFound, ec2Id, ID_ERRORS.instance.noun),
  });
}

async function action(nova: ServiceClient, uuid: string, body: Record<string, unknown>) {
  return (await nova.request<unknown>('POST', `servers/${encodeURIComponent(uuid)}/action`, { json: body })).body;
}

/** Polls the server until `done` holds or the deadline passes; the last state seen. */
async function waitFor(nova: ServiceClient, uuid: string, done: (s: ServerInfo) => boolean, deadline: number): Promise<{ server: ServerInfo; ok: boolean }> {
  let delay = 250;
  for (;;) {
    const server = (await nova.get<{ server: ServerInfo }>(`servers/${encodeURIComponent(uuid)}`)).server;
    if (done(server)) return { server, ok: true };
    if (server.status === 'ERROR') return { server, ok: false };
    if (Date.now() + delay > deadline) return { server, ok: false };
    await sleep(delay);
    delay = Math.min(delay * 2, 2000);
  }
}

const idle = (s: ServerInfo) => !s['OS-EXT-STS:task_state'];

const incorrectState = (ec2Id: string, why: string) =>
  new Ec2Error('IncorrectInstanceState', `The instance '${ec2Id}' is not in a state from which it can be imaged: ${why}`);

/** Nova's createImage: the new image's UUID (microversion ≥ 2.45 answers it in the body). */
export async function snapshotServer(ctx: ActionContext, uuid: string, ec2Id: string, name: string, metadata: Record<string, string>): Promise<string> {
  const nova = ctx.openstack.nova;
  return mapErrors(
    async () => {
      const response = await nova.request<{ image_id?: string }>('POST', `servers/${encodeURIComponent(uuid)}/action`, {
        json: { createImage: { name, metadata } },
      });
      const fromBody = typeof response.body === 'object' ? response.body?.image_id : undefined;
      const location = response.headers['location'];
      const fromHeader = typeof location === 'string' ? location.split('/').pop() : undefined;
      const imageId = fromBody ?? fromHeader;
      if (!imageId) throw new Error('Nova answered createImage without an image id');
      return imageId;
    },
    { conflict: (message) => incorrectState(ec2Id, message) },
  );
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
  await mapErrors(() => action(nova, uuid, { 'os-stop': null }), { conflict: (m) => incorrectState(ec2Id, m) });
  const stopped = await waitFor(nova, uuid, (s) => s.status === 'SHUTOFF' && idle(s), deadline);
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
  const ready = await waitFor(nova, uuid, idle, deadline);
  if (ready.ok && ready.server.status === 'SHUTOFF') {
    try {
      await action(nova, uuid, { 'os-start': null });
      return;
    } catch (error) {
      if (!(error instanceof OpenStackError && error.status === 409)) throw error;
    }
  }
  if (ready.server.status === 'SHUTOFF' || !ready.ok) await recordRestart(ctx.store, uuid);
}

async function recordRestart(store: StateStore, uuid: string): Promise<void> {
  await store.put(restartKey(uuid), { uuid }, { ttlSeconds: 24 * 3600 });
}

/**
 * Starts the servers whose restart after imaging was left for later, once Nova is done with them.
 * Cheap when there are none (one table query); failures wait for the next call.
 */
export async function resumePendingRestarts(ctx: ActionContext): Promise<void> {
  const pending = await ctx.store.query(RESTART_PREFIX);
  await Promise.all(
    pending.map(async (record) => {
      const uuid = record.key.slice(RESTART_PREFIX.length);
      try {
        const server = (await ctx.openstack.nova.get<{ server: ServerInfo }>(`servers/${encodeURIComponent(uuid)}`)).server;
        if (!idle(server)) return;
        if (server.status === 'SHUTOFF') await action(ctx.openstack.nova, uuid, { 'os-start': null });
        await ctx.store.delete(record.key);
      } catch (error) {
        if (error instanceof OpenStackError && error.status === 404) await ctx.store.delete(record.key);
      }
    }),
  );
}
