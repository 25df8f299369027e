/**
 * Neutron objects by id, kept per container for the describes that show them but never change
 * them through EC2 (security group names on interfaces, a VPN connection's IKE and IPsec policies):
 * a describe would otherwise ask Neutron for the same objects every time, and Neutron, one process
 * shared by every request, answers the calls a describe makes one after another. An entry is fresh
 * for a minute, then still answered for 15 while one refresh runs behind it (a change made in
 * Neutron directly shows after that refresh). Bounded; the oldest entries go first.
 */
import { RefreshingCache } from '../../openstack/refreshing-cache.js';

export class KeptById<T extends { id: string }> {
  private readonly cache: RefreshingCache<T | undefined>;

  constructor(maxEntries: number) {
    this.cache = new RefreshingCache<T | undefined>({ freshMs: 60_000, staleMs: 15 * 60_000, maxEntries });
  }

  /**
   * The objects of these ids the caller can see (`scope`: the project, so callers never share
   * entries). The ids not kept yet are read in one request; kept ones refresh one by one, behind
   * the answer.
   */
  async get(scope: string, ids: string[], readMany: (ids: string[]) => Promise<T[]>): Promise<T[]> {
    const unique = [...new Set(ids)];
    const key = (id: string) => `${scope}/${id}`;
    const unknown = unique.filter((id) => !this.cache.isFresh(key(id)) && !this.cache.servesStale(key(id)));
    if (unknown.length) {
      const read = readMany(unknown);
      for (const id of unknown) void this.cache.fresh(key(id), () => read.then((found) => found.find((o) => o.id === id)));
    }
    const readOne = (id: string) => () => readMany([id]).then((found) => found.find((o) => o.id === id));
    const found: Array<T | undefined> = await Promise.all(unique.map((id) => this.cache.get(key(id), readOne(id))));
    return found.filter((o): o is T => o !== undefined);
  }
}
