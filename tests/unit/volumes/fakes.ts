/**
 * Small in-memory stand-ins for the JSON APIs the volumes family calls (Cinder v3 and Nova's
 * os-volume_attachments), answering the routes lib/openstack/cinder.ts and attachments.ts use,
 * with the error shape of our own ServiceClient (OpenStackError).
 */
import type { ActionContext } from '../../../lib/context.js';
import type { ActionDefinition, Input, Output } from '../../../lib/family.js';
import type { CinderAttachmentRecord, CinderSnapshot, CinderVolume } from '../../../lib/openstack/cinder.js';
import type { OpenStack } from '../../../lib/openstack/clients.js';
import { OpenStackError, type ServiceClient } from '../../../lib/openstack/http.js';
import type { Ec2ActionName } from '../../../schemas/types.js';
import type { NovaVolumeAttachment } from '../../../lib/openstack/nova.js';
import { fakeContext } from '../support/context.js';
import { MemoryStore } from '../support/memory-store.js';

type Params = Record<string, string | number | boolean | undefined>;

const notFound = (service: string, what: string) => new OpenStackError(service, 404, `${what} could not be found.`, 'itemNotFound', 'GET', what);
const badRequest = (service: string, message: string) => new OpenStackError(service, 400, message, 'badRequest', 'POST', '');

let sequence = 0;
const uuid = () => `00000000-0000-4000-8000-${(++sequence).toString(16).padStart(12, '0')}`;

export function cinderVolume(fields: Partial<CinderVolume> = {}): CinderVolume {
  return {
    id: uuid(),
    status: 'available',
    size: 1,
    availability_zone: 'nova',
    created_at: '2024-05-06T07:08:09.000000',
    updated_at: null,
    name: null,
    description: null,
    volume_type: '__DEFAULT__',
    snapshot_id: null,
    source_volid: null,
    metadata: {},
    bootable: 'false',
    encrypted: false,
    multiattach: false,
    attachments: [],
    ...fields,
  };
}

export function cinderSnapshot(volume: CinderVolume, fields: Partial<CinderSnapshot> = {}): CinderSnapshot {
  return {
    id: uuid(),
    status: 'available',
    size: volume.size,
    volume_id: volume.id,
    name: null,
    description: null,
    created_at: '2024-05-06T07:09:10.000000',
    updated_at: null,
    metadata: {},
    'os-extended-snapshot-attributes:progress': '100%',
    ...fields,
  };
}

/** Cinder as one project sees it. */
export class FakeCinder {
  volumes: CinderVolume[] = [];
  snapshots: CinderSnapshot[] = [];
  attachmentRecords: CinderAttachmentRecord[] = [];
  types = [{ id: 't-default', name: '__DEFAULT__' }];
  defaultType = '__DEFAULT__';
  zones = ['nova'];
  /** Every GET with its query, e.g. ['volumes/detail', {status: 'available'}]. */
  gets: Array<[string, Params]> = [];
  posts: Array<[string, unknown]> = [];
  deletes: string[] = [];
  /** Status a new volume or snapshot gets. */
  createdStatus = 'creating';
  /** Refuse the next volume creation as over quota. */
  overQuota = false;

  async get<T>(path: string, query: Params = {}): Promise<T> {
    this.gets.push([path, query]);
    const [kind, id] = path.split('/');
    if (path === 'volumes/detail') return { volumes: this.filter(this.volumes, query) } as T;
    if (path === 'snapshots/detail') return { snapshots: this.filter(this.snapshots, query) } as T;
    if (path === 'types') return { volume_types: this.types } as T;
    if (path === 'types/default') return { volume_type: this.types.find((t) => t.name === this.defaultType) } as T;
    if (path === 'os-availability-zone') return { availabilityZoneInfo: this.zones.map((z) => ({ zoneName: z, zoneState: { available: true } })) } as T;
    if (path === 'attachments/detail') return { attachments: this.attachmentRecords.filter((a) => a.volume_id === query['volume_id']) } as T;
    if (kind === 'volumes') {
      const volume = this.volumes.find((v) => v.id === id);
      if (!volume) throw notFound('cinder', `Volume ${id}`);
      return { volume } as T;
    }
    if (kind === 'snapshots') {
      const snapshot = this.snapshots.find((s) => s.id === id);
      if (!snapshot) throw notFound('cinder', `Snapshot ${id}`);
      return { snapshot } as T;
    }
    throw new Error(`FakeCinder: GET ${path} is not served`);
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    this.posts.push([path, body]);
    if (path === 'volumes') {
      if (this.overQuota) {
        this.overQuota = false;
        throw new OpenStackError('cinder', 413, 'VolumeLimitExceeded: Maximum number of volumes allowed (10) exceeded', 'overLimit', 'POST', path);
      }
      const request = (body as { volume: Record<string, unknown> }).volume;
      const snapshot = request['snapshot_id'] ? this.snapshots.find((s) => s.id === request['snapshot_id']) : undefined;
      if (request['snapshot_id'] && !snapshot) throw notFound('cinder', `Snapshot ${String(request['snapshot_id'])}`);
      const typeName = (request['volume_type'] as string | undefined) ?? this.defaultType;
      const volume = cinderVolume({
        status: this.createdStatus,
        size: (request['size'] as number | undefined) ?? snapshot?.size ?? 1,
        availability_zone: (request['availability_zone'] as string | undefined) ?? 'nova',
        volume_type: typeName,
        snapshot_id: snapshot?.id ?? null,
        name: (request['name'] as string | undefined) ?? null,
        metadata: (request['metadata'] as Record<string, string> | undefined) ?? {},
        created_at: '2024-05-06T07:08:09.123456',
      });
      this.volumes.push(volume);
      return { volume } as T;
    }
    if (path === 'snapshots') {
      const request = (body as { snapshot: Record<string, unknown> }).snapshot;
      const volume = this.volumes.find((v) => v.id === request['volume_id']);
      if (!volume) throw notFound('cinder', `Volume ${String(request['volume_id'])}`);
      if (volume.status === 'in-use' && !request['force']) throw badRequest('cinder', 'Invalid volume: must be available');
      const snapshot = cinderSnapshot(volume, {
        status: this.createdStatus,
        description: (request['description'] as string | undefined) ?? null,
        metadata: (request['metadata'] as Record<string, string> | undefined) ?? {},
        'os-extended-snapshot-attributes:progress': '0%',
      });
      this.snapshots.push(snapshot);
      return { snapshot } as T;
    }
    throw new Error(`FakeCinder: POST ${path} is not served`);
  }

  async delete(path: string): Promise<void> {
    this.deletes.push(path);
    const [kind, id] = path.split('/');
    if (kind === 'volumes') {
      const volume = this.volumes.find((v) => v.id === id);
      if (!volume) throw notFound('cinder', `Volume ${id}`);
      if (volume.attachments.length || volume.status === 'in-use') throw badRequest('cinder', 'Invalid volume: Volume status must be available');
      if (volume.status === 'creating') throw badRequest('cinder', 'Invalid volume: Volume status must be available or error');
      if (this.snapshots.some((s) => s.volume_id === id)) throw badRequest('cinder', 'Invalid volume: Volume still has 1 dependent snapshots.');
      this.volumes = this.volumes.filter((v) => v.id !== id);
      return;
    }
    if (kind === 'snapshots') {
      if (!this.snapshots.some((s) => s.id === id)) throw notFound('cinder', `Snapshot ${id}`);
      this.snapshots = this.snapshots.filter((s) => s.id !== id);
      return;
    }
    throw new Error(`FakeCinder: DELETE ${path} is not served`);
  }

  /** Cinder's exact-match filters on the keys we push down. */
  private filter<T extends object>(items: T[], query: Params): T[] {
    const keys = Object.keys(query).filter((k) => !['limit', 'marker'].includes(k) && query[k] !== undefined);
    return items.filter((item) => keys.every((k) => String((item as Record<string, unknown>)[k]) === String(query[k])));
  }
}

/** Nova's os-volume_attachments, driving the volume's status in FakeCinder the way Nova does. */
export class FakeNova {
  deleteOnTermination = new Map<string, boolean>();
  servers = new Set<string>();
  calls: string[] = [];

  constructor(private readonly cinder: FakeCinder) {}

  async get<T>(path: string): Promise<T> {
    this.calls.push(`GET ${path}`);
    const match = /^servers\/([^/]+)\/os-volume_attachments$/.exec(path);
    if (match) {
      const serverId = match[1]!;
      const volumeAttachments: NovaVolumeAttachment[] = this.cinder.volumes.flatMap((v) =>
        v.attachments
          .filter((a) => a.server_id === serverId)
          .map((a) => ({ id: v.id, serverId, volumeId: v.id, device: a.device, delete_on_termination: this.deleteOnTermination.get(v.id) ?? false })),
      );
      return { volumeAttachments } as T;
    }
    throw new Error(`FakeNova: GET ${path} is not served`);
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    this.calls.push(`POST ${path}`);
    const serverId = /^servers\/([^/]+)\/os-volume_attachments$/.exec(path)?.[1];
    if (!serverId || !this.servers.has(serverId)) throw notFound('nova', `Instance ${serverId}`);
    const request = (body as { volumeAttachment: { volumeId: string; device?: string } }).volumeAttachment;
    const volume = this.cinder.volumes.find((v) => v.id === request.volumeId)!;
    const device = request.device ?? '/dev/vdb';
    volume.status = 'in-use';
    volume.attachments.push({
      id: volume.id,
      attachment_id: uuid(),
      volume_id: volume.id,
      server_id: serverId,
      host_name: null,
      device,
      attached_at: '2024-05-06T08:00:00.000000',
    });
    return { volumeAttachment: { id: volume.id, serverId, volumeId: volume.id, device, delete_on_termination: false } } as T;
  }

  async delete(path: string): Promise<void> {
    this.calls.push(`DELETE ${path}`);
    const [, serverId, , volumeId] = path.split('/');
    const volume = this.cinder.volumes.find((v) => v.id === volumeId);
    if (!volume?.attachments.some((a) => a.server_id === serverId)) throw notFound('nova', `Attachment ${volumeId}`);
    volume.attachments = volume.attachments.filter((a) => a.server_id !== serverId);
    volume.status = volume.attachments.length ? 'in-use' : 'available';
  }
}

export interface VolumesWorld {
  ctx: ActionContext & { store: MemoryStore };
  cinder: FakeCinder;
  nova: FakeNova;
}

let projects = 0;

/** A fresh project (its own id, so per-project caches never leak between tests). */
export function world(): VolumesWorld {
  const cinder = new FakeCinder();
  const nova = new FakeNova(cinder);
  const base = fakeContext(new MemoryStore(`volumes-project-${++projects}`));
  const openstack = { cinder: cinder as unknown as ServiceClient, nova: nova as unknown as ServiceClient } as unknown as OpenStack;
  return { ctx: { ...base, openstack, config: { ...base.config, ec2Region: 'RegionOne' } }, cinder, nova };
}

/** Runs an action the way the family handler does: its checks, then the action. */
export async function invoke<A extends Ec2ActionName>(definition: ActionDefinition<A>, input: Input<A>, ctx: ActionContext): Promise<Output<A>> {
  await definition.check?.(input, ctx);
  return definition.run(input, ctx);
}
