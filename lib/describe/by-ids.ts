/**
 * Resources by OpenStack id for a describe that names them: one GET each while they are few, one
 * listing of the project (filtered here) once that is cheaper. Ids OpenStack no longer shows are
 * left out.
 */
import { mapErrors } from '../openstack/errors.js';
import { OpenStackError } from '../openstack/http.js';

export interface ByIdsSource<T extends { id: string }> {
  /** One resource; a 404 counts as gone. */
  get(id: string): Promise<T>;
  /** Every resource of the project. */
  list(): Promise<T[]>;
  /** Up to this many ids, single GETs beat a listing. */
  singleGetLimit: number;
}

export async function fetchByIds<T extends { id: string }>(ids: string[], source: ByIdsSource<T>): Promise<T[]> {
  if (ids.length > source.singleGetLimit) {
    const wanted = new Set(ids);
    return (await mapErrors(() => source.list())).filter((item) => wanted.has(item.id));
  }
  const found = await Promise.all(
    ids.map((id) =>
      mapErrors(() =>
        source.get(id).catch((error: unknown) => {
          if (error instanceof OpenStackError && error.status === 404) return undefined;
          throw error;
        }),
      ),
    ),
  );
  return found.filter((item): item is Awaited<T> => item !== undefined);
}
