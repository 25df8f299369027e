/**
 * Typed calls on Cinder v3 (block storage) for the volumes family: volumes, snapshots, volume
 * types, zones and attachment records. Every function takes the caller's Cinder client, so the
 * caller's token and project scope are the only authority used.
 */
import type { ServiceClient } from './http.js';

/** An attachment as the volume itself reports it (only attachments that completed appear). */
export interface CinderVolumeAttachment {
  id: string;
  attachment_id: string;
  volume_id: string;
  server_id: string;
  host_name: string | null;
  device: string | null;
  attached_at: string | null;
}

export interface CinderVolume {
  id: string;
  status: string;
  size: number;
  availability_zone: string;
  created_at: string;
  updated_at: string | null;
  name: string | null;
  description: string | null;
  volume_type: string | null;
  snapshot_id: string | null;
  source_volid: string | null;
  metadata: Record<string, string>;
  bootable: string;
  encrypted: boolean;
  multiattach: boolean;
  attachments: CinderVolumeAttachment[];
  'os-vol-tenant-attr:tenant_id'?: string;
}

export interface CinderSnapshot {
  id: string;
  status: string;
  size: number;
  volume_id: string;
  name: string | null;
  description: string | null;
  created_at: string;
  updated_at: string | null;
  metadata: Record<string, string>;
  'os-extended-snapshot-attributes:progress'?: string | null;
  'os-extended-snapshot-attributes:project_id'?: string;
}

/** Cinder's attachment records (API 3.27+), which also show attachments still being made. */
export interface CinderAttachmentRecord {
  id: string;
  status: string;
  instance: string | null;
  volume_id: string;
  attached_at: string | null;
  detached_at: string | null;
  attach_mode?: string;
}

export interface CinderVolumeType {
  id: string;
  name: string;
  is_public?: boolean;
  description?: string | null;
}

export interface CinderZone {
  zoneName: string;
  zoneState: { available: boolean };
}

export type Query = Record<string, string | number | boolean | undefined>;

/** Cinder answers at most `osapi_max_limit` (1000 by default) items per page. */
const PAGE = 1000;

interface Link {
  rel: string;
  href: string;
}

/** Follows Cinder's marker paging until the last page. */
async function listAll<T extends { id: string }>(
  cinder: ServiceClient,
  path: string,
  key: string,
  query: Query,
): Promise<T[]> {
  const out: T[] = [];
  let marker: string | undefined;
  for (;;) {
    const body = await cinder.get<Record<string, unknown>>(path, { ...query, limit: PAGE, marker });
    const items = (body[key] ?? []) as T[];
    out.push(...items);
    const links = (body[`${key}_links`] ?? []) as Link[];
    if (items.length === 0 || !links.some((l) => l.rel === 'next')) return out;
    marker = items[items.length - 1]!.id;
  }
}

/**
 * Cinder's timestamps are UTC without a zone designator. They are cut to whole seconds: Cinder
 * answers a creation with microseconds but stores (and later reads back) whole seconds, and one
 * resource should show one time.
 */
export function parseCinderTime(value: string | null | undefined): Date | undefined {
  if (!value) return undefined;
  const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  if (Number.isNaN(date.getTime())) return undefined;
  date.setUTCMilliseconds(0);
  return date;
}

// Volumes

export const listVolumes = (cinder: ServiceClient, query: Query = {}) =>
  listAll<CinderVolume>(cinder, 'volumes/detail', 'volumes', query);

export async function getVolume(cinder: ServiceClient, id: string): Promise<CinderVolume> {
  return (await cinder.get<{ volume: CinderVolume }>(`volumes/${encodeURIComponent(id)}`)).volume;
}

export interface CreateVolumeBody {
  size?: number;
  availability_zone?: string;
  volume_type?: string;
  snapshot_id?: string;
  name?: string;
  description?: string;
  metadata?: Record<string, string>;
}

export async function createVolume(cinder: ServiceClient, body: CreateVolumeBody): Promise<CinderVolume> {
  return (await cinder.post<{ volume: CinderVolume }>('volumes', { volume: body })).volume;
}

export async function deleteVolume(cinder: ServiceClient, id: string): Promise<void> {
  await cinder.delete(`volumes/${encodeURIComponent(id)}`);
}

// Snapshots

export const listSnapshots = (cinder: ServiceClient, query: Query = {}) =>
  listAll<CinderSnapshot>(cinder, 'snapshots/detail', 'snapshots', query);

export async function getSnapshot(cinder: ServiceClient, id: string): Promise<CinderSnapshot> {
  return (await cinder.get<{ snapshot: CinderSnapshot }>(`snapshots/${encodeURIComponent(id)}`)).snapshot;
}

export interface CreateSnapshotBody {
  volume_id: string;
  name?: string;
  description?: string;
  /** Cinder refuses to snapshot an attached volume without it (before API 3.66). */
  force?: boolean;
  metadata?: Record<string, string>;
}

export async function createSnapshot(cinder: ServiceClient, body: CreateSnapshotBody): Promise<CinderSnapshot> {
  return (await cinder.post<{ snapshot: CinderSnapshot }>('snapshots', { snapshot: body })).snapshot;
}

export async function deleteSnapshot(cinder: ServiceClient, id: string): Promise<void> {
  await cinder.delete(`snapshots/${encodeURIComponent(id)}`);
}

/** Marks a volume bootable (Nova boots a snapshot only when its volume is). */
export async function setBootable(cinder: ServiceClient, id: string, bootable: boolean): Promise<void> {
  await cinder.post(`volumes/${encodeURIComponent(id)}/action`, { 'os-set_bootable': { bootable } });
}

// Attachments, types, zones

/** Attachment records of one volume, including those still `reserved` or `attaching`. */
export async function listAttachments(cinder: ServiceClient, volumeId: string): Promise<CinderAttachmentRecord[]> {
  return (await cinder.get<{ attachments: CinderAttachmentRecord[] }>('attachments/detail', { volume_id: volumeId })).attachments;
}

export async function listVolumeTypes(cinder: ServiceClient): Promise<CinderVolumeType[]> {
  return (await cinder.get<{ volume_types: CinderVolumeType[] }>('types')).volume_types;
}

export async function defaultVolumeType(cinder: ServiceClient): Promise<CinderVolumeType> {
  return (await cinder.get<{ volume_type: CinderVolumeType }>('types/default')).volume_type;
}

export async function listZones(cinder: ServiceClient): Promise<CinderZone[]> {
  return (await cinder.get<{ availabilityZoneInfo: CinderZone[] }>('os-availability-zone')).availabilityZoneInfo;
}
