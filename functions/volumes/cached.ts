/**
 * A per-project cache for a minute, for what changes rarely (volume types, zones): concurrent
 * requests of a warm function share one OpenStack call, and a failure is not remembered.
 */
const TTL_MS = 60_000;

export function perProjectCache<T>(): (projectId: string, fetch: () => Promise<T>) => Promise<T> {
  const cache = new Map<string, { at: number; value: Promise<T> }>();
  return (projectId, fetch) => {
    const hit = cache.get(projectId);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.value;
    const value = fetch();
    cache.set(projectId, { at: Date.now(), value });
    value.catch(() => cache.delete(projectId));
    return value;
  };
}
