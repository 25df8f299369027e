import { describe, expect, it } from 'vitest';
import { endpointOverrides, withOverrides } from '../../../lib/openstack/endpoint-overrides.js';
import { OpenStackError, ServiceClient } from '../../../lib/openstack/http.js';
import { toEc2Error } from '../../../lib/openstack/errors.js';
import { Ec2Error } from '../../../lib/protocol/errors.js';

describe('endpoint overrides', () => {
  it('reads OS_<TYPE>_ENDPOINT_OVERRIDE, else <type>_endpoint_override of the cloud', () => {
    const env = { OS_COMPUTE_ENDPOINT_OVERRIDE: 'http://proxy:1/v2.1/', OS_BLOCK_STORAGE_ENDPOINT_OVERRIDE: 'http://proxy:2/v3/%(project_id)s' };
    expect(endpointOverrides(env, { image_endpoint_override: 'http://proxy:3' })).toEqual({
      compute: 'http://proxy:1/v2.1',
      volume: 'http://proxy:2/v3/%(project_id)s',
      image: 'http://proxy:3',
    });
    expect(endpointOverrides({})).toEqual({});
  });

  it("replaces the catalog's endpoints, with the caller's project in templates", () => {
    const catalog = { compute: 'http://nova/v2.1', volume: 'http://cinder/v3/p1', network: 'http://neutron' };
    expect(withOverrides(catalog, { volume: 'http://proxy/v3/%(project_id)s', image: 'http://g/$(tenant_id)s' }, 'p1')).toEqual({
      compute: 'http://nova/v2.1',
      volume: 'http://proxy/v3/p1',
      network: 'http://neutron',
      image: 'http://g/p1',
    });
  });
});

describe('a service refusing the token of a verified request', () => {
  it('is Unavailable (503), never AuthFailure', () => {
    const mapped = toEc2Error(new OpenStackError('nova', 401, 'The request you have made requires authentication.', undefined, 'GET', 'x'));
    expect(mapped).toBeInstanceOf(Ec2Error);
    expect((mapped as Ec2Error).toJSON()).toMatchObject({ code: 'Unavailable', status: 503 });
  });

  it('is asked once more, whatever the method; a Keystone client (retryUnauthorized: false) is not', async () => {
    const { createServer } = await import('node:http');
    let calls = 0;
    const server = createServer((req, res) => {
      calls++;
      res.writeHead(calls === 1 ? 401 : 202, { 'content-type': 'application/json' });
      res.end(JSON.stringify(calls === 1 ? { error: { message: 'no' } } : { server: { id: 's' } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const nova = new ServiceClient({ service: 'nova', baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 5000 });
      expect(await nova.post('servers', {})).toEqual({ server: { id: 's' } });
      expect(calls).toBe(2);
      calls = 0;
      const keystone = new ServiceClient({ service: 'keystone', baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 5000, retryUnauthorized: false });
      await expect(keystone.post('ec2tokens', {})).rejects.toMatchObject({ status: 401 });
      expect(calls).toBe(1);
    } finally {
      server.close();
    }
  });
});
