/**
 * RunInstances: checks everything it can before touching OpenStack, then launches with ONE Nova
 * multi-create (min_count / max_count) when Nova can make the ports itself, else makes the ports in
 * Neutron and creates the servers one by one. When anything fails after OpenStack accepted part of
 * it, what was made is removed again — servers (and with them the volumes Nova made for them),
 * ports, public addresses, table items — and the error is answered.
 */
import { randomBytes } from 'node:crypto';
import type { ActionContext } from '../../lib/context.js';
import { OpenStackError } from '../../lib/openstack/http.js';
import { mapErrors, toEc2Error } from '../../lib/openstack/errors.js';
import { getImage, type GlanceImage } from '../../lib/openstack/glance.js';
import { createFloatingIp, deleteFloatingIp, deletePort, type NeutronPort } from '../../lib/openstack/neutron.js';
import { flavorByName, type Flavor } from '../../lib/openstack/nova-flavors.js';
import {
  absoluteLimits,
  availabilityZones,
  createServers,
  deleteServerUntilGone,
  keypairExists,
  listServerIds,
  serversAdmitted,
  supports,
  type NovaCreateServer,
  type NovaServer,
} from '../../lib/openstack/nova.js';
import { Ec2Error, invalidParameterValue, missingParameter, notFound } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { claimNewEc2Ids, forgetMapping, newEc2Id, forgetRememberedUuids, rememberUuids, rememberedUuids, requireUuid } from '../../lib/store/ids.js';
import { putAll, type PutEntry } from '../../lib/store/project-store.js';
import { deleteTags, newResourceTagItems, validateTags, type Tag } from '../../lib/store/tags.js';
import type { Reservation, RunInstancesRequest } from '../../schemas/types.js';
import { depsFor, loadInstanceViews } from '../../lib/domain/instances/instance-model.js';
import { planDevices, type DevicePlan } from './launch-devices.js';
import { createNicPort, defaultNetworkChanged, planNetwork, type NetworkPlan, type NicSpec } from './launch-network.js';
import { deleteLaunchRecords, launchRecordItem, type LaunchPort, type LaunchRecord } from '../../lib/domain/instances/launch-record.js';
import { rememberImage } from '../../lib/domain/instances/instance-related.js';
import { closeLaunchJournal, doneJournalItem, type LaunchJournal, launchPortName, openLaunchJournal, reopenLaunchJournal, serversOfLaunch } from '../../lib/domain/instances/launch-journal.js';
import { reservationsOf } from './reservations.js';
import { retry as retryWork } from '../../lib/wait.js';
import { LruMap } from '../../lib/bounded.js';
import { deferred } from '../../lib/deferred.js';
import { logger } from '../../lib/log.js';

export interface LaunchPlan {
  min: number;
  max: number;
  image: GlanceImage;
  /** Resolves once Glance confirms `image` (see `imageOf`); a launch answers only after it has. */
  imageConfirmed: () => Promise<void>;
  imageEc2Id: string;
  flavor: Flavor;
  keyName?: string;
  /** Exactly the bytes given, base64. */
  userData?: string;
  availabilityZone?: string;
  network: NetworkPlan;
  devices: DevicePlan;
  instanceTags: Tag[];
  volumeTags: Tag[];
  interfaceTags: Tag[];
  name: string | undefined;
}

/** AWS's limit on user data (Nova's is 64 KiB of base64, which this stays under). */
const USER_DATA_MAX = 16 * 1024;
const DEFAULT_INSTANCE_TYPE = 'm1.small';
const TAGGABLE = ['instance', 'volume', 'network-interface'];
/** A launch's id claims sent together (MaxCount is at most Nova's quota, tens in practice). */
const CLAIMS_AT_ONCE = 64;

const unsupported = (what: string) => new Ec2Error('UnsupportedOperation', `${what} is not supported by this cloud.`);

function checkUnsupported(input: RunInstancesRequest): void {
  if (input.KernelId || input.RamdiskId) {
    throw unsupported('Choosing a kernel or ramdisk at launch (the image\'s kernel_id / ramdisk_id properties are used)');
  }
  if (input.LaunchTemplate) throw unsupported('Launching from a launch template');
  if (input.InstanceMarketOptions) throw unsupported('Spot instances');
  if (input.ElasticGpuSpecification?.length || input.ElasticInferenceAccelerators?.length) throw unsupported('Elastic GPUs and inference accelerators');
  if (input.HibernationOptions?.Configured) throw new Ec2Error('UnsupportedHibernationConfiguration', 'Hibernation is not supported by this cloud.');
  if (input.Ipv6AddressCount || input.Ipv6Addresses?.length) throw unsupported('Assigning IPv6 addresses at launch');
  if (input.LicenseSpecifications?.length) throw unsupported('License configurations');
  if (input.EnclaveOptions?.Enabled) throw unsupported('Nitro Enclaves');
  if (input.CapacityReservationSpecification?.CapacityReservationTarget) throw unsupported('Capacity reservations');
  const placement = input.Placement ?? {};
  if (placement.Tenancy && placement.Tenancy !== 'default') throw unsupported(`Tenancy '${placement.Tenancy}'`);
  if (placement.HostId || placement.HostResourceGroupArn || placement.Affinity) throw unsupported('Dedicated hosts');
  if (placement.GroupName || placement.GroupId) {
    const group = placement.GroupName ?? placement.GroupId;
    throw new Ec2Error('InvalidPlacementGroup.Unknown', `The Placement Group '${group}' is unknown.`);
  }
}

function checkMetadataOptions(ctx: ActionContext, input: RunInstancesRequest): void {
  const m = input.MetadataOptions;
  if (!m) return;
  const tokens = ctx.config.metadata.requireToken ? 'required' : 'optional';
  if ((m.HttpTokens && m.HttpTokens !== tokens) || m.HttpEndpoint === 'disabled' || m.InstanceMetadataTags === 'enabled') {
    throw unsupported(`Per-instance metadata options (this cloud's metadata service has HttpTokens=${tokens}, endpoint enabled)`);
  }
}

function userDataOf(text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    throw invalidParameterValue('Invalid BASE64 encoding of user data.');
  }
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length > USER_DATA_MAX) throw invalidParameterValue(`User data is limited to ${USER_DATA_MAX} bytes.`);
  return bytes.toString('base64');
}

function tagsByType(input: RunInstancesRequest): { instance: Tag[]; volume: Tag[]; 'network-interface': Tag[] } {
  const out = { instance: [] as Tag[], volume: [] as Tag[], 'network-interface': [] as Tag[] };
  for (const spec of input.TagSpecifications ?? []) {
    if (!spec.ResourceType) throw missingParameter('TagSpecification.ResourceType');
    if (!TAGGABLE.includes(spec.ResourceType)) {
      throw invalidParameterValue(`'${spec.ResourceType}' is not a valid taggable resource type for this operation.`);
    }
    out[spec.ResourceType as keyof typeof out].push(...validateTags(spec.Tags ?? []));
  }
  return out;
}

/** The image as read for a launch, and how it is confirmed (see `imageOf`). */
interface ImageChoice {
  image: GlanceImage;
  /** Resolves once Glance, read now with the caller's token, agrees with `image`. */
  confirmed: () => Promise<void>;
}

/**
 * Images this container read for launches, per project (what Glance shows a caller depends on its
 * project) and UUID, for `IMAGE_KEPT_MS`. Glance is read at every launch all the same; the copy only
 * lets the launch build Nova's request while that read runs (see `imageOf`).
 */
const IMAGE_KEPT_MS = 10 * 60_000;
const launchImages = new LruMap<string, { image: GlanceImage; at: number }>(256);

/** The launch's image changed in Glance since the copy the launch was built from: made again. */
class ImageChangedSinceRead extends Error {}

function usable(ec2Id: string, image: GlanceImage): GlanceImage {
  if (image.status !== 'active') {
    throw new Ec2Error('InvalidAMIID.Unavailable', `The image id '[${ec2Id}]' is not available (its state is ${image.status}).`);
  }
  return image;
}

/**
 * The image to launch. An id this container has resolved before goes to Glance at once, while the
 * table confirms it (nothing is launched before it has; an id it no longer has is NotFound).
 *
 * An image this container read for a launch in the last `IMAGE_KEPT_MS` is not waited for: the
 * launch is built from that copy while Glance is read again, beside Nova's POST (`confirmed`,
 * awaited by `launch` before it answers, and by DryRun before it does). How stale that is: not at
 * all for the answer. A launch whose image Glance no longer shows the caller (NotFound) or shows
 * not active (Unavailable) is rolled back and refused, as if the read had come first — Nova, which
 * reads the image itself with the caller's token, refuses those too. One whose image record changed
 * since the copy (its `updated_at`: properties edited, which may change the block devices) is rolled
 * back and planned again from the new record. What is kept is only an image's facts for building the
 * request, the one thing Glance's answer could change being known before Nova answers.
 */
async function imageOf(ctx: ActionContext, ec2Id: string): Promise<ImageChoice> {
  const projectId = ctx.caller.projectId;
  const read = (uuid: string) =>
    mapErrors(() => getImage(ctx.openstack.glance, uuid), {
      notFound: () => notFound(ID_ERRORS.image.notFound, ec2Id, ID_ERRORS.image.noun),
    }).then((image) => {
      launchImages.set(`${projectId}/${uuid}`, { image, at: Date.now() });
      return image;
    });
  const guess = rememberedUuids(projectId, [ec2Id])?.get(ec2Id);
  const early = guess === undefined ? undefined : read(guess);
  early?.catch(() => undefined);
  let uuid: string;
  try {
    uuid = await requireUuid(ctx.store, ec2Id, ['ami'], ID_ERRORS.image);
  } catch (error) {
    forgetRememberedUuids(projectId, [ec2Id]);
    throw error;
  }
  rememberUuids(projectId, new Map([[ec2Id, uuid]]));
  const kept = launchImages.get(`${projectId}/${uuid}`);
  if (kept && uuid === guess && Date.now() - kept.at < IMAGE_KEPT_MS && kept.image.status === 'active') {
    const confirming = deferred(
      early!.then((fresh) => {
        usable(ec2Id, fresh);
        if (fresh.updated_at !== kept.image.updated_at) throw new ImageChangedSinceRead(`image ${uuid} changed since it was read`);
      }),
    );
    return { image: kept.image, confirmed: () => confirming };
  }
  const image = usable(ec2Id, uuid === guess ? await early! : await read(uuid));
  return { image, confirmed: () => Promise.resolve() };
}

/**
 * What DryRun verifies: the plan, and Glance's answer on its image (a plan built from an image
 * record that has changed since is made again from the record just read).
 */
export async function checkLaunch(ctx: ActionContext, input: RunInstancesRequest, planned: Promise<LaunchPlan>): Promise<void> {
  try {
    await (await planned).imageConfirmed();
  } catch (error) {
    if (!(error instanceof ImageChangedSinceRead)) throw error;
    await (await planLaunch(ctx, input)).imageConfirmed();
  }
}

/** Everything RunInstances checks before it launches (also what DryRun verifies). */
export async function planLaunch(ctx: ActionContext, input: RunInstancesRequest): Promise<LaunchPlan> {
  checkUnsupported(input);
  checkMetadataOptions(ctx, input);
  if (!input.ImageId) throw missingParameter('ImageId');
  if (input.MinCount < 1) throw invalidParameterValue(`Value (${input.MinCount}) for parameter minCount is invalid. Expected a value greater than 0.`);
  if (input.MaxCount < input.MinCount) {
    throw invalidParameterValue(`Value (${input.MaxCount}) for parameter maxCount is invalid. Expected a value greater than or equal to minCount.`);
  }
  const userData = userDataOf(input.UserData);
  const tags = tagsByType(input);
  const nova = ctx.openstack.nova;
  const typeName = input.InstanceType ?? DEFAULT_INSTANCE_TYPE;
  // Where the instances plug in depends on nothing else: looked up while the rest is checked.
  const networkP = planNetwork(ctx, input);
  networkP.catch(() => undefined);
  const [{ image, confirmed: imageConfirmed }, flavor, keyOk, zones, canSwitchLater] = await Promise.all([
    imageOf(ctx, input.ImageId),
    mapErrors(() => flavorByName(nova, ctx.caller.projectId, typeName)),
    input.KeyName === undefined ? true : mapErrors(() => keypairExists(nova, input.KeyName!)),
    input.Placement?.AvailabilityZone ? mapErrors(() => availabilityZones(nova)) : undefined,
    supports(nova, '2.85'),
  ]);
  if (!flavor) throw invalidParameterValue(`Invalid value '${typeName}' for InstanceType.`);
  if (!keyOk) throw new Ec2Error('InvalidKeyPair.NotFound', `The key pair '${input.KeyName}' does not exist`);
  const zone = input.Placement?.AvailabilityZone;
  if (zone && !zones!.some((z) => z.zoneName === zone)) throw invalidParameterValue(`Invalid availability zone: [${zone}]`);
  const [network, devices] = await Promise.all([
    networkP,
    planDevices(ctx, input.BlockDeviceMappings ?? [], image, flavor, { canSwitchLater }),
  ]);
  return {
    min: input.MinCount,
    max: input.MaxCount,
    image,
    imageConfirmed,
    imageEc2Id: input.ImageId,
    flavor,
    keyName: input.KeyName,
    userData,
    availabilityZone: zone,
    network,
    devices,
    instanceTags: tags.instance,
    volumeTags: tags.volume,
    interfaceTags: tags['network-interface'],
    name: nameTagOf(input),
  };
}

// ---- launching

/** What a launch made so far, to be undone if it fails. */
interface Made {
  /**
   * The launch's server name and reservation (Nova keeps it in the server's metadata): a create
   * whose answer was lost made servers we never learnt the ids of; the rollback finds them by these.
   */
  sweep?: { name: string; reservationId: string };
  novaReservationIds: string[];
  servers: string[];
  ports: string[];
  floatingIps: string[];
  instanceIds: Map<string, string>;
  interfaceIds: Map<string, string>;
  /** Rollback steps that failed (what they left is the sweeper's, through the launch journal). */
  rollbackFailures: string[];
}

interface Launched {
  server: NovaServer;
  index: number;
  ports: LaunchPort[];
  floatingIps: string[];
}

const quotaError = (message: string) => {
  const m = /Requested (\d+), but already used (\d+) of (\d+)/.exec(message);
  const left = m ? Math.max(0, Number(m[3]) - Number(m[2])) : undefined;
  return new Ec2Error(
    'InstanceLimitExceeded',
    left !== undefined
      ? `Your quota allows for ${left} more running instance(s). You requested at least ${m![1]}. (${message})`
      : `You have requested more instances than your current instance limit allows. (${message})`,
  );
};

function novaError(error: unknown): unknown {
  if (error instanceof OpenStackError && /automatically allocate a network|get-me-a-network|No valid network/i.test(error.message)) {
    return new Ec2Error('VPCIdNotSpecified', `No default VPC for this user: ${error.message}`);
  }
  return toEc2Error(error, { quota: quotaError });
}

function serverBody(ctx: ActionContext, plan: LaunchPlan, name: string, reservationId: string): NovaCreateServer {
  return {
    name,
    flavorRef: plan.flavor.id,
    ...(plan.devices.omitImageRef ? {} : { imageRef: plan.image.id }),
    ...(plan.keyName !== undefined ? { key_name: plan.keyName } : {}),
    ...(plan.userData ? { user_data: plan.userData } : {}),
    ...(plan.availabilityZone ? { availability_zone: plan.availabilityZone } : {}),
    ...(plan.devices.bdms.length ? { block_device_mapping_v2: plan.devices.bdms } : {}),
    networks: 'none',
    metadata: { 'ec2:reservation-id': reservationId },
  };
}

/**
 * A server Nova has just accepted, as RunInstances answers it: Nova's id and name with what the
 * request asked for (Nova's own record says the same until it has scheduled the server). This
 * spares a detailed listing of the servers just made.
 */
function acceptedServer(ctx: ActionContext, plan: LaunchPlan, id: string, name: string, reservationId: string): NovaServer {
  const now = new Date().toISOString();
  const f = plan.flavor;
  return {
    id,
    name,
    status: 'BUILD',
    tenant_id: ctx.caller.projectId,
    user_id: ctx.caller.userId,
    image: plan.devices.omitImageRef ? '' : { id: plan.image.id },
    flavor: { original_name: f.name, vcpus: f.vcpus, ram: f.ram, disk: f.disk, ephemeral: f['OS-FLV-EXT-DATA:ephemeral'] ?? 0, swap: Number(f.swap) || 0 },
    created: now,
    updated: now,
    addresses: {},
    key_name: plan.keyName ?? null,
    metadata: { 'ec2:reservation-id': reservationId },
    'OS-EXT-AZ:availability_zone': plan.availabilityZone ?? '',
    'OS-SRV-USG:launched_at': null,
    'OS-EXT-STS:vm_state': 'building',
    'OS-EXT-STS:task_state': 'scheduling',
    'OS-EXT-STS:power_state': 0,
    'os-extended-volumes:volumes_attached': [],
  };
}

/** Nova names the servers of a multi-create `<name>-<n>` (n from 1): that gives the launch index. */
function launchOrder(servers: NovaServer[], name: string): NovaServer[] {
  const indexOf = (s: NovaServer) =>
    s['OS-EXT-SRV-ATTR:launch_index'] ?? (s.name.startsWith(`${name}-`) ? Number(s.name.slice(name.length + 1)) - 1 : NaN);
  return [...servers].sort((a, b) => {
    const x = indexOf(a);
    const y = indexOf(b);
    if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
    return a.created.localeCompare(b.created) || a.id.localeCompare(b.id);
  });
}

async function launchTogether(ctx: ActionContext, plan: LaunchPlan, name: string, reservationId: string, made: Made): Promise<Launched[]> {
  const nova = ctx.openstack.nova;
  const { network } = plan;
  const groups = network.nics[0]?.securityGroups;
  const body: NovaCreateServer = {
    ...serverBody(ctx, plan, name, reservationId),
    networks: network.auto ? 'auto' : network.nics.map((n) => ({ uuid: n.networkId })),
    ...(groups ? { security_groups: groups.map((id) => ({ name: id })) } : {}),
  };
  if (plan.max === 1) {
    let serverId: string | undefined;
    try {
      serverId = (await createServers(nova, body)).serverId;
    } catch (error) {
      throw novaError(error);
    }
    made.servers.push(serverId!);
    return [{ server: acceptedServer(ctx, plan, serverId!, name, reservationId), index: 0, ports: [], floatingIps: [] }];
  }
  let result: { reservationId?: string };
  try {
    result = await createServers(nova, { ...body, min_count: plan.min, max_count: plan.max, return_reservation_id: true });
  } catch (error) {
    throw novaError(error);
  }
  made.novaReservationIds.push(result.reservationId!);
  const listed = await listServerIds(nova, { reservation_id: result.reservationId! });
  made.servers.push(...listed.map((s) => s.id));
  if (listed.length < plan.min) throw new Error(`Nova made ${listed.length} servers, fewer than the ${plan.min} asked for`);
  const servers = listed.map((s) => acceptedServer(ctx, plan, s.id, s.name, reservationId));
  return launchOrder(servers, name).map((server, index) => ({ server, index, ports: [], floatingIps: [] }));
}

async function launchOne(
  ctx: ActionContext,
  plan: LaunchPlan,
  name: string,
  reservationId: string,
  index: number,
  made: Made,
): Promise<Launched> {
  const ports: Array<{ port: NeutronPort | { id: string }; nic: NicSpec }> = [];
  const floatingIps: string[] = [];
  for (const nic of plan.network.nics) {
    if (nic.existingPortId) {
      ports.push({ port: { id: nic.existingPortId }, nic });
      continue;
    }
    const port = await createNicPort(ctx, nic, launchPortName(name, reservationId, nic.deviceIndex));
    made.ports.push(port.id);
    ports.push({ port, nic });
    if (nic.floatingNetworkId) {
      const fip = await mapErrors(() => createFloatingIp(ctx.openstack.neutron, nic.floatingNetworkId!, port.id), {
        quota: (m) => new Ec2Error('AddressLimitExceeded', m),
      });
      made.floatingIps.push(fip.id);
      floatingIps.push(fip.id);
    }
  }
  const body: NovaCreateServer = { ...serverBody(ctx, plan, name, reservationId), networks: ports.map(({ port }) => ({ port: port.id })) };
  let serverId: string | undefined;
  try {
    serverId = (await createServers(ctx.openstack.nova, body)).serverId;
  } catch (error) {
    throw novaError(error);
  }
  made.servers.push(serverId!);
  return {
    server: acceptedServer(ctx, plan, serverId!, name, reservationId),
    index,
    ports: ports.map(({ port, nic }) => ({ portId: port.id, deviceIndex: nic.deviceIndex, deleteOnTermination: nic.deleteOnTermination })),
    floatingIps,
  };
}

/**
 * Nova's API checks quota against servers already built, so creates sent one after another can all
 * pass and the conductor's recheck then leaves the extra servers in ERROR: launch only as many as
 * the quota admits (Nova's multi-create does this itself).
 */
async function admittedCount(ctx: ActionContext, plan: LaunchPlan): Promise<number> {
  const admitted = serversAdmitted(await mapErrors(() => absoluteLimits(ctx.openstack.nova)), plan.flavor);
  if (admitted < plan.min) {
    throw new Ec2Error(
      'InstanceLimitExceeded',
      `Your quota allows for ${admitted} more running instance(s) of type ${plan.flavor.name}. You requested at least ${plan.min}.`,
    );
  }
  return Math.min(plan.max, admitted);
}

/** Ports first, then one server at a time (a few in parallel): Nova cannot share ports out itself. */
async function launchEach(ctx: ActionContext, plan: LaunchPlan, name: string, reservationId: string, made: Made): Promise<Launched[]> {
  const results: Array<PromiseSettledResult<Launched>> = [];
  const CONCURRENCY = 4;
  for (let start = 0; start < plan.max; start += CONCURRENCY) {
    const batch = Array.from({ length: Math.min(CONCURRENCY, plan.max - start) }, (_, k) => start + k);
    const settled = await Promise.allSettled(
      batch.map((i) => launchOne(ctx, plan, plan.max > 1 ? `${name}-${i + 1}` : name, reservationId, i, made)),
    );
    results.push(...settled);
    if (settled.some((r) => r.status === 'rejected')) break;
  }
  const launched = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  let failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length === 0) return launched;
  const isQuota = (f: unknown) => f instanceof Ec2Error && f.code === 'InstanceLimitExceeded';
  // Requests that raced for the last of the quota may have all been refused: try the missing
  // ones again one at a time until the quota really says no.
  if (failures.every(isQuota)) {
    const done = new Set(launched.map((l) => l.index));
    failures = [];
    for (let i = 0; i < plan.max && launched.length < plan.max; i++) {
      if (done.has(i)) continue;
      try {
        launched.push(await launchOne(ctx, plan, plan.max > 1 ? `${name}-${i + 1}` : name, reservationId, i, made));
      } catch (error) {
        failures.push(error);
        break;
      }
    }
  }
  // Launch as many as the quota allows, as AWS does, when that is at least MinCount.
  if (failures.length && (!failures.every(isQuota) || launched.length < plan.min)) throw failures[0];
  // Ports and addresses made for the attempts Nova refused go again.
  const kept = new Set(launched.flatMap((l) => [...l.ports.map((p) => p.portId), ...l.floatingIps]));
  await undoResources(ctx, { ...made, sweep: undefined, servers: [], novaReservationIds: [], ports: made.ports.filter((p) => !kept.has(p)), floatingIps: made.floatingIps.filter((f) => !kept.has(f)) });
  made.ports = made.ports.filter((p) => kept.has(p));
  made.floatingIps = made.floatingIps.filter((f) => kept.has(f));
  return launched.sort((a, b) => a.index - b.index).map((l, index) => ({ ...l, index }));
}

const warn = (msg: string, fields: Record<string, unknown>) => logger.warn(msg, fields);

/** Rollback steps are tried three times; what still fails is logged, noted in `failures` and left. */
async function retry<T>(what: string, work: () => Promise<T>, failures?: string[]): Promise<T | undefined> {
  return retryWork(work, { attempts: 3, intervalMs: 500, factor: 2 }).catch((error: unknown) => {
    warn(`rollback: ${what} failed`, { error: String(error) });
    failures?.push(what);
    return undefined;
  });
}

/** Removes from OpenStack what a failed launch made. */
async function undoResources(ctx: ActionContext, made: Made): Promise<void> {
  const nova = ctx.openstack.nova;
  const neutron = ctx.openstack.neutron;
  // Servers Nova made whose create answer never reached us (a dropped connection).
  if (made.sweep) {
    const { name, reservationId } = made.sweep;
    const found = await retry('finding the launch by name', () => serversOfLaunch(nova, name, reservationId), made.rollbackFailures);
    for (const id of found ?? []) if (!made.servers.includes(id)) made.servers.push(id);
  }
  // Servers Nova made that we may not have seen listed yet.
  for (const rid of made.novaReservationIds) {
    const listed = await retry('listing the reservation', () => listServerIds(nova, { reservation_id: rid }), made.rollbackFailures);
    for (const s of listed ?? []) if (!made.servers.includes(s.id)) made.servers.push(s.id);
  }
  await Promise.all(
    made.servers.map((id) =>
      retry(`deleting server ${id}`, async () => {
        if (!(await deleteServerUntilGone(nova, id, 20_000))) {
          warn('rollback: server still present', { serverId: id });
          made.rollbackFailures.push(`server ${id} still present`);
        }
      }, made.rollbackFailures),
    ),
  );
  await Promise.all(made.floatingIps.map((id) => retry(`releasing floating IP ${id}`, () => deleteFloatingIp(neutron, id), made.rollbackFailures)));
  await Promise.all(made.ports.map((id) => retry(`deleting port ${id}`, () => deletePort(neutron, id), made.rollbackFailures)));
}

async function undoRecords(ctx: ActionContext, made: Made): Promise<void> {
  const store = ctx.store;
  const ids = [...made.instanceIds.values(), ...made.interfaceIds.values()];
  const failures = made.rollbackFailures;
  await retry('deleting tags', () => deleteTags(store, ids), failures);
  await retry('deleting launch records', () => deleteLaunchRecords(store, [...made.instanceIds.keys()]), failures);
  await Promise.all([
    ...[...made.instanceIds].map(([uuid, id]) => retry('forgetting an instance id', () => forgetMapping(store, 'instance', id, uuid), failures)),
    ...[...made.interfaceIds].map(([uuid, id]) => retry('forgetting an interface id', () => forgetMapping(store, 'network-interface', id, uuid), failures)),
  ]);
}

export interface LaunchResult {
  reservation: Reservation;
  reservationId: string;
  serverIds: string[];
}

/** A launch's reservation and server name, and its journal being written (see `openLaunch`). */
export interface OpenedLaunch {
  reservationId: string;
  name: string;
  /** The journal once written (its write has a handler from the start: a failure is met here). */
  journal: () => Promise<LaunchJournal>;
}

/** The servers' name: the instance's Name tag, else (undefined) the reservation id. */
function nameTagOf(input: RunInstancesRequest): string | undefined {
  const tags = (input.TagSpecifications ?? []).filter((s) => s.ResourceType === 'instance').flatMap((s) => s.Tags ?? []);
  return tags.find((t) => t.Key === 'Name')?.Value || undefined;
}

/**
 * Picks the reservation id and starts writing the launch journal: what the sweeper needs to
 * finish or undo this launch if the function stops half-way (lib/domain/instances/launch-journal.ts).
 * `launch` makes nothing before the journal is written, so it can be opened while the plan is
 * still checked; a plan that fails closes it again (`launchOnCurrentNetwork`).
 */
export function openLaunch(ctx: ActionContext, input: RunInstancesRequest): OpenedLaunch {
  const reservationId = `r-${randomBytes(9).toString('hex').slice(0, 17)}`;
  const name = nameTagOf(input) ?? reservationId;
  const journal = openLaunchJournal(ctx.store, { reservationId, name, ...(input.ClientToken ? { clientToken: input.ClientToken } : {}) });
  journal.catch(() => undefined);
  return { reservationId, name, journal: () => journal };
}

export interface LaunchOptions {
  /** An item written in the batch that records the launch (the ClientToken's outcome). */
  outcomeItem?: (launched: { reservationId: string; serverIds: string[] }) => PutEntry;
}

export async function launch(
  ctx: ActionContext,
  input: RunInstancesRequest,
  plan: LaunchPlan,
  options: LaunchOptions = {},
  opened = openLaunch(ctx, input),
): Promise<LaunchResult> {
  const { reservationId, name } = opened;
  const made: Made = { sweep: { name, reservationId }, novaReservationIds: [], servers: [], ports: [], floatingIps: [], instanceIds: new Map(), interfaceIds: new Map(), rollbackFailures: [] };
  const journal = await opened.journal();
  // Taken before Nova is asked, at Nova's precision (whole seconds): every port Nova makes for the
  // servers is created at or after it, which is how the interface views tell them apart from
  // ports that existed before (lib/domain/vpc/network-interfaces.ts attachmentOf). A time taken
  // after Nova's answer could follow a port a fast Nova already made.
  const launchedAt = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
  try {
    // Glance's confirmation of the image runs beside Nova's work; both settle before a failure
    // rolls back, so the rollback knows every server made.
    const [launchedResult, imageConfirmed] = await Promise.allSettled([
      plan.network.novaPorts
        ? launchTogether(ctx, plan, name, reservationId, made)
        : admittedCount(ctx, plan).then((max) => launchEach(ctx, { ...plan, max }, name, reservationId, made)),
      plan.imageConfirmed(),
    ]);
    // Glance's refusal first: Nova's for the same image (400, "not active") says less.
    if (imageConfirmed.status === 'rejected') throw imageConfirmed.reason;
    if (launchedResult.status === 'rejected') throw launchedResult.reason;
    const launched = launchedResult.value;
    const store = ctx.store;
    const ourPorts = launched.flatMap((l) => l.ports.map((p) => p.portId));
    const tagInterfaces = plan.interfaceTags.length > 0 && ourPorts.length > 0;
    const recordsFor = (ec2Ids: Map<string, string>) =>
      launched.map(
        (l): LaunchRecord => ({
          instanceId: ec2Ids.get(l.server.id)!,
          serverId: l.server.id,
          origin: 'ec2',
          reservationId,
          launchIndex: l.index,
          launchedAt,
          imageId: plan.imageEc2Id,
          keyName: plan.keyName,
          clientToken: input.ClientToken,
          userData: plan.userData,
          rootDeviceName: plan.devices.rootDeviceName,
          rootDeviceType: plan.devices.bootFromVolume ? 'ebs' : 'instance-store',
          ...(plan.devices.deviceNames.length ? { deviceNames: plan.devices.deviceNames } : {}),
          disableApiTermination: input.DisableApiTermination ?? false,
          disableApiStop: input.DisableApiStop ?? false,
          shutdownBehavior: input.InstanceInitiatedShutdownBehavior ?? 'stop',
          ...(l.ports.length ? { ports: l.ports } : {}),
          ...(l.floatingIps.length ? { floatingIps: l.floatingIps } : {}),
          ...pendingOf(plan, l),
        }),
      );
    // The plan read the image a moment ago: the views need not ask Glance again.
    if (!plan.devices.omitImageRef) rememberImage(ctx.caller.projectId, plan.image);
    const viewsOf = (ec2Ids: Map<string, string>, records: LaunchRecord[]) =>
      loadInstanceViews(
        depsFor(ctx),
        launched.map((l) => ({ server: l.server, ec2Id: ec2Ids.get(l.server.id)!, tags: plan.instanceTags })),
        { launches: new Map(records.map((r) => [r.serverId, r])), justAccepted: true },
      );
    // The new ids are claimed with a condition (a describe racing us may have named a server
    // first); everything else is new and unconditional, so it goes in one batch write below. The
    // answer is made under the ids this launch expects to win while they are claimed (all at
    // once: a launch's servers are few, and each claim is one small conditional write); where a
    // describe won one first, it is made again under the ids that hold.
    const candidates = new Map(launched.map((l) => [l.server.id, newEc2Id('i')]));
    const [claimed, expectedViews] = await Promise.allSettled([
      Promise.all([
        claimNewEc2Ids(store, 'instance', launched.map((l) => l.server.id), 'i', (uuid, id) => made.instanceIds.set(uuid, id), {
          candidates,
          concurrency: CLAIMS_AT_ONCE,
        }),
        tagInterfaces
          ? claimNewEc2Ids(store, 'network-interface', ourPorts, 'eni', (uuid, id) => made.interfaceIds.set(uuid, id), { concurrency: CLAIMS_AT_ONCE })
          : undefined,
      ]),
      viewsOf(candidates, recordsFor(candidates)),
    ]);
    if (claimed.status === 'rejected') throw claimed.reason;
    const [instances, interfaces] = claimed.value;
    const records = recordsFor(instances.ec2Ids);
    const items = [
      ...instances.reverseItems,
      ...records.map(launchRecordItem),
      ...newResourceTagItems([...instances.ec2Ids.values()], plan.instanceTags),
      ...(interfaces ? [...interfaces.reverseItems, ...newResourceTagItems([...interfaces.ec2Ids.values()], plan.interfaceTags)] : []),
      doneJournalItem(journal, launched.map((l) => l.server.id)),
      ...(options.outcomeItem ? [options.outcomeItem({ reservationId, serverIds: launched.map((l) => l.server.id) })] : []),
    ];
    const allWon = [...candidates].every(([uuid, id]) => instances.ec2Ids.get(uuid) === id);
    // Both settle before a failure rolls back, so no write lands after the rollback.
    const [viewsResult, written] = await Promise.allSettled([
      allWon && expectedViews.status === 'fulfilled' ? expectedViews.value : viewsOf(instances.ec2Ids, records),
      putAll(store, items),
    ]);
    if (written.status === 'rejected') throw written.reason;
    if (viewsResult.status === 'rejected') throw viewsResult.reason;
    const views = viewsResult.value;
    const [reservation] = reservationsOf(views);
    return { reservation: reservation!, reservationId, serverIds: launched.map((l) => l.server.id) };
  } catch (error) {
    await undoResources(ctx, made);
    await undoRecords(ctx, made);
    // A complete rollback ends the journal; else it stays open for the sweeper (reopened: a done
    // mark written in a batch that then failed would name the servers just deleted).
    await retry('settling the launch journal', () =>
      made.rollbackFailures.length ? reopenLaunchJournal(ctx.store, journal) : closeLaunchJournal(ctx.store, journal),
    );
    throw error;
  }
}

/**
 * One more attempt when a launch failed on the project's default network as remembered past its
 * freshness and that network has changed since (deleted, or no longer the one to use): planned
 * afresh and launched again. Any other failure is the answer. The failed attempt has rolled back
 * what it made before this is decided.
 */
export async function relaunchOnChangedNetwork<P extends { network: NetworkPlan }, R>(
  plan: P,
  attempt: (plan: P) => Promise<R>,
  replan: () => Promise<P>,
  changed: (networkId: string) => Promise<boolean>,
): Promise<R> {
  try {
    return await attempt(plan);
  } catch (error) {
    const stale = plan.network.nics.find((n) => n.staleDefault);
    if (!stale || !(await changed(stale.networkId).catch(() => false))) throw error;
    logger.warn('launch failed on a remembered default network that has changed since: launching on the current one', { networkId: stale.networkId });
    return attempt(await replan());
  }
}

/**
 * `launch` once `plan` is made, with its journal written meanwhile; again on a fresh plan (and a
 * new journal) when its remembered default network turns out to have changed, or the image record
 * it was built from (see `imageOf`).
 */
export async function launchOnCurrentNetwork(
  ctx: ActionContext,
  input: RunInstancesRequest,
  planned: Promise<LaunchPlan>,
  options: LaunchOptions = {},
): Promise<LaunchResult> {
  let opened: OpenedLaunch | undefined = openLaunch(ctx, input);
  let plan: LaunchPlan;
  try {
    plan = await planned;
  } catch (error) {
    // Nothing was made: the journal goes again (left behind, the sweeper would close it).
    await opened.journal().then((journal) => closeLaunchJournal(ctx.store, journal)).catch(() => undefined);
    throw error;
  }
  const attempt = () =>
    relaunchOnChangedNetwork(
      plan,
      (p) => {
        const first = opened;
        opened = undefined;
        return launch(ctx, input, p, options, first);
      },
      () => planLaunch(ctx, input),
      (networkId) => defaultNetworkChanged(ctx, networkId),
    );
  try {
    return await attempt();
  } catch (error) {
    if (!(error instanceof ImageChangedSinceRead)) throw error;
    // Built from an image record that has changed since (see `imageOf`): rolled back by now, and
    // made again from the record just read.
    logger.warn('launch built from an image record that changed since: launching again', { imageId: input.ImageId });
    plan = await planLaunch(ctx, input);
    return attempt();
  }
}

/** Work left for when Nova has built the servers (it makes their volumes and ports only then). */
function pendingOf(plan: LaunchPlan, l: Launched): Pick<LaunchRecord, 'pending'> {
  const pending: NonNullable<LaunchRecord['pending']> = {};
  if (plan.volumeTags.length) pending.volumeTags = plan.volumeTags;
  if (plan.interfaceTags.length && l.ports.length === 0) pending.interfaceTags = plan.interfaceTags;
  if (plan.devices.keepVolumes.length) pending.keepVolumes = plan.devices.keepVolumes;
  return Object.keys(pending).length ? { pending } : {};
}
