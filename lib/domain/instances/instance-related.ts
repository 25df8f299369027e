/**
 * Everything an EC2 instance shows that Nova's server does not carry: ports, floating IPs,
 * security group names, volumes' attachment details, images, and the EC2 ids of all of them.
 *
 * Fetched for a batch of servers at once and only what the batch needs: a few servers are asked
 * about by id (`ports?device_id=…`, one GET per volume); a listing of the whole project reads the
 * project's ports and floating IPs in one request each, started while Nova is still listing.
 * What does not depend on Nova's answer is read while Nova answers (a `RelatedPrefetch`), so that
 * after Nova only what its servers name (volumes not known yet, images, their EC2 ids) is left.
 */
import { deferred, deferredAll } from '../../deferred.js';
import type { NeutronFloatingIp, NeutronPort, NeutronSecurityGroup } from '../../openstack/neutron.js';
import {
  floatingIpsOfPorts,
  floatingIpsOfProject,
  portsById,
  portsOfDevices,
  portsOfProject,
} from '../../openstack/neutron.js';
import type { NovaServer } from '../../openstack/nova.js';
import { OpenStackError, type ServiceClient } from '../../openstack/http.js';
import { getVolume, listVolumes } from '../../openstack/cinder.js';
import { LruMap } from '../../bounded.js';
import { getImage, type GlanceImage } from '../../openstack/glance.js';
import { config } from '../../config.js';
import { RefreshingCache } from '../../openstack/refreshing-cache.js';
import { instanceVpcIds } from '../vpc/network-vpc.js';
import { orderPorts, primaryAddressesOf } from '../vpc/network-interfaces.js';
import { securityGroupsKnown } from '../vpc/security-groups.js';
import { ec2IdsFor, ec2IdsFromMappings, mappingsOf, type IdPrefix } from '../../store/ids.js';
import type { StateStore } from '../../store/project-store.js';
import { readAllLaunchRecords, readLaunchRecords, type LaunchRecord } from './launch-record.js';

/** What loading instances needs: OpenStack clients (the caller's or a service's) and the project's table. */
export interface InstanceDeps {
  nova: ServiceClient;
  neutron: ServiceClient;
  cinder: ServiceClient;
  glance: ServiceClient;
  store: StateStore;
  /** The project the instances belong to (also what listings are narrowed to). */
  projectId: string;
  /** The EC2 region name, for DNS-style names. */
  region: string;
  /** Whether the metadata service requires IMDSv2 tokens (shown in MetadataOptions). */
  metadataTokensRequired?: boolean;
}

export interface CinderVolumeInfo {
  id: string;
  status: string;
  bootable?: string;
  attachments: Array<{ server_id: string; device: string | null; attached_at: string | null }>;
  volume_image_metadata?: Record<string, string>;
}

/**
 * Reads started before Nova answers: for a listing of the whole project (`startProjectPrefetch`), or
 * for servers asked for by id (`startServersPrefetch`).
 */
export interface RelatedPrefetch {
  /** The project's ports (whole project), or the ports of the servers asked for. */
  ports: Promise<NeutronPort[]>;
  /** The project's floating IPs, or those of `ports`. */
  floatingIps: Promise<NeutronFloatingIp[]>;
  launches: Promise<Map<string, LaunchRecord>>;
  /** Names and EC2 ids of what the instances' ports refer to, worked out while Nova lists. */
  portFacts: Promise<PortFacts>;
  /** Whether `ports` and `floatingIps` hold everything of the project (a listing). */
  wholeProject: boolean;
  /**
   * Volumes read while Nova answers: some (or all) of those the servers turn out to have attached,
   * never relied on to be complete; the attached volumes it lacks are read after Nova's answer.
   */
  volumes: Promise<Map<string, CinderVolumeInfo>>;
}

/** The reads of a listing of the whole project. */
export type ProjectPrefetch = RelatedPrefetch;
type EarlyReads = Omit<RelatedPrefetch, 'wholeProject'>;

/** What an instance's ports refer to: security group names, and EC2 ids of ports, subnets,
 * networks (VPCs) and groups. */
export interface PortFacts {
  securityGroups: Map<string, NeutronSecurityGroup>;
  ids: { port: Map<string, string>; subnet: Map<string, string>; vpc: Map<string, string>; securityGroup: Map<string, string> };
  /** Recorded primary addresses of ports with several (lib/domain/vpc/network-interfaces.ts). */
  primaryIps: Map<string, string>;
}

const isInstancePort = (p: NeutronPort) => p.device_owner.startsWith('compute:');

/**
 * Security groups by Neutron id, as the caller sees them: an instance shows its groups' names, and
 * a poll of a few instances (HTCondor's, every few seconds) would otherwise ask Neutron for the
 * same groups each time. The interfaces' describe keeps the same groups (see securityGroupsKnown);
 * a group cannot be deleted while a port uses it, so a port never names a group that is gone.
 */
const securityGroupsOf = (deps: InstanceDeps, uuids: string[]): Promise<NeutronSecurityGroup[]> =>
  securityGroupsKnown(deps.neutron, deps.projectId, uuids);

async function portFactsOf(deps: InstanceDeps, ports: NeutronPort[], wholeProject = false): Promise<PortFacts> {
  const sgUuids = [...new Set(ports.flatMap((p) => p.security_groups))];
  const idsOf = (type: Parameters<typeof ec2IdsFor>[1], uuids: Iterable<string>) => ec2IdsFor(deps.store, type, [...new Set(uuids)]);
  const portIds = ports.map((p) => p.id);
  const [groups, port, subnet, vpc, securityGroup, primaryIps] = await Promise.all([
    securityGroupsOf(deps, sgUuids),
    wholeProject
      ? mappingsOf(deps.store, 'network-interface').then((all) => ec2IdsFromMappings(deps.store, 'network-interface', portIds, all))
      : idsOf('network-interface', portIds),
    idsOf('subnet', ports.flatMap((p) => p.fixed_ips.map((f) => f.subnet_id))),
    instanceVpcIds({ ...deps, settings: config().vpc }, ports.map((p) => p.network_id)),
    idsOf('security-group', sgUuids),
    primaryAddressesOf(deps.store, ports),
  ]);
  return { securityGroups: new Map(groups.map((g) => [g.id, g])), ids: { port, subnet, vpc, securityGroup }, primaryIps };
}

function mergeFacts(a: PortFacts, b: PortFacts): PortFacts {
  const m = <K, V>(x: Map<K, V>, y: Map<K, V>) => new Map([...x, ...y]);
  return {
    securityGroups: m(a.securityGroups, b.securityGroups),
    primaryIps: m(a.primaryIps, b.primaryIps),
    ids: {
      port: m(a.ids.port, b.ids.port),
      subnet: m(a.ids.subnet, b.ids.subnet),
      vpc: m(a.ids.vpc, b.ids.vpc),
      securityGroup: m(a.ids.securityGroup, b.ids.securityGroup),
    },
  };
}

/**
 * What this container saw attached at its last look, so that the next DescribeInstances reads those
 * volumes while Nova answers instead of after: per project, whether its last listing showed any
 * attached volume (unknown: assume so), and per server the volumes it had. Only a guess of what to
 * read early: every volume shown is read from Cinder in the request that shows it. Bounded.
 */
const projectsWithVolumes = new LruMap<string, boolean>(10_000);
const serverVolumes = new LruMap<string, string[]>(10_000);
const serverKey = (deps: InstanceDeps, serverId: string) => `${deps.projectId}/${serverId}`;

/** Cinder's `in-use` volumes of the project, by id: what a listing's attached volumes almost always are. */
async function inUseVolumes(deps: InstanceDeps): Promise<Map<string, CinderVolumeInfo>> {
  return new Map((await listVolumes(deps.cinder, { status: 'in-use' })).map((v) => [v.id, v]));
}

/** These volumes by id; one that is gone is left out. */
async function volumesById(deps: InstanceDeps, ids: string[]): Promise<Map<string, CinderVolumeInfo>> {
  const out = new Map<string, CinderVolumeInfo>();
  await Promise.all(
    ids.map(async (id) => {
      try {
        out.set(id, await getVolume(deps.cinder, id));
      } catch (error) {
        if (!(error instanceof OpenStackError && error.status === 404)) throw error;
      }
    }),
  );
  return out;
}

export function startProjectPrefetch(deps: InstanceDeps): ProjectPrefetch {
  const ports = portsOfProject(deps.neutron, deps.projectId);
  // The attached volumes are known only from Nova's answer. A project whose last listing showed
  // some is asked for its in-use volumes beside Nova (one listing of about as many volumes as are
  // attached); one that showed none is not, and any volume that appears is read after Nova.
  const volumes = projectsWithVolumes.get(deps.projectId) === false ? Promise.resolve(new Map()) : inUseVolumes(deps);
  // Whoever awaits them sees the failure; until then it must not count as unhandled.
  return {
    wholeProject: true,
    ...deferredAll<EarlyReads>({
      ports,
      floatingIps: floatingIpsOfProject(deps.neutron, deps.projectId),
      launches: readAllLaunchRecords(deps.store),
      portFacts: ports.then((all) => portFactsOf(deps, all.filter(isInstancePort), true)),
      volumes,
    }),
  };
}

/**
 * The reads of a DescribeInstances of a few servers by id (HTCondor's poll), started beside Nova's
 * GETs: their ports, and from those their floating IPs and the ports' names and ids; their launch
 * records; the volumes this container last saw attached to them.
 */
export function startServersPrefetch(deps: InstanceDeps, serverIds: string[]): RelatedPrefetch {
  const ports = portsOfDevices(deps.neutron, serverIds);
  const remembered = [...new Set(serverIds.flatMap((id) => serverVolumes.get(serverKey(deps, id)) ?? []))];
  return {
    wholeProject: false,
    ...deferredAll<EarlyReads>({
      ports,
      floatingIps: ports.then((found) => floatingIpsOfPorts(deps.neutron, found.map((p) => p.id))),
      launches: readLaunchRecords(deps.store, serverIds),
      portFacts: ports.then((found) => portFactsOf(deps, found)),
      volumes: volumesById(deps, remembered),
    }),
  };
}

export interface Related {
  portsByServer: Map<string, NeutronPort[]>;
  floatingIpsByPort: Map<string, NeutronFloatingIp[]>;
  securityGroups: Map<string, NeutronSecurityGroup>;
  /** Recorded primary addresses of ports with several IPv4 addresses. */
  primaryIps?: Map<string, string>;
  volumes: Map<string, CinderVolumeInfo>;
  images: Map<string, GlanceImage | undefined>;
  launches: Map<string, LaunchRecord>;
  ids: {
    image: Map<string, string>;
    kernel: Map<string, string>;
    ramdisk: Map<string, string>;
    subnet: Map<string, string>;
    vpc: Map<string, string>;
    securityGroup: Map<string, string>;
    volume: Map<string, string>;
    port: Map<string, string>;
  };
}

const VOLUMES_BY_ID_LIMIT = 40;
/**
 * Images as the caller sees them (images rarely change and many servers share one): fresh for a
 * minute, then still answered for 15 while one refresh runs, so a listing never waits for Glance
 * after Nova has answered (it cannot ask before: the image ids come from Nova's servers). Bounded:
 * a long-lived container sees many projects and images; the oldest entries go first.
 */
const imageCache = new RefreshingCache<GlanceImage | undefined>({ freshMs: 60_000, staleMs: 15 * 60_000, maxEntries: 256 });

/** An image the caller has just read (RunInstances' checks): the views that follow need not ask Glance again. */
export function rememberImage(projectId: string, image: GlanceImage): void {
  void imageCache.fresh(`${projectId}/${image.id}`, () => Promise.resolve(image));
}

/** An image as the caller sees it; undefined when Glance does not show it to the caller. */
function imageOf(glance: ServiceClient, projectId: string, id: string): Promise<GlanceImage | undefined> {
  return imageCache.get(`${projectId}/${id}`, () =>
    getImage(glance, id).catch((error: unknown) => {
      if (error instanceof OpenStackError && (error.status === 404 || error.status === 403)) return undefined;
      throw error;
    }),
  );
}

/**
 * The attached volumes `ids`: those read while Nova answered (`early`, when it has them), the
 * others now. An early read that failed only means reading them now.
 */
async function volumesOf(
  deps: InstanceDeps,
  ids: string[],
  projectWide: boolean,
  early?: Promise<Map<string, CinderVolumeInfo>>,
): Promise<Map<string, CinderVolumeInfo>> {
  if (ids.length === 0) return new Map();
  const known = early ? await early.catch(() => new Map<string, CinderVolumeInfo>()) : new Map<string, CinderVolumeInfo>();
  const out = new Map(ids.flatMap((id) => (known.has(id) ? [[id, known.get(id)!] as const] : [])));
  const rest = ids.filter((id) => !out.has(id));
  if (rest.length === 0) return out;
  if (projectWide && rest.length > VOLUMES_BY_ID_LIMIT) {
    const wanted = new Set(rest);
    for (const v of await listVolumes(deps.cinder)) if (wanted.has(v.id)) out.set(v.id, v);
    return out;
  }
  for (const [id, volume] of await volumesById(deps, rest)) out.set(id, volume);
  return out;
}

/** What the next look at these servers reads early (see `serverVolumes`). */
function rememberVolumes(deps: InstanceDeps, servers: NovaServer[], wholeProject: boolean): void {
  let any = false;
  for (const s of servers) {
    const ids = (s['os-extended-volumes:volumes_attached'] ?? []).map((v) => v.id);
    if (ids.length) {
      any = true;
      serverVolumes.set(serverKey(deps, s.id), ids);
    } else if (serverVolumes.has(serverKey(deps, s.id))) {
      serverVolumes.delete(serverKey(deps, s.id));
    }
  }
  if (wholeProject) projectsWithVolumes.set(deps.projectId, any);
}

const imageIdOf = (server: NovaServer) => (server.image && typeof server.image === 'object' ? server.image.id : undefined);

// Device-index order is the network interfaces' business (shared with DescribeNetworkInterfaces).
export { orderPorts } from '../vpc/network-interfaces.js';

export interface RelatedOptions {
  prefetch?: RelatedPrefetch;
  launches?: Map<string, LaunchRecord>;
  /** Servers Nova has just accepted (RunInstances' answer): no port of Nova's making exists yet. */
  justAccepted?: boolean;
}

export async function fetchRelated(deps: InstanceDeps, servers: NovaServer[], options: RelatedOptions = {}): Promise<Related> {
  const serverIds = servers.map((s) => s.id);
  const wanted = new Set(serverIds);
  const { prefetch } = options;
  const wholeProject = prefetch?.wholeProject ?? false;

  const volumeIds = [...new Set(servers.flatMap((s) => (s['os-extended-volumes:volumes_attached'] ?? []).map((v) => v.id)))];
  const imageIds = [...new Set(servers.map(imageIdOf).filter((id): id is string => Boolean(id)))];
  // An instance launched through EC2 shows the AMI id its launch record holds: only the others
  // (adopted servers) need their image's EC2 id read.
  const unrecorded = servers.filter((s) => !options.launches?.get(s.id)?.imageId);
  const unrecordedImageIds = new Set(unrecorded.map(imageIdOf).filter((id): id is string => Boolean(id)));
  rememberVolumes(deps, servers, wholeProject);
  const idsOf = (type: Parameters<typeof ec2IdsFor>[1], uuids: Iterable<string>, prefix?: IdPrefix) =>
    ec2IdsFor(deps.store, type, [...new Set(uuids)], prefix ? () => prefix : undefined);
  // The EC2 ids of what Nova's answer names are read at once (one batch with the caller's other
  // reads of this turn); all of these run while the ports are read (and may fail meanwhile):
  // handled at once, awaited below.
  const imageEc2IdsP = deferred(idsOf('image', unrecordedImageIds, 'ami'));
  const volumeEc2IdsP = deferred(idsOf('volume', volumeIds));
  const volumesP = deferred(volumesOf(deps, volumeIds, wholeProject, prefetch?.volumes));
  const imagesP = deferred(Promise.all(imageIds.map(async (id) => [id, await imageOf(deps.glance, deps.projectId, id)] as const)));

  const launchesP = options.launches ? Promise.resolve(options.launches) : prefetch ? prefetch.launches : readLaunchRecords(deps.store, serverIds);
  // Nova plugs ports while it builds: servers it accepted a moment ago have only the ports their
  // launch made first (read below from the launch record).
  const allPortsP = options.justAccepted ? Promise.resolve([]) : prefetch ? prefetch.ports : portsOfDevices(deps.neutron, serverIds);

  const [all, launchesEarly] = await Promise.all([allPortsP, launchesP]);
  const found = all.filter((p) => wanted.has(p.device_id));
  // Ports made before the launch show no device until Nova has plugged them: the launch record
  // knows them (so a fixed address shows from the first answer on). A terminated instance shows
  // no port, and a listing of the whole project already holds every port of the project.
  const foundIds = new Set(found.map((p) => p.id));
  const unplugged = servers
    .filter((s) => s.status !== 'DELETED')
    .flatMap((s) => (launchesEarly.get(s.id)?.ports ?? []).filter((p) => !foundIds.has(p.portId)).map((p) => [p.portId, s.id] as const));
  const owner = new Map(unplugged);
  const late = !unplugged.length ? [] : wholeProject ? all.filter((p) => owner.has(p.id)) : await portsById(deps.neutron, [...owner.keys()]);
  const ports = [...found, ...late.map((p) => ({ ...p, device_id: p.device_id || owner.get(p.id)! }))];
  const portIds = new Set(ports.map((p) => p.id));
  const lateIds = late.map((p) => p.id);
  const fipsP = !prefetch
    ? floatingIpsOfPorts(deps.neutron, [...portIds])
    : Promise.all([prefetch.floatingIps, wholeProject ? [] : floatingIpsOfPorts(deps.neutron, lateIds)]).then(([early, more]) =>
        [...early, ...more].filter((f) => f.port_id && portIds.has(f.port_id)),
      );
  const factsP = prefetch
    ? prefetch.portFacts.then(async (facts) => {
        const uncovered = ports.filter((p) => !facts.ids.port.has(p.id));
        return uncovered.length ? mergeFacts(facts, await portFactsOf(deps, uncovered)) : facts;
      })
    : portFactsOf(deps, ports);

  const [launches, volumes, images, floatingIps, facts, imageEc2Ids, volume] = await Promise.all([
    launchesP,
    volumesP,
    imagesP.then((pairs) => new Map(pairs)),
    fipsP,
    factsP,
    imageEc2IdsP,
    volumeEc2IdsP,
  ]);

  // Kernel and ramdisk of the instance's image (Nova shows its own copy only to admins).
  const kernelIds = new Set<string>();
  const ramdiskIds = new Set<string>();
  for (const s of servers) {
    const image = images.get(imageIdOf(s) ?? '');
    const kernel = s['OS-EXT-SRV-ATTR:kernel_id'] || (image?.['kernel_id'] as string | undefined);
    const ramdisk = s['OS-EXT-SRV-ATTR:ramdisk_id'] || (image?.['ramdisk_id'] as string | undefined);
    if (kernel) kernelIds.add(kernel);
    if (ramdisk) ramdiskIds.add(ramdisk);
  }
  // Servers booted from a volume name their image in the volume's image metadata.
  const unrecordedVolumes = new Set(unrecorded.flatMap((s) => (s['os-extended-volumes:volumes_attached'] ?? []).map((v) => v.id)));
  const bootImageIds = [...volumes.values()]
    .filter((v) => unrecordedVolumes.has(v.id))
    .map((v) => v.volume_image_metadata?.['image_id'])
    .filter((id): id is string => Boolean(id) && !imageEc2Ids.has(id!));
  // (No read at all when there are none: the usual case.)
  const [bootImage, kernel, ramdisk] = await Promise.all([idsOf('image', bootImageIds, 'ami'), idsOf('image', kernelIds, 'aki'), idsOf('image', ramdiskIds, 'ari')]);
  const image = new Map([...imageEc2Ids, ...bootImage]);

  const portsByServer = new Map<string, NeutronPort[]>();
  for (const p of ports) {
    const list = portsByServer.get(p.device_id) ?? [];
    list.push(p);
    portsByServer.set(p.device_id, list);
  }
  for (const [serverId, list] of portsByServer) portsByServer.set(serverId, orderPorts(list, launches.get(serverId)));
  const floatingIpsByPort = new Map<string, NeutronFloatingIp[]>();
  for (const f of floatingIps) {
    if (!f.port_id) continue;
    floatingIpsByPort.set(f.port_id, [...(floatingIpsByPort.get(f.port_id) ?? []), f]);
  }
  return {
    portsByServer,
    floatingIpsByPort,
    securityGroups: facts.securityGroups,
    primaryIps: facts.primaryIps,
    volumes,
    images,
    launches,
    ids: { image, kernel, ramdisk, volume, ...facts.ids },
  };
}
