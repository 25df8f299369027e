/** Picks service endpoints out of a Keystone catalog for the configured interface and region. */

export interface CatalogEndpoint {
  interface: string;
  region?: string;
  region_id?: string;
  url: string;
}

export interface CatalogEntry {
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

/** The endpoints a request needs, by our own service names. */
export interface ServiceEndpoints {
  compute?: string;
  network?: string;
  volume?: string;
  image?: string;
  identity?: string;
}

/** Catalog types per service, most specific first (Cinder registers several). */
const CATALOG_TYPES: Record<keyof ServiceEndpoints, string[]> = {
  compute: ['compute'],
  network: ['network'],
  volume: ['volumev3', 'block-storage', 'volume'],
  image: ['image'],
  identity: ['identity'],
};

export function selectEndpoints(
  catalog: CatalogEntry[],
  iface: string,
  region: string | undefined,
): ServiceEndpoints {
  const out: ServiceEndpoints = {};
  for (const [name, types] of Object.entries(CATALOG_TYPES) as Array<[keyof ServiceEndpoints, string[]]>) {
    for (const type of types) {
      const entry = catalog.find((e) => e.type === type);
      const endpoint = entry?.endpoints.find(
        (ep) => ep.interface === iface && (!region || ep.region_id === region || ep.region === region),
      );
      if (endpoint) {
        out[name] = endpoint.url.replace(/\/+$/, '');
        break;
      }
    }
  }
  return out;
}
