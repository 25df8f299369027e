/**
 * Operator overrides of catalog endpoints, one per service, as OpenStack's own clients take them
 * (`OS_COMPUTE_ENDPOINT_OVERRIDE`, or `compute_endpoint_override` in clouds.yaml): to reach a service
 * through a proxy or another address than the catalog publishes. `%(project_id)s` / `$(project_id)s`
 * in an override stand for the caller's project, as in Keystone catalog templates.
 */
import type { ServiceEndpoints } from './catalog.js';

/** The override names of our services (OpenStack service types; Cinder answers to both). */
const NAMES: Record<Exclude<keyof ServiceEndpoints, 'identity'>, string[]> = {
  compute: ['compute'],
  network: ['network'],
  volume: ['volume', 'block_storage'],
  image: ['image'],
};

/** Overrides from OS_<TYPE>_ENDPOINT_OVERRIDE variables, else `<type>_endpoint_override` of the cloud. */
export function endpointOverrides(env: Record<string, string | undefined>, cloud: Record<string, unknown> = {}): ServiceEndpoints {
  const out: ServiceEndpoints = {};
  for (const [service, names] of Object.entries(NAMES) as Array<[keyof ServiceEndpoints, string[]]>) {
    for (const name of names) {
      const value = env[`OS_${name.toUpperCase()}_ENDPOINT_OVERRIDE`] ?? cloud[`${name}_endpoint_override`];
      if (typeof value === 'string' && value) {
        out[service] = value.replace(/\/+$/, '');
        break;
      }
    }
  }
  return out;
}

/** The caller's endpoints with the overrides in place. */
export function withOverrides(endpoints: ServiceEndpoints, overrides: ServiceEndpoints, projectId: string | undefined): ServiceEndpoints {
  const out = { ...endpoints };
  for (const [service, url] of Object.entries(overrides) as Array<[keyof ServiceEndpoints, string]>) {
    out[service] = projectId ? url.replace(/[%$]\(project_id\)s|[%$]\(tenant_id\)s/g, projectId) : url;
  }
  return out;
}
