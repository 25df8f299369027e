/**
 * OpenStack as the EC2 service itself sees it: clients built from the service user's token and
 * catalog (the metadata function has no caller's token; the agent's signature is its authority).
 * Reading any project's servers needs that user to hold `admin` (see the README). Every request
 * is counted, for the logs and the benchmark.
 */
import { config } from '../../lib/config.js';
import { selectEndpoints, type ServiceEndpoints } from '../../lib/openstack/catalog.js';
import { CINDER_MICROVERSION, withVersion } from '../../lib/openstack/clients.js';
import { ServiceClient, type Method, type RequestOptions, type ServiceResponse } from '../../lib/openstack/http.js';
import { serviceSession } from '../../lib/openstack/keystone.js';
import { openstackCalls } from '../../lib/domain/metadata/log.js';

class CountedClient extends ServiceClient {
  override request<T>(method: Method, path: string, options?: RequestOptions): Promise<ServiceResponse<T>> {
    const service = this.options.service;
    openstackCalls[service] = (openstackCalls[service] ?? 0) + 1;
    return super.request<T>(method, path, options);
  }
}

export interface ServiceClients {
  nova: ServiceClient;
  neutron: ServiceClient;
  cinder: ServiceClient;
  glance: ServiceClient;
}

let current: { tokenId: string; clients: ServiceClients } | undefined;

function build(token: string, endpoints: ServiceEndpoints): ServiceClients {
  const client = (service: string, url: string | undefined, headers: Record<string, string> = {}) => {
    if (!url) throw new Error(`the service user's catalog has no ${service} endpoint`);
    return new CountedClient({
      service,
      baseUrl: url,
      headers: { 'x-auth-token': token, ...headers },
      timeoutMs: config().openstack.timeoutMs,
    });
  };
  const microversion = config().openstack.novaMicroversion;
  return {
    nova: client('nova', endpoints.compute, {
      'x-openstack-nova-api-version': microversion,
      'openstack-api-version': `compute ${microversion}`,
    }),
    neutron: client('neutron', endpoints.network && withVersion(endpoints.network, 'v2.0')),
    cinder: client('cinder', endpoints.volume, { 'openstack-api-version': `volume ${CINDER_MICROVERSION}` }),
    glance: client('glance', endpoints.image && withVersion(endpoints.image, 'v2')),
  };
}

/** The clients of the service user's current token (rebuilt when the token is renewed). */
export async function serviceClients(): Promise<ServiceClients> {
  const token = await serviceSession.get();
  if (current?.tokenId !== token.id) {
    const { interface: iface, region } = config().openstack;
    current = { tokenId: token.id, clients: build(token.id, selectEndpoints(token.catalog, iface, region)) };
  }
  return current.clients;
}

/** Drops the token after OpenStack refused it (revoked, or expired early). */
export function renewServiceToken(): void {
  serviceSession.invalidate();
  current = undefined;
}
