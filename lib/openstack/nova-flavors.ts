/**
 * Nova flavors, which EC2 calls instance types. Flavors change rarely, so a project's list is kept
 * for a minute: RunInstances and DescribeInstances/DescribeInstanceTypes then need no extra call.
 */
import type { ServiceClient } from './http.js';

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

const TTL_MS = 60_000;
const cache = new Map<string, { at: number; flavors: Promise<Flavor[]> }>();

/** Every flavor the project may use (public and those shared with it), cached per project. */
export function listFlavors(nova: ServiceClient, projectId: string): Promise<Flavor[]> {
  const hit = cache.get(projectId);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.flavors;
  const flavors = nova
    .get<{ flavors: Flavor[] }>('flavors/detail', { is_public: 'None' })
    .then((body) => body.flavors);
  cache.set(projectId, { at: Date.now(), flavors });
  flavors.catch(() => cache.delete(projectId));
  return flavors;
}

export async function flavorByName(nova: ServiceClient, projectId: string, name: string): Promise<Flavor | undefined> {
  return (await listFlavors(nova, projectId)).find((f) => f.name === name);
}

export async function flavorById(nova: ServiceClient, projectId: string, id: string): Promise<Flavor | undefined> {
  return (await listFlavors(nova, projectId)).find((f) => f.id === id);
}
