/**
 * Nova flavors, which EC2 calls instance types. Flavors change rarely, so a project's list is kept
 * (see `flavors` below): RunInstances and DescribeInstances/DescribeInstanceTypes then need no extra call.
 */
import type { ServiceClient } from './http.js';
import { RefreshingCache } from './refreshing-cache.js';

export interface Flavor {
  id: string;
  name: string;
  vcpus: number;
  /** MiB */
  ram: number;
  /** GiB */
  disk: number;
  swap: number | '';
  'OS-FLV-EXT-DATA:ephemeral'?: number;
  'os-flavor-access:is_public'?: boolean;
  extra_specs?: Record<string, string>;
  description?: string | null;
}

/**
 * Fresh for a minute; for a quarter of an hour after that the list still answers while a refresh
 * runs behind it (a launch then need not wait for `flavors/detail`, which queues behind the launches
 * themselves in a burst). A name or id the stale list lacks is looked up in a fresh one.
 */
const flavors = new RefreshingCache<Flavor[]>({ freshMs: 60_000, staleMs: 15 * 60_000, maxEntries: 256 });

const readFlavors = (nova: ServiceClient) => () =>
  nova.get<{ flavors: Flavor[] }>('flavors/detail', { is_public: 'None' }).then((body) => body.flavors);

/** Every flavor the project may use (public and those shared with it), cached per project. */
export function listFlavors(nova: ServiceClient, projectId: string): Promise<Flavor[]> {
  return flavors.get(projectId, readFlavors(nova));
}

async function findFlavor(nova: ServiceClient, projectId: string, match: (f: Flavor) => boolean): Promise<Flavor | undefined> {
  const found = (await listFlavors(nova, projectId)).find(match);
  if (found || flavors.isFresh(projectId)) return found;
  return (await flavors.fresh(projectId, readFlavors(nova))).find(match);
}

export async function flavorByName(nova: ServiceClient, projectId: string, name: string): Promise<Flavor | undefined> {
  return findFlavor(nova, projectId, (f) => f.name === name);
}

export async function flavorById(nova: ServiceClient, projectId: string, id: string): Promise<Flavor | undefined> {
  return findFlavor(nova, projectId, (f) => f.id === id);
}
