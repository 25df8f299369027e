/**
 * The OpenStack services of one request, reached with the caller's own token and the endpoints of
 * the caller's catalog. Clients are built on first use, so a request pays only for what it calls.
 */
import type { Caller } from '../auth/authenticator.js';
import { config } from '../config.js';
import { serviceUnavailable } from '../protocol/errors.js';
import type { ServiceEndpoints } from './catalog.js';
import { withOverrides } from './endpoint-overrides.js';
import { ServiceClient } from './http.js';

/** Cinder microversion: 3.60 filters volumes by time, 3.41 reports snapshot/volume user ids. */
export const CINDER_MICROVERSION = '3.60';

/** Appends the API version a catalog URL may or may not already carry. */
export function withVersion(url: string, version: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return /\/v\d+(\.\d+)?$/.test(trimmed) ? trimmed : `${trimmed}/${version}`;
}

export class OpenStack {
  private readonly clients = new Map<string, ServiceClient>();

  constructor(
    private readonly token: string,
    private readonly endpoints: ServiceEndpoints,
  ) {}

  static forCaller(caller: Pick<Caller, 'token' | 'endpoints'> & Partial<Pick<Caller, 'projectId'>>): OpenStack {
    return new OpenStack(caller.token, withOverrides(caller.endpoints, config().openstack.endpointOverrides, caller.projectId));
  }

  private client(name: keyof ServiceEndpoints, service: string, build: (url: string) => string, headers: Record<string, string> = {}) {
    let client = this.clients.get(name);
    if (!client) {
      const url = this.endpoints[name];
      if (!url) throw serviceUnavailable(`The cloud's catalog has no ${name} endpoint for this region.`);
      client = new ServiceClient({
        service,
        baseUrl: build(url),
        headers: { 'x-auth-token': this.token, ...headers },
        timeoutMs: config().openstack.timeoutMs,
      });
      this.clients.set(name, client);
    }
    return client;
  }

  get nova(): ServiceClient {
    return this.client('compute', 'nova', (u) => u, {
      'x-openstack-nova-api-version': config().openstack.novaMicroversion,
      'openstack-api-version': `compute ${config().openstack.novaMicroversion}`,
    });
  }

  get neutron(): ServiceClient {
    return this.client('network', 'neutron', (u) => withVersion(u, 'v2.0'));
  }

  get cinder(): ServiceClient {
    return this.client('volume', 'cinder', (u) => u, { 'openstack-api-version': `volume ${CINDER_MICROVERSION}` });
  }

  get glance(): ServiceClient {
    return this.client('image', 'glance', (u) => withVersion(u, 'v2'));
  }

  get keystone(): ServiceClient {
    return this.client('identity', 'keystone', (u) => withVersion(u, 'v3'));
  }
}
