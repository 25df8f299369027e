/**
 * `GET /` is the EC2 endpoint's route (presigned EC2 calls) on a gateway shared with the metadata
 * service: the front door answers the metadata version list when the metadata agent asks.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { handleEc2Request, type FrontDoorDeps } from '../../../functions/ec2/front-door.js';
import { SECRET, agentHeaders, request } from './fixtures.js';

beforeAll(() => {
  // config() is read on first use, after this.
  process.env['METADATA_SHARED_SECRET'] = SECRET;
});

function deps() {
  const authenticate = vi.fn(async () => {
    throw new Error('the EC2 path must not run for the metadata agent');
  });
  const invoke = vi.fn();
  return { deps: { authenticator: { authenticate }, dispatcher: { invoke } } as unknown as FrontDoorDeps, authenticate };
}

describe('the front door and the metadata agent', () => {
  it('answers the version list to a signed agent request without touching EC2 authentication', async () => {
    const { deps: d, authenticate } = deps();
    const response = await handleEc2Request(request('GET', '/'), d);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain');
    expect(response.body.split('\n').at(-1)).toBe('latest');
    expect(authenticate).not.toHaveBeenCalled();
  });

  it('refuses a forged agent signature with 403', async () => {
    const { deps: d } = deps();
    const response = await handleEc2Request(request('GET', '/', agentHeaders({ secret: 'forged' })), d);
    expect(response.statusCode).toBe(403);
  });

  it('leaves EC2 requests (an Action, or no X-Instance-ID) to the EC2 path', async () => {
    const { deps: d, authenticate } = deps();
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    await handleEc2Request({ ...request('GET', '/'), query: { Action: 'DescribeRegions' } }, d);
    await handleEc2Request(request('GET', '/', {}), d);
    spy.mockRestore();
    log.mockRestore();
    expect(authenticate).toHaveBeenCalledTimes(2);
  });
});
