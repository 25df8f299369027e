/**
 * One project's share of a sweeper run, each step bounded:
 * - deferred deletions: volumes gone from EC2 that Cinder still holds (lib/discards.ts);
 * - mappings (with their tags) of volumes, snapshots and images deleted outside EC2, or by a request
 *   that stopped after OpenStack's delete and before it forgot the id: a few mappings per type per
 *   run, continuing after the last one looked at (a cursor per project and type);
 * - tags of ids that no longer exist;
 * - launches that stopped half-way: finished or rolled back (launches.ts).
 * Instances are left to DescribeInstances, which knows which terminated ones must stay visible.
 */
import { sweepDiscardedVolumes, type DiscardOutcome } from '../../lib/discards.js';
import { getSnapshot, getVolume } from '../../lib/openstack/cinder.js';
import type { OpenStack } from '../../lib/openstack/clients.js';
import { OpenStackError } from '../../lib/openstack/http.js';
import { forgetMapping, type ResourceType } from '../../lib/store/ids.js';
import type { StateStore } from '../../lib/store/project-store.js';
import { existingIds } from '../../lib/store/resources.js';
import { forgetTags, parseTagKey } from '../../lib/store/tags.js';
import { getImage } from '../../lib/openstack/glance.js';
import { JOURNAL_PREFIX } from '../../lib/domain/instances/launch-journal.js';
import { journalPageSize, openStackLaunchCloud, sweepLaunchJournals, type LaunchSweep, type LaunchSweepLimits } from './launches.js';

export interface SweepLimits extends LaunchSweepLimits {
  /** Remembered volumes retried per project. */
  volumes: number;
  /** Mappings checked per project and type. */
  mappings: number;
  /** Tag items checked per project. */
  tags: number;
}

export interface ProjectSweep {
  volumes: Record<DiscardOutcome, number>;
  mappingsChecked: number;
  mappingsForgotten: number;
  tagsRemoved: number;
  launches: LaunchSweep;
}

const isNotFound = (error: unknown) => error instanceof OpenStackError && error.status === 404;

/** Whether OpenStack still has the resource (errors other than 404 count as "has": never forget on doubt). */
async function stillThere(openstack: OpenStack, type: ResourceType, uuid: string): Promise<boolean> {
  const probe: Record<string, () => Promise<unknown>> = {
    volume: () => getVolume(openstack.cinder, uuid),
    snapshot: () => getSnapshot(openstack.cinder, uuid),
    image: () => getImage(openstack.glance, uuid),
  };
  try {
    await probe[type]!();
    return true;
  } catch (error) {
    return !isNotFound(error);
  }
}

const MAPPED_TYPES: ResourceType[] = ['volume', 'snapshot', 'image'];
const cursorKey = (what: string) => `sweeper#cursor#${what}`;

/** The next page of items under `prefix` after this project's cursor, wrapping to the start. */
async function nextPage(store: StateStore, what: string, prefix: string, limit: number) {
  const cursor = (await store.get(cursorKey(what)))?.value;
  let page = await store.queryPage(prefix, limit, cursor);
  if (page.items.length === 0 && cursor) page = await store.queryPage(prefix, limit);
  const last = page.items.at(-1)?.key;
  if (page.lastKey && last) await store.put(cursorKey(what), { value: last });
  else await store.delete(cursorKey(what));
  return page.items;
}

async function sweepMappings(store: StateStore, openstack: OpenStack, type: ResourceType, limit: number) {
  const items = await nextPage(store, type, `os#${type}#`, limit);
  let forgotten = 0;
  for (const item of items) {
    if (!item.uuid || !item.ec2Id || (await stillThere(openstack, type, item.uuid))) continue;
    await forgetTags(store, item.ec2Id);
    await forgetMapping(store, type, item.ec2Id, item.uuid);
    forgotten += 1;
  }
  return { checked: items.length, forgotten };
}

async function sweepTags(store: StateStore, limit: number): Promise<number> {
  const items = await nextPage(store, 'tags', 'tag#', limit);
  const byResource = new Map<string, string[]>();
  for (const item of items) {
    const { resourceId } = parseTagKey(item.key);
    byResource.set(resourceId, [...(byResource.get(resourceId) ?? []), item.key]);
  }
  const existing = await existingIds(store, [...byResource.keys()]);
  const orphans = [...byResource].filter(([id]) => !existing.has(id)).flatMap(([, keys]) => keys);
  await store.deleteMany(orphans);
  return orphans.length;
}

export async function sweepProject(store: StateStore, openstack: OpenStack, limits: SweepLimits): Promise<ProjectSweep> {
  const volumes = await sweepDiscardedVolumes({ store, cinder: openstack.cinder }, limits.volumes);
  let mappingsChecked = 0;
  let mappingsForgotten = 0;
  for (const type of MAPPED_TYPES) {
    const { checked, forgotten } = await sweepMappings(store, openstack, type, limits.mappings);
    mappingsChecked += checked;
    mappingsForgotten += forgotten;
  }
  const tagsRemoved = await sweepTags(store, limits.tags);
  const journals = await nextPage(store, 'launches', JOURNAL_PREFIX, journalPageSize(limits));
  const launches = await sweepLaunchJournals(store, openStackLaunchCloud(openstack, store.projectId), journals, limits);
  return { volumes, mappingsChecked, mappingsForgotten, tagsRemoved, launches };
}
