/**
 * Images as the describe engine sees them: how to list Glance images for a project (pushing exact
 * filters down to Glance), how an image formats as an EC2 Image, and which filters read what.
 *
 * DescribeImages' Owner and ExecutableBy parameters become two filters of our own (`@owner`,
 * `@executable-by`) so the engine applies them together with the others, before paging.
 */
import type { ActionContext } from '../../lib/context.js';
import type { ResourceDescriptor } from '../../lib/describe/engine.js';
import { filterValues, isExact, type Filter, type FilterSpec } from '../../lib/describe/filters.js';
import { imageIfVisible, type GlanceImage, type GlanceMember, listImages, listMembers, type ListParams, propertyOf } from '../../lib/openstack/glance.js';
import type { ServiceClient } from '../../lib/openstack/http.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ec2IdsFor, shareImageIds, uuidsOf, type IdPrefix } from '../../lib/store/ids.js';
import type { BlockDeviceMapping, Image } from '../../schemas/types.js';
import {
  IMAGE_TYPES,
  architectureOf,
  deviceName,
  ec2MappingsOf,
  glanceStatusesFor,
  isPublic,
  isWindows,
  kindOf,
  novaBdmOf,
  rootDeviceNameOf,
  rootDeviceTypeOf,
  stateOf,
  truthy,
  type NovaBdm,
} from '../../lib/domain/images/image-model.js';
import { latentLaunchPermissions } from './launch-permissions.js';

export const OWNER_FILTER = '@owner';
export const EXECUTABLE_BY_FILTER = '@executable-by';
/** Owner aliases of AWS's own images: no image of this cloud is theirs. */
const OWNER_ALIASES = new Set(['amazon', 'aws-marketplace', 'aws-backup-vault', 'microsoft']);

export interface DescribeScope {
  /** DescribeImages' Owner.N. */
  owners?: string[];
  /** DescribeImages' ExecutableBy.N. */
  executableBy?: string[];
  /** Glance's hidden images are EC2's deprecated ones. */
  includeDeprecated?: boolean;
}

/** Escapes a literal so the engine's wildcard matching takes it as is. */
const literal = (value: string) => value.replace(/[\\*?]/g, (c) => `\\${c}`);

/** The scope as filters the descriptor understands (`self` already resolved to the project). */
export function scopeFilters(scope: DescribeScope, projectId: string): Filter[] {
  const filters: Filter[] = [];
  if (scope.owners?.length) {
    filters.push({
      Name: OWNER_FILTER,
      Values: scope.owners.map((o) => (o === 'self' ? projectId : OWNER_ALIASES.has(o) ? '\u0000alias' : literal(o))),
    });
  }
  if (scope.executableBy?.length) {
    filters.push({ Name: EXECUTABLE_BY_FILTER, Values: scope.executableBy.map((e) => (e === 'self' ? projectId : literal(e))) });
  }
  return filters;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/**
 * Past this length a query value is not handed to Glance (it answers 414 for long URLs); the
 * listing is filtered here instead. AMI names are at most 128 characters, so a few names still go.
 */
const GLANCE_QUERY_VALUE_MAX = 2048;

/** Quotes names for Glance's `in:` operator; undefined when one cannot be said exactly (or briefly). */
function glanceInList(values: string[]): string | undefined {
  if (values.some((v) => /["\\]/.test(v))) return undefined;
  const value = values.length === 1 ? `eq:${values[0]}` : `in:${values.map((v) => `"${v}"`).join(',')}`;
  return value.length <= GLANCE_QUERY_VALUE_MAX ? value : undefined;
}

export interface ListPlan {
  params: ListParams;
  /** Set when a filter names no image at all (e.g. unknown ids): nothing to list. */
  empty?: boolean;
  narrowed: boolean;
}

/** Which exact filters Glance can apply itself. Everything is still filtered again afterwards. */
export async function planListing(
  ctx: Pick<ActionContext, 'store'>,
  filters: Filter[],
  owners: string[] | undefined,
  projectId: string,
): Promise<ListPlan> {
  const params: ListParams = {};
  let narrowed = false;

  const ids = filterValues(filters, 'image-id');
  if (ids?.every(isExact)) {
    const uuids = [...(await uuidsOf(ctx.store, ids)).values()];
    if (uuids.length === 0) return { params, empty: true, narrowed: true };
    const value = `in:${uuids.join(',')}`;
    if (value.length <= GLANCE_QUERY_VALUE_MAX) {
      params['id'] = value;
      narrowed = true;
    }
  }
  const names = filterValues(filters, 'name');
  if (names?.every(isExact)) {
    const value = glanceInList(names);
    if (value) {
      params['name'] = value;
      narrowed = true;
    }
  }
  const states = filterValues(filters, 'state');
  if (states?.every(isExact)) {
    const statuses = states.flatMap(glanceStatusesFor);
    if (statuses.length === 0) return { params, empty: true, narrowed: true };
    params['status'] = `in:${statuses.join(',')}`;
    narrowed = true;
  }
  if (owners?.length) {
    const resolved = [...new Set(owners.map((o) => (o === 'self' ? projectId : o)))].filter((o) => !OWNER_ALIASES.has(o));
    if (resolved.length === 0) return { params, empty: true, narrowed: true };
    if (resolved.length === 1 && isExact(resolved[0]!)) {
      params['owner'] = resolved[0];
      narrowed = true;
    }
  }
  return { params, narrowed };
}

const isAdmin = (ctx: ActionContext) => ctx.caller.roles?.includes('admin') ?? false;

/**
 * Whether EC2 shows this image to the caller. Glance shows an admin every project's images; EC2
 * shows only what the caller owns or may launch, so others' non-public images are left out for
 * admins (their shares with the admin's project are then not listed either).
 */
function shownTo(image: GlanceImage, projectId: string, admin: boolean): boolean {
  if (image.owner === projectId || isPublic(image)) return true;
  return !admin && image.visibility === 'shared';
}

export function imageDescriptor(glance: ServiceClient, scope: DescribeScope = {}): ResourceDescriptor<GlanceImage, Image> {
  /** Members of the caller's own shared images, fetched only when ExecutableBy names accounts. */
  const membersOf = new Map<string, string[]>();
  const rawOf = new WeakMap<Image, GlanceImage>();
  let projectId = '';

  const wantsMembers = (pid: string) => (scope.executableBy ?? []).some((e) => e !== 'self' && e !== 'all' && e !== pid);

  async function loadMembers(ctx: ActionContext, images: GlanceImage[]) {
    if (!wantsMembers(ctx.caller.projectId)) return;
    const own = images.filter((i) => i.owner === ctx.caller.projectId);
    const latent = await latentLaunchPermissions(ctx.store, own.filter(isPublic).map((i) => i.id));
    await mapLimit(own, 8, async (image) => {
      let members: GlanceMember[] = [];
      if (image.visibility === 'shared') members = await listMembers(glance, image.id);
      membersOf.set(image.id, [...members.map((m) => m.member_id), ...(latent.get(image.id) ?? [])]);
    });
  }

  /** Who may launch an image, as ExecutableBy names them: `all`, project ids. */
  function executableBy(image: GlanceImage): string[] {
    const who = [...(membersOf.get(image.id) ?? [])];
    if (isPublic(image)) who.push('all');
    // The owner may launch its own images; a shared image Glance lists to another project is
    // one that project is a member of.
    if (image.owner === projectId || image.visibility === 'shared') who.push(projectId);
    return who;
  }

  const bdmOf = (item: Image) => item.BlockDeviceMappings ?? [];

  const filters: FilterSpec<Image> = {
    architecture: (i) => i.Architecture,
    'block-device-mapping.delete-on-termination': (i) => bdmOf(i).map((b) => b.Ebs?.DeleteOnTermination),
    'block-device-mapping.device-name': (i) => bdmOf(i).map((b) => b.DeviceName),
    'block-device-mapping.encrypted': (i) => bdmOf(i).map((b) => b.Ebs?.Encrypted),
    'block-device-mapping.snapshot-id': (i) => bdmOf(i).map((b) => b.Ebs?.SnapshotId),
    'block-device-mapping.volume-size': (i) => bdmOf(i).map((b) => b.Ebs?.VolumeSize),
    'block-device-mapping.volume-type': (i) => bdmOf(i).map((b) => b.Ebs?.VolumeType),
    'creation-date': (i) => i.CreationDate,
    description: (i) => i.Description,
    'ena-support': (i) => i.EnaSupport ?? false,
    hypervisor: (i) => i.Hypervisor,
    'image-id': (i) => i.ImageId,
    'image-type': (i) => i.ImageType,
    'is-public': (i) => i.Public,
    'kernel-id': (i) => i.KernelId,
    // The seed system's spelling of kernel-id.
    kernel_id: (i) => i.KernelId,
    'manifest-location': (i) => i.ImageLocation,
    name: (i) => i.Name,
    'owner-alias': (i) => i.ImageOwnerAlias,
    'owner-id': (i) => i.OwnerId,
    platform: (i) => i.Platform,
    'product-code': (i) => i.ProductCodes?.map((p) => p.ProductCodeId),
    'product-code.type': (i) => i.ProductCodes?.map((p) => p.ProductCodeType),
    'ramdisk-id': (i) => i.RamdiskId,
    'root-device-name': (i) => i.RootDeviceName,
    'root-device-type': (i) => i.RootDeviceType,
    'sriov-net-support': (i) => i.SriovNetSupport,
    state: (i) => i.State,
    'state-reason-code': (i) => i.StateReason?.Code,
    'state-reason-message': (i) => i.StateReason?.Message,
    'virtualization-type': (i) => i.VirtualizationType,
    [OWNER_FILTER]: (i) => i.OwnerId,
    [EXECUTABLE_BY_FILTER]: (i) => {
      const raw = rawOf.get(i);
      return raw ? executableBy(raw) : [];
    },
  };

  return {
    type: 'image',
    idErrors: ID_ERRORS.image,
    uuidOf: (raw) => raw.id,
    prefixOf: (raw): IdPrefix => kindOf(raw),
    idOf: (item) => item.ImageId!,
    filters,

    async list(ctx, query) {
      projectId = ctx.caller.projectId;
      const admin = isAdmin(ctx);
      if (query.uuids) {
        const found = await mapLimit(query.uuids, 8, (uuid) => imageIfVisible(glance, uuid));
        const items = found.filter((i): i is GlanceImage => Boolean(i) && shownTo(i!, projectId, admin));
        await loadMembers(ctx, items);
        return { items, complete: false };
      }
      const plan = await planListing(ctx, query.filters, scope.owners, projectId);
      if (plan.empty) return { items: [], complete: false };
      const base = { visibility: 'all', member_status: 'all', ...plan.params };
      const [visible, hidden] = await Promise.all([listImages(glance, base), listImages(glance, { ...base, os_hidden: true })]);
      const all = [...visible, ...hidden];
      const items = all.filter(
        (i) => shownTo(i, projectId, admin) && (!i.os_hidden || scope.includeDeprecated || i.owner === projectId),
      );
      const [, mappingsChanged] = await Promise.all([
        loadMembers(ctx, items),
        // Images others see too have one id in the region.
        shareImageIds(
          ctx.store,
          items.filter((i) => i.visibility !== 'private').map((i) => ({ uuid: i.id, prefix: kindOf(i) })),
          query.mappings,
        ),
      ]);
      return { items, complete: !plan.narrowed && items.length === all.length, mappingsChanged };
    },

    async format(ctx, entries) {
      const raws = entries.map((e) => e.raw);
      const bdms = new Map(raws.map((r) => [r.id, novaBdmOf(r)]));
      const snapshotUuids = [...bdms.values()].flat().flatMap((b) => (b.snapshot_id ? [b.snapshot_id] : []));
      const kernels = raws.flatMap((r) => [propertyOf(r, 'kernel_id')].filter((k): k is string => Boolean(k)));
      const ramdisks = raws.flatMap((r) => [propertyOf(r, 'ramdisk_id')].filter((k): k is string => Boolean(k)));
      const kernelSet = new Set(kernels);
      // Kernels and ramdisks are mostly images of the same answer, whose ids the engine has already read.
      const listedIds = new Map(entries.map((e) => [e.raw.id, e.ec2Id]));
      const unlisted = [...new Set([...kernels, ...ramdisks])].filter((u) => !listedIds.has(u));
      const [snapshotIds, otherImageIds] = await Promise.all([
        ec2IdsFor(ctx.store, 'snapshot', [...new Set(snapshotUuids)]),
        ec2IdsFor(ctx.store, 'image', unlisted, (u) => (kernelSet.has(u) ? 'aki' : 'ari')),
      ]);
      const imageIds = new Map([...listedIds, ...otherImageIds]);
      return entries.map((entry) => {
        const item = formatImage(entry.raw, entry.ec2Id, {
          bdms: bdms.get(entry.raw.id) ?? [],
          snapshotId: (uuid) => snapshotIds.get(uuid),
          imageId: (uuid) => imageIds.get(uuid),
        });
        if (entry.tags.length) item.Tags = entry.tags;
        rawOf.set(item, entry.raw);
        return item;
      });
    },
  };
}

export interface FormatLookups {
  bdms: NovaBdm[];
  snapshotId(uuid: string): string | undefined;
  imageId(uuid: string): string | undefined;
}

/** AWS's creation date form: `2024-01-02T03:04:05.000Z`. */
export function isoDate(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

/** The EC2 type of a volume on the cloud's default Cinder type (as DescribeVolumes reports it). */
const DEFAULT_EBS_VOLUME_TYPE = 'gp2';

/** EC2's block device mapping of an image, from Nova's mapping and EC2's legacy `mappings`. */
export function blockDeviceMappingsOf(image: GlanceImage, lookups: FormatLookups): BlockDeviceMapping[] {
  const out: BlockDeviceMapping[] = [];
  let ephemeral = 0;
  for (const b of lookups.bdms) {
    const device = deviceName(b.device_name);
    if (truthy(b.no_device)) {
      if (device) out.push({ DeviceName: device, NoDevice: '' });
      continue;
    }
    if (b.destination_type === 'volume') {
      const size = b.volume_size === undefined || b.volume_size === null || b.volume_size === '' ? undefined : Number(b.volume_size);
      out.push({
        DeviceName: device,
        Ebs: {
          ...(b.snapshot_id ? { SnapshotId: lookups.snapshotId(b.snapshot_id) } : {}),
          ...(size !== undefined && Number.isFinite(size) ? { VolumeSize: size } : {}),
          DeleteOnTermination: truthy(b.delete_on_termination),
          // Nova's mapping names no type for volumes on the cloud's default type: the volumes
          // family reports those as gp2, and AWS always names one.
          VolumeType: b.volume_type && b.volume_type !== '__DEFAULT__' ? b.volume_type : DEFAULT_EBS_VOLUME_TYPE,
          Encrypted: false,
        },
      });
    } else if (b.source_type === 'blank' && b.destination_type === 'local' && b.guest_format !== 'swap') {
      const name = b.virtual_name && /^ephemeral\d+$/.test(b.virtual_name) ? b.virtual_name : `ephemeral${ephemeral}`;
      ephemeral++;
      if (device) out.push({ DeviceName: device, VirtualName: name });
    }
  }
  for (const m of ec2MappingsOf(image)) {
    const device = deviceName(m.device)!;
    if (/^ephemeral\d+$/.test(m.virtual) && !out.some((b) => b.DeviceName === device)) {
      out.push({ DeviceName: device, VirtualName: m.virtual });
    }
  }
  return out;
}

export function formatImage(image: GlanceImage, ec2Id: string, lookups: FormatLookups): Image {
  const kind = kindOf(image);
  const { state, reason } = stateOf(image);
  const windows = isWindows(image);
  const kernel = propertyOf(image, 'kernel_id');
  const ramdisk = propertyOf(image, 'ramdisk_id');
  const vmMode = propertyOf(image, 'vm_mode');
  const item: Image = {
    ImageId: ec2Id,
    ImageLocation: propertyOf(image, 'image_location') ?? `${image.owner ?? ''}/${image.name ?? image.id}`,
    State: state,
    OwnerId: image.owner ?? undefined,
    CreationDate: isoDate(image.created_at),
    Public: isPublic(image),
    Architecture: architectureOf(image),
    ImageType: IMAGE_TYPES[kind],
    ...(kernel && kind === 'ami' ? { KernelId: lookups.imageId(kernel) } : {}),
    ...(ramdisk && kind === 'ami' ? { RamdiskId: lookups.imageId(ramdisk) } : {}),
    // AWS sends lower-case `windows` although its model's enum says `Windows`.
    ...(windows ? { Platform: 'windows' as Image['Platform'] } : {}),
    PlatformDetails: windows ? 'Windows' : 'Linux/UNIX',
    UsageOperation: windows ? 'RunInstances:0002' : 'RunInstances',
    ...(reason ? { StateReason: reason } : {}),
    ...(image.name ? { Name: image.name } : {}),
    ...(propertyOf(image, 'description') ? { Description: propertyOf(image, 'description') } : {}),
    RootDeviceType: rootDeviceTypeOf(image),
    RootDeviceName: rootDeviceNameOf(image),
    BlockDeviceMappings: blockDeviceMappingsOf(image, lookups),
    VirtualizationType: vmMode === 'xen' ? 'paravirtual' : 'hvm',
    // AWS reports xen for every current image; it is the only value its clients know.
    Hypervisor: 'xen',
  };
  return item;
}

export const glanceOf = (ctx: Pick<ActionContext, 'openstack'>) => ctx.openstack.glance;
