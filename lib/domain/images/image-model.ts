/**
 * How a Glance image reads as an EC2 image: kind (ami/aki/ari), state, architecture, platform and
 * the block device mapping Nova records in image properties. Pure functions: no I/O.
 */
import type { GlanceImage, GlanceStatus } from '../../openstack/glance.js';
import { propertyOf } from '../../openstack/glance.js';
import type { ArchitectureValues, ImageState, ImageTypeValues } from '../../../schemas/types.js';

export type ImageKind = 'ami' | 'aki' | 'ari';

/** Kernel and ramdisk images are the ones whose disk or container format says so. */
export function kindOf(image: Pick<GlanceImage, 'disk_format' | 'container_format'>): ImageKind {
  const formats = [image.container_format, image.disk_format];
  if (formats.includes('aki')) return 'aki';
  if (formats.includes('ari')) return 'ari';
  return 'ami';
}

export const IMAGE_TYPES: Record<ImageKind, ImageTypeValues> = { ami: 'machine', aki: 'kernel', ari: 'ramdisk' };

const STATES: Record<GlanceStatus, ImageState> = {
  queued: 'pending',
  saving: 'pending',
  uploading: 'pending',
  importing: 'pending',
  active: 'available',
  deactivated: 'invalid',
  killed: 'failed',
  deleted: 'deregistered',
  pending_delete: 'deregistered',
};

/**
 * Property our registration (bundle upload, web-download) keeps on an image while the EC2 side of
 * the work is under way or has failed, since Glance's own status cannot say it: `failed:<reason>`.
 */
export const REGISTRATION_STATE = 'ec2_registration_state';

export interface StateAndReason {
  state: ImageState;
  reason?: { Code: string; Message: string };
}

export function stateOf(image: Pick<GlanceImage, 'status'> & Record<string, unknown>): StateAndReason {
  const registration = propertyOf(image as GlanceImage, REGISTRATION_STATE);
  if (registration?.startsWith('failed') && image.status !== 'active') {
    return { state: 'failed', reason: { Code: 'Client.InvalidManifest', Message: registration.replace(/^failed:?\s*/, '') || 'registration failed' } };
  }
  // Glance puts an image whose import failed back to queued and names the stores it failed for.
  const failedImport = propertyOf(image as GlanceImage, 'os_glance_failed_import');
  const importing = propertyOf(image as GlanceImage, 'os_glance_importing_to_stores');
  if (failedImport && !importing && image.status === 'queued') {
    return { state: 'failed', reason: { Code: 'Client.ImportFailed', Message: `Glance could not import the image data (${failedImport})` } };
  }
  const state = STATES[image.status] ?? 'pending';
  if (state === 'failed') return { state, reason: { Code: 'Server.InternalError', Message: 'The image data could not be stored' } };
  return { state };
}

/** Glance image statuses an EC2 state stands for (for pushing a `state` filter down). */
export function glanceStatusesFor(state: string): GlanceStatus[] {
  const statuses = (Object.keys(STATES) as GlanceStatus[]).filter((s) => STATES[s] === state);
  // A failed import or registration leaves the image queued.
  return state === 'failed' ? [...statuses, 'queued'] : statuses;
}

export function architectureOf(image: GlanceImage): ArchitectureValues {
  const arch = propertyOf(image, 'architecture')?.toLowerCase();
  switch (arch) {
    case undefined:
    case 'x86_64':
    case 'amd64':
    case 'x64':
      return 'x86_64';
    case 'aarch64':
    case 'arm64':
      return 'arm64';
    case 'i386':
    case 'i486':
    case 'i586':
    case 'i686':
    case 'x86':
      return 'i386';
    default:
      return arch as ArchitectureValues;
  }
}

/** Glance's architecture property for an EC2 architecture. */
export function glanceArchitecture(arch: string): string {
  return arch === 'arm64' ? 'aarch64' : arch;
}

export const isWindows = (image: GlanceImage) => propertyOf(image, 'os_type')?.toLowerCase() === 'windows';

export const isPublic = (image: Pick<GlanceImage, 'visibility'>) => image.visibility === 'public' || image.visibility === 'community';

/** `vda` / `/dev/vda` -> `/dev/vda`. */
export function deviceName(name: string | undefined | null): string | undefined {
  if (!name) return undefined;
  return name.startsWith('/dev/') ? name : `/dev/${name}`;
}

/** `/dev/sda1` and `sda1` and `/dev/sda` name the same disk for comparisons. */
export function sameDevice(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const strip = (n: string) => n.replace(/^\/dev\//, '').replace(/(\D)\d+$/, '$1');
  return strip(a) === strip(b);
}

/** One entry of Nova's block device mapping (v2 form; legacy entries are converted to it). */
export interface NovaBdm {
  source_type?: 'image' | 'snapshot' | 'volume' | 'blank';
  destination_type?: 'local' | 'volume';
  device_name?: string | null;
  boot_index?: number | string | null;
  snapshot_id?: string | null;
  volume_id?: string | null;
  image_id?: string | null;
  volume_size?: number | string | null;
  volume_type?: string | null;
  delete_on_termination?: boolean | string | null;
  guest_format?: string | null;
  no_device?: boolean | string | null;
  virtual_name?: string | null;
}

function parseJsonList(text: string | undefined): Array<Record<string, unknown>> {
  if (!text) return [];
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? parsed.filter((e): e is Record<string, unknown> => Boolean(e) && typeof e === 'object') : [];
  } catch {
    return [];
  }
}

const truthy = (v: unknown) => v === true || (typeof v === 'string' && /^(true|1|yes)$/i.test(v));

/** Legacy (v1) mapping entries: `snapshot_id`/`volume_id`/`no_device`/`virtual_name`. */
function fromLegacy(entry: Record<string, unknown>): NovaBdm {
  const bdm: NovaBdm = { device_name: entry['device_name'] as string | undefined };
  if (entry['snapshot_id']) Object.assign(bdm, { source_type: 'snapshot', destination_type: 'volume', snapshot_id: entry['snapshot_id'] });
  else if (entry['volume_id']) Object.assign(bdm, { source_type: 'volume', destination_type: 'volume', volume_id: entry['volume_id'] });
  else if (entry['virtual_name']) Object.assign(bdm, { source_type: 'blank', destination_type: 'local', virtual_name: entry['virtual_name'] });
  if (truthy(entry['no_device'])) bdm.no_device = true;
  if (entry['volume_size'] !== undefined) bdm.volume_size = entry['volume_size'] as number;
  if (entry['delete_on_termination'] !== undefined) bdm.delete_on_termination = entry['delete_on_termination'] as boolean;
  return bdm;
}

/** The block device mapping Nova stored on the image (`block_device_mapping`, v2 when `bdm_v2`). */
export function novaBdmOf(image: GlanceImage): NovaBdm[] {
  const entries = parseJsonList(propertyOf(image, 'block_device_mapping'));
  const v2 = truthy(image['bdm_v2']) || entries.some((e) => 'source_type' in e);
  return entries.map((e) => (v2 ? (e as NovaBdm) : fromLegacy(e)));
}

/** EC2-style `mappings` property: `[{virtual: 'ephemeral0', device: 'sdb'}]`. */
export function ec2MappingsOf(image: GlanceImage): Array<{ virtual: string; device: string }> {
  return parseJsonList(propertyOf(image, 'mappings')).flatMap((m) =>
    typeof m['virtual'] === 'string' && typeof m['device'] === 'string' ? [{ virtual: m['virtual'], device: m['device'] }] : [],
  );
}

export const DEFAULT_ROOT_DEVICE = '/dev/sda1';

export function rootDeviceNameOf(image: GlanceImage): string {
  const named = deviceName(propertyOf(image, 'root_device_name'));
  if (named) return named;
  const root = ec2MappingsOf(image).find((m) => m.virtual === 'root');
  if (root) return deviceName(root.device)!;
  const boot = novaBdmOf(image).find((b) => Number(b.boot_index) === 0 && b.device_name);
  return deviceName(boot?.device_name) ?? DEFAULT_ROOT_DEVICE;
}

const isVolumeBacked = (b: NovaBdm) =>
  b.destination_type === 'volume' && (b.source_type === 'snapshot' || b.source_type === 'volume' || b.source_type === 'image');

/** The mapping entry the image boots from, when that is a volume. */
export function rootVolumeOf(image: GlanceImage): NovaBdm | undefined {
  const root = rootDeviceNameOf(image);
  const bdms = novaBdmOf(image).filter((b) => !truthy(b.no_device));
  return (
    bdms.find((b) => isVolumeBacked(b) && Number(b.boot_index) === 0) ??
    bdms.find((b) => isVolumeBacked(b) && (b.boot_index === undefined || b.boot_index === null) && sameDevice(deviceName(b.device_name), root))
  );
}

export const rootDeviceTypeOf = (image: GlanceImage) => (rootVolumeOf(image) ? 'ebs' : 'instance-store');

export { truthy };
