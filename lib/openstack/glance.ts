/**
 * Typed calls on the Glance v2 image API: list (with filters and marker paging), get, create,
 * update (JSON patch), delete, upload, interoperable import and image members. The images family
 * reaches Glance only through this module.
 */
import type { Readable } from 'node:stream';
import got from 'got';
import { OpenStackError, OpenStackUnavailable, faultOf, type ServiceClient } from './http.js';

export type GlanceStatus =
  | 'queued'
  | 'saving'
  | 'uploading'
  | 'importing'
  | 'active'
  | 'deactivated'
  | 'killed'
  | 'deleted'
  | 'pending_delete';

export type GlanceVisibility = 'public' | 'community' | 'shared' | 'private';

/** A Glance v2 image: core attributes, plus additional properties as top-level string fields. */
export interface GlanceImage {
  id: string;
  name: string | null;
  status: GlanceStatus;
  visibility: GlanceVisibility;
  owner: string | null;
  disk_format: string | null;
  container_format: string | null;
  size: number | null;
  virtual_size?: number | null;
  min_disk?: number;
  min_ram?: number;
  protected?: boolean;
  os_hidden?: boolean;
  checksum?: string | null;
  created_at: string;
  updated_at?: string;
  tags?: string[];
  [property: string]: unknown;
}

export interface GlanceMember {
  image_id: string;
  member_id: string;
  status: 'pending' | 'accepted' | 'rejected';
  created_at?: string;
  updated_at?: string;
}

/** One JSON-patch operation of Glance's `application/openstack-images-v2.1-json-patch`. */
export type ImagePatch =
  | { op: 'add' | 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string };

export type ListParams = Record<string, string | number | boolean | undefined>;

const PATCH_TYPE = 'application/openstack-images-v2.1-json-patch';
const PAGE_SIZE = 500;
/** Core attributes a JSON patch may not add as properties; everything else is a property. */
export const CORE_ATTRIBUTES = new Set([
  'id', 'name', 'status', 'visibility', 'owner', 'disk_format', 'container_format', 'size', 'virtual_size',
  'min_disk', 'min_ram', 'protected', 'os_hidden', 'checksum', 'os_hash_algo', 'os_hash_value', 'created_at',
  'updated_at', 'tags', 'self', 'file', 'schema', 'direct_url', 'locations', 'stores',
]);

/** JSON-patch path of an image attribute or property (`/` and `~` escaped as RFC 6901 says). */
const imagePath = (id: string) => `images/${encodeURIComponent(id)}`;

export const patchPath = (name: string) => `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;

/** Every image matching `params`, following Glance's `next` links. */
export async function listImages(glance: ServiceClient, params: ListParams = {}): Promise<GlanceImage[]> {
  const out: GlanceImage[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await glance.get<{ images: GlanceImage[]; next?: string }>('images', { limit: PAGE_SIZE, ...params, marker });
    out.push(...page.images);
    if (!page.next || page.images.length === 0) return out;
    marker = new URLSearchParams(page.next.split('?')[1] ?? '').get('marker') ?? page.images[page.images.length - 1]!.id;
  }
}

export function getImage(glance: ServiceClient, id: string): Promise<GlanceImage> {
  return glance.get<GlanceImage>(imagePath(id));
}

/** The image, or undefined when Glance does not show it to the caller (absent or not visible). */
export async function imageIfVisible(glance: ServiceClient, id: string): Promise<GlanceImage | undefined> {
  try {
    return await getImage(glance, id);
  } catch (error) {
    if (error instanceof OpenStackError && error.status === 404) return undefined;
    throw error;
  }
}

export function createImage(glance: ServiceClient, image: Record<string, unknown>): Promise<GlanceImage> {
  return glance.post<GlanceImage>('images', image);
}

export function updateImage(glance: ServiceClient, id: string, patch: ImagePatch[]): Promise<GlanceImage> {
  return glance.patch<GlanceImage>(imagePath(id), patch, { 'content-type': PATCH_TYPE });
}

export function deleteImage(glance: ServiceClient, id: string): Promise<void> {
  return glance.delete(imagePath(id));
}

/** Uploads image data from a buffer. */
export async function uploadImage(glance: ServiceClient, id: string, data: Buffer): Promise<void> {
  await glance.request('PUT', `${imagePath(id)}/file`, { body: data, headers: { 'content-type': 'application/octet-stream' } });
}

/**
 * Uploads image data from a stream, without holding the image in memory. Not retried: a stream
 * cannot be replayed.
 */
export async function uploadImageStream(glance: ServiceClient, id: string, data: Readable): Promise<void> {
  const { baseUrl, headers, service, timeoutMs } = glance.options;
  const url = `${baseUrl.replace(/\/+$/, '')}/${imagePath(id)}/file`;
  try {
    await got.put(url, {
      body: data,
      headers: { ...headers, 'content-type': 'application/octet-stream' },
      timeout: { request: Math.max(timeoutMs, 600_000) },
      retry: { limit: 0 },
    });
  } catch (error) {
    const response = (error as { response?: { statusCode: number; body: unknown } }).response;
    if (response) {
      let body = response.body;
      try {
        body = JSON.parse(String(body));
      } catch {
        // keep the text
      }
      throw new OpenStackError(service, response.statusCode, faultOf(body).message ?? `${service} answered ${response.statusCode}`, undefined, 'PUT', url);
    }
    throw new OpenStackUnavailable(service, `${service} is unreachable: ${(error as Error).message}`);
  }
}

/** The image's data as a stream (empty for images without data). */
export function downloadImage(glance: ServiceClient, id: string): Readable {
  const { baseUrl, headers, timeoutMs } = glance.options;
  return got.stream(`${baseUrl.replace(/\/+$/, '')}/${imagePath(id)}/file`, {
    headers: { ...headers, accept: 'application/octet-stream' },
    timeout: { request: Math.max(timeoutMs, 600_000) },
    retry: { limit: 0 },
  });
}

/** Interoperable image import (`web-download`, `glance-direct`, `copy-image`). */
export async function importImage(glance: ServiceClient, id: string, method: Record<string, unknown>): Promise<void> {
  await glance.request('POST', `${imagePath(id)}/import`, { json: { method } });
}

/** The import methods this Glance offers (`GET /v2/info/import`). */
export async function importMethods(glance: ServiceClient): Promise<string[]> {
  const body = await glance.get<{ 'import-methods'?: { value?: string[] } }>('info/import');
  return body['import-methods']?.value ?? [];
}

export async function listMembers(glance: ServiceClient, id: string): Promise<GlanceMember[]> {
  return (await glance.get<{ members: GlanceMember[] }>(`${imagePath(id)}/members`)).members;
}

export function addMember(glance: ServiceClient, id: string, member: string): Promise<GlanceMember> {
  return glance.post<GlanceMember>(`${imagePath(id)}/members`, { member });
}

export function removeMember(glance: ServiceClient, id: string, member: string): Promise<void> {
  return glance.delete(`${imagePath(id)}/members/${encodeURIComponent(member)}`);
}

/** The member's own answer to a share (only the member project may set it). */
export function setMemberStatus(glance: ServiceClient, id: string, member: string, status: GlanceMember['status']): Promise<GlanceMember> {
  return glance.put<GlanceMember>(`${imagePath(id)}/members/${encodeURIComponent(member)}`, { status });
}

/** An image's additional property as text (Glance keeps them as strings), if set. */
export function propertyOf(image: GlanceImage, name: string): string | undefined {
  const value = image[name];
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}
