import { LruMap } from '../../lib/bounded.js';

/**
 * A per-project cache for what changes rarely (volume types, zones): concurrent requests of a warm
 * function share one OpenStack call, and a failure is not remembered. An answer is fresh for a
 * minute; for ten minutes after that it is still served while a refresh runs beside the request
 * (so the refresh's latency is nobody's), and then it is dropped. It holds at most MAX_PROJECTS
 * projects: a container serving many projects drops the least recently used.
 */
const FRESH_MS = 60_000;
const STALE_MS = 600_000;
const MAX_PROJECTS = 500;

interface Entry<T> {
  at: number;
  value: Promise<T>;
  refreshing?: boolean;
}

export function perProjectCache<T>(): (projectId: string, fetch: () => Promise<T>) => Promise<T> {
  const cache = new LruMap<string, Entry<T>>(MAX_PROJECTS);
  const load = (projectId: string, fetch: () => Promise<T>): Promise<T> => {
    const entry: Entry<T> = { at: Date.now(), value: fetch() };
    cache.set(projectId, entry);
    entry.value.catch(() => {
      if (cache.get(projectId) === entry) cache.delete(projectId);
    });
    return entry.value;
  };
  return (projectId, fetch) => {
    const hit = cache.get(projectId);
    const age = hit ? Date.now() - hit.at : Infinity;
    if (!hit || age >= STALE_MS) return load(projectId, fetch);
    if (age >= FRESH_MS && !hit.refreshing) {
      hit.refreshing = true;
      const next = fetch();
      next.then(
        () => {
          if (cache.get(projectId) === hit) cache.set(projectId, { at: Date.now(), value: next });
        },
        () => {
          hit.refreshing = false;
        },
      );
    }
    return hit.value;
  };
}
