/**
 * Typed Nova calls for the instances family: servers (list, show, create, delete, actions),
 * console output, passwords, availability zones and volume attachments.
 *
 * Server reads ask for microversion 2.90 when the cloud offers it: 2.83 lets project members filter
 * by key_name / availability_zone / vm_state, 2.85 can change delete_on_termination of an
 * attachment, 2.90 shows the hostname to members. Older clouds get their own maximum, and the
 * features that need more are reported as unsupported by the callers.
 */
import { OpenStackError, type ServiceClient } from './http.js';
import { waitFor } from '../wait.js';

export interface NovaAddress {
  version: number;
  addr: string;
  'OS-EXT-IPS:type'?: 'fixed' | 'floating';
  'OS-EXT-IPS-MAC:mac_addr'?: string;
}

/** The flavor as embedded in a server since 2.47. */
export interface NovaServerFlavor {
  original_name?: string;
  /** Only before 2.47. */
  id?: string;
  vcpus?: number;
  ram?: number;
  disk?: number;
  ephemeral?: number;
  swap?: number;
  extra_specs?: Record<string, string>;
}

export interface NovaServer {
  id: string;
  name: string;
  status: string;
  tenant_id: string;
  user_id: string;
  /** '' for servers booted from a volume. */
  image: { id: string } | '' | null;
  flavor: NovaServerFlavor;
  created: string;
  updated: string;
  addresses: Record<string, NovaAddress[]>;
  key_name?: string | null;
  metadata?: Record<string, string>;
  description?: string | null;
  locked?: boolean;
  tags?: string[];
  fault?: { code: number; message: string; created?: string };
  host_status?: string | null;
  security_groups?: Array<{ name: string }>;
  'OS-EXT-AZ:availability_zone'?: string;
  'OS-SRV-USG:launched_at'?: string | null;
  'OS-SRV-USG:terminated_at'?: string | null;
  'OS-EXT-STS:task_state'?: string | null;
  'OS-EXT-STS:vm_state'?: string;
  'OS-EXT-STS:power_state'?: number;
  'os-extended-volumes:volumes_attached'?: Array<{ id: string; delete_on_termination?: boolean }>;
  // Extended server attributes: admin-only by default policy (hostname is public since 2.90).
  'OS-EXT-SRV-ATTR:reservation_id'?: string;
  'OS-EXT-SRV-ATTR:launch_index'?: number;
  'OS-EXT-SRV-ATTR:hostname'?: string;
  'OS-EXT-SRV-ATTR:kernel_id'?: string;
  'OS-EXT-SRV-ATTR:ramdisk_id'?: string;
  'OS-EXT-SRV-ATTR:root_device_name'?: string | null;
  'OS-EXT-SRV-ATTR:user_data'?: string | null;
}

/** Nova's block device mapping v2 as a create request takes it. */
export interface NovaBdmV2 {
  boot_index?: number | null;
  source_type?: 'image' | 'snapshot' | 'volume' | 'blank';
  destination_type?: 'local' | 'volume';
  uuid?: string;
  device_name?: string;
  volume_size?: number;
  volume_type?: string;
  delete_on_termination?: boolean;
  guest_format?: string;
  no_device?: boolean;
}

export type NovaNetworkRequest = { uuid: string; fixed_ip?: string } | { port: string };

export interface NovaCreateServer {
  name: string;
  imageRef?: string;
  flavorRef: string;
  key_name?: string;
  user_data?: string;
  availability_zone?: string;
  min_count?: number;
  max_count?: number;
  return_reservation_id?: boolean;
  networks: NovaNetworkRequest[] | 'auto' | 'none';
  security_groups?: Array<{ name: string }>;
  block_device_mapping_v2?: NovaBdmV2[];
  metadata?: Record<string, string>;
  description?: string;
}

// ---- microversions

const WANTED = '2.90';
const maxVersions = new Map<string, Promise<string>>();

const parse = (v: string) => v.split('.').map(Number) as [number, number];
export function compareVersions(a: string, b: string): number {
  const [a1, a2] = parse(a);
  const [b1, b2] = parse(b);
  return a1 - b1 || a2 - b2;
}

/** The highest microversion this Nova offers (asked once per endpoint). */
export function maxMicroversion(nova: ServiceClient): Promise<string> {
  const key = nova.options.baseUrl;
  let known = maxVersions.get(key);
  if (!known) {
    known = nova
      .get<{ version?: { version?: string } }>('')
      .then((body) => body.version?.version || '2.1');
    maxVersions.set(key, known);
    known.catch(() => maxVersions.delete(key));
  }
  return known;
}

/** The microversion server calls use: 2.90, or the cloud's maximum when lower. */
export async function serverMicroversion(nova: ServiceClient): Promise<string> {
  const max = await maxMicroversion(nova);
  return compareVersions(max, WANTED) < 0 ? max : WANTED;
}

export async function supports(nova: ServiceClient, version: string): Promise<boolean> {
  return compareVersions(await serverMicroversion(nova), version) >= 0;
}

const headersFor = (version: string) => ({
  'x-openstack-nova-api-version': version,
  'openstack-api-version': `compute ${version}`,
});

async function versioned(nova: ServiceClient): Promise<Record<string, string>> {
  return headersFor(await serverMicroversion(nova));
}

const serverPath = (id: string) => `servers/${encodeURIComponent(id)}`;
const isNotFound = (error: unknown) => error instanceof OpenStackError && error.status === 404;

// ---- servers

export type ServerQuery = Record<string, string | number | boolean | undefined>;

/** Nova answers at most `[api] max_limit` (1000 by default) servers per page. */
const PAGE = 1000;

/** Every server of `path` (servers or servers/detail) matching `query`, following Nova's marker paging. */
async function listPaged<T extends { id: string }>(nova: ServiceClient, path: string, query: ServerQuery): Promise<T[]> {
  const headers = await versioned(nova);
  const out: T[] = [];
  let marker: string | undefined;
  for (;;) {
    const searchParams = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...query, limit: PAGE, marker })) {
      if (v !== undefined) searchParams.append(k, String(v));
    }
    const { body } = await nova.request<{ servers: T[]; servers_links?: Array<{ rel: string }> }>('GET', path, { searchParams, headers });
    out.push(...body.servers);
    if (body.servers.length === 0 || !body.servers_links?.some((l) => l.rel === 'next')) return out;
    marker = body.servers[body.servers.length - 1]!.id;
  }
}

/** Every server of the caller's project matching `query`, in detail. */
export function listServers(nova: ServiceClient, query: ServerQuery = {}): Promise<NovaServer[]> {
  return listPaged<NovaServer>(nova, 'servers/detail', query);
}

/** Ids and names of the project's servers matching `query` (Nova's cheap, non-detailed list). */
export function listServerIds(nova: ServiceClient, query: ServerQuery = {}): Promise<Array<{ id: string; name: string }>> {
  return listPaged<{ id: string; name: string }>(nova, 'servers', query);
}

/** One server, or undefined when Nova does not show it to the caller. */
export async function getServer(nova: ServiceClient, id: string): Promise<NovaServer | undefined> {
  const headers = await versioned(nova);
  try {
    return (await nova.request<{ server: NovaServer }>('GET', serverPath(id), { headers })).body.server;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Several servers by id (those Nova does not show are left out), a few requests at a time. */
export async function getServers(nova: ServiceClient, ids: string[], concurrency = 8): Promise<NovaServer[]> {
  const out: Array<NovaServer | undefined> = new Array(ids.length);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const i = next++;
      out[i] = await getServer(nova, ids[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
  return out.filter((s): s is NovaServer => Boolean(s));
}

/**
 * Creates one server or, with min_count/max_count, several in one request. Multi-create answers
 * only Nova's reservation id (return_reservation_id); a single create answers the server id.
 */
export async function createServers(
  nova: ServiceClient,
  server: NovaCreateServer,
): Promise<{ reservationId?: string; serverId?: string }> {
  const headers = await versioned(nova);
  const { body } = await nova.request<{ reservation_id?: string; server?: { id: string } }>('POST', 'servers', {
    json: { server },
    headers,
  });
  return { reservationId: body.reservation_id, serverId: body.server?.id };
}

/** Deletes a server; one already gone counts as deleted. */
export async function deleteServer(nova: ServiceClient, id: string): Promise<void> {
  try {
    await nova.delete(serverPath(id));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/**
 * Deletes a server and waits until Nova no longer shows it. A server deleted while it is still a
 * build request can be created in its cell by a conductor that missed the deletion: it is deleted
 * again until it is gone, or the time runs out (false).
 */
export async function deleteServerUntilGone(nova: ServiceClient, id: string, timeoutMs = 60_000): Promise<boolean> {
  let lastDelete = 0;
  const gone = await waitFor(
    async () => {
      const server = await getServer(nova, id);
      if (!server || server.status === 'DELETED' || server.status === 'SOFT_DELETED') return true;
      if (Date.now() - lastDelete > 5000 && server['OS-EXT-STS:task_state'] !== 'deleting') {
        await deleteServer(nova, id);
        lastDelete = Date.now();
      }
      return undefined;
    },
    { timeoutMs, intervalMs: 1000 },
  );
  return gone ?? false;
}

export async function serverAction<T = unknown>(nova: ServiceClient, id: string, body: Record<string, unknown>): Promise<T> {
  const headers = await versioned(nova);
  return (await nova.request<T>('POST', `${serverPath(id)}/action`, { json: body, headers })).body;
}

export const stopServer = (nova: ServiceClient, id: string) => serverAction(nova, id, { 'os-stop': null });
export const startServer = (nova: ServiceClient, id: string) => serverAction(nova, id, { 'os-start': null });
export const rebootServer = (nova: ServiceClient, id: string, type: 'SOFT' | 'HARD' = 'SOFT') =>
  serverAction(nova, id, { reboot: { type } });
export const resizeServer = (nova: ServiceClient, id: string, flavorId: string) =>
  serverAction(nova, id, { resize: { flavorRef: flavorId } });
/**
 * Nova's createImage: the new image's UUID (microversion ≥ 2.45 answers it in the body, older
 * ones in the Location header).
 */
export async function createServerImage(nova: ServiceClient, id: string, name: string, metadata: Record<string, string>): Promise<string> {
  const response = await nova.request<{ image_id?: string }>('POST', `${serverPath(id)}/action`, {
    json: { createImage: { name, metadata } },
  });
  const fromBody = typeof response.body === 'object' ? response.body?.image_id : undefined;
  const location = response.headers['location'];
  const fromHeader = typeof location === 'string' ? location.split('/').pop() : undefined;
  const imageId = fromBody ?? fromHeader;
  if (!imageId) throw new Error('Nova answered createImage without an image id');
  return imageId;
}
export const confirmResize = (nova: ServiceClient, id: string) => serverAction(nova, id, { confirmResize: null });

/** The console log, or undefined when the server has none to give (not running, not supported). */
export async function consoleOutput(nova: ServiceClient, id: string): Promise<string | undefined> {
  try {
    const body = await serverAction<{ output?: string }>(nova, id, { 'os-getConsoleOutput': {} });
    return body.output ?? undefined;
  } catch (error) {
    if (error instanceof OpenStackError && (error.status === 409 || error.status === 501)) return undefined;
    throw error;
  }
}

/** The encrypted password the instance posted to Nova's metadata service ('' when none). */
export async function serverPassword(nova: ServiceClient, id: string): Promise<string> {
  return (await nova.get<{ password?: string }>(`${serverPath(id)}/os-server-password`)).password ?? '';
}

export interface NovaVolumeAttachment {
  /** The attachment's id (the volume's id in Nova's API). */
  id?: string;
  volumeId: string;
  serverId: string;
  device: string | null;
  tag?: string | null;
  delete_on_termination?: boolean;
}

/** Attaches a volume through Nova, so that the hypervisor and Cinder agree. */
export async function attachVolume(nova: ServiceClient, serverId: string, volumeId: string, device: string | undefined): Promise<NovaVolumeAttachment> {
  const body = { volumeAttachment: { volumeId, ...(device ? { device } : {}) } };
  return (await nova.post<{ volumeAttachment: NovaVolumeAttachment }>(`${serverPath(serverId)}/os-volume_attachments`, body)).volumeAttachment;
}

export async function detachVolume(nova: ServiceClient, serverId: string, volumeId: string): Promise<void> {
  await nova.delete(`${serverPath(serverId)}/os-volume_attachments/${encodeURIComponent(volumeId)}`);
}

/** A server's volume attachments; delete_on_termination needs the client's microversion ≥ 2.79. */
export async function volumeAttachments(nova: ServiceClient, serverId: string): Promise<NovaVolumeAttachment[]> {
  return (await nova.get<{ volumeAttachments: NovaVolumeAttachment[] }>(`${serverPath(serverId)}/os-volume_attachments`)).volumeAttachments;
}

/** Changes delete_on_termination of a volume attachment (microversion 2.85). */
export async function setDeleteOnTermination(
  nova: ServiceClient,
  serverId: string,
  volumeId: string,
  deleteOnTermination: boolean,
): Promise<void> {
  await nova.request('PUT', `${serverPath(serverId)}/os-volume_attachments/${encodeURIComponent(volumeId)}`, {
    json: { volumeAttachment: { volumeId, delete_on_termination: deleteOnTermination } },
    headers: headersFor('2.85'),
  });
}

// ---- other resources the instances family checks

export async function keypairExists(nova: ServiceClient, name: string): Promise<boolean> {
  try {
    await nova.get(`os-keypairs/${encodeURIComponent(name)}`);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

export interface NovaZone {
  zoneName: string;
  zoneState: { available: boolean };
}

/** The public key of another user's key pair, read as admin (microversion ≥ 2.10); undefined when gone. */
export async function userPublicKey(nova: ServiceClient, name: string, userId: string): Promise<string | undefined> {
  try {
    return (await nova.get<{ keypair: { public_key: string } }>(`os-keypairs/${encodeURIComponent(name)}`, { user_id: userId })).keypair.public_key;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Availability zones instances may be placed in (Nova's internal zone left out). */
export async function availabilityZones(nova: ServiceClient): Promise<NovaZone[]> {
  const { availabilityZoneInfo } = await nova.get<{ availabilityZoneInfo: NovaZone[] }>('os-availability-zone');
  return availabilityZoneInfo.filter((z) => z.zoneName !== 'internal');
}

/** The caller's project limits and usage as Nova counts them (-1: unlimited). */
export interface NovaAbsoluteLimits {
  maxTotalInstances: number;
  totalInstancesUsed: number;
  maxTotalCores: number;
  totalCoresUsed: number;
  maxTotalRAMSize: number;
  totalRAMUsed: number;
}

export async function absoluteLimits(nova: ServiceClient): Promise<NovaAbsoluteLimits> {
  const { limits } = await nova.get<{ limits: { absolute: NovaAbsoluteLimits } }>('limits');
  return limits.absolute;
}

/** How many more servers of this size the project's quota admits. */
export function serversAdmitted(limits: NovaAbsoluteLimits, flavor: { vcpus: number; ram: number }): number {
  const left = (max: number, used: number, each: number) => (max < 0 || each <= 0 ? Infinity : Math.floor(Math.max(0, max - used) / each));
  return Math.min(
    left(limits.maxTotalInstances, limits.totalInstancesUsed, 1),
    left(limits.maxTotalCores, limits.totalCoresUsed, flavor.vcpus),
    left(limits.maxTotalRAMSize, limits.totalRAMUsed, flavor.ram),
  );
}

// ---- network interfaces (Nova's os-interface)

/** Plugs an existing port into a server (Nova binds it before answering). */
export async function attachInterface(nova: ServiceClient, serverId: string, portId: string): Promise<void> {
  const headers = await versioned(nova);
  await nova.request('POST', `${serverPath(serverId)}/os-interface`, { json: { interfaceAttachment: { port_id: portId } }, headers });
}

/** Unplugs a port (Nova keeps ports it was given; the unbinding finishes after the answer). */
export async function detachInterface(nova: ServiceClient, serverId: string, portId: string): Promise<void> {
  const headers = await versioned(nova);
  await nova.request('DELETE', `${serverPath(serverId)}/os-interface/${encodeURIComponent(portId)}`, { headers });
}
