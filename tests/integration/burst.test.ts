/**
 * An HTCondor-style burst against the endpoint: concurrent clients each launching with a
 * ClientToken, polling DescribeInstances until running, terminating. Valid requests once failed
 * here with AuthFailure (Keystone judged concurrent requests with each other's tokens) and with
 * 500s; a failure of ours or of OpenStack must be a 503 a client retries, never AuthFailure.
 * Bounded: BURST_JOBS (default 16) jobs on BURST_CLIENTS (default 8) clients; 60 jobs on 15 clients reproduced the AuthFailures.
 */
import { DescribeInstancesCommand, EC2Client, type _InstanceType } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteNetwork, networkFixture, sleep, type NetworkFixture } from './instances-fixtures.js';
import { endpointInfo, profileOf, uniqueName } from './support/env.js';
import { runBurst } from './support/burst.js';
import { openstackAs, type DirectOpenStack } from './support/openstack.js';

const JOBS = Number(process.env['BURST_JOBS'] ?? 16);
const CLIENTS = Number(process.env['BURST_CLIENTS'] ?? 8);
const prefix = uniqueName('it-burst');
let os: DirectOpenStack;
let fx: NetworkFixture;

/** A client of its own per worker, without the SDK's retries: every failure counts. */
function client(): EC2Client {
  const info = endpointInfo();
  const p = profileOf('demo');
  return new EC2Client({ endpoint: info.endpoint, region: info.region, credentials: { accessKeyId: p.ec2.access, secretAccessKey: p.ec2.secret }, maxAttempts: 1 });
}

async function serversOfPrefix(): Promise<Array<{ id: string; name: string }>> {
  return (await os.nova.get<{ servers: Array<{ id: string; name: string }> }>('servers', { name: `^${prefix}-` })).servers;
}

beforeAll(async () => {
  os = await openstackAs('demo');
  fx = await networkFixture(os, client(), prefix);
}, 600_000);

afterAll(async () => {
  if (!os) return;
  const left = [...(await serversOfPrefix()), ...(fx ? [{ id: fx.helper.serverId, name: 'helper' }] : [])];
  await Promise.all(left.map((s) => os.nova.delete(`servers/${s.id}`).catch(() => undefined)));
  await sleep(5000);
  if (fx) await deleteNetwork(os, fx.networkId);
}, 300_000);

describe('an HTCondor-style burst', () => {
  it(`${JOBS} jobs on ${CLIENTS} clients: no AuthFailure, no 500, one instance per ClientToken, all terminated`, async () => {
    const result = await runBurst({ jobs: JOBS, clients: CLIENTS, client, imageId: fx.imageId, subnetId: fx.subnetId, instanceType: 'm1.tiny' as _InstanceType, prefix });
    console.log(JSON.stringify({ burst: { jobs: JOBS, clients: CLIENTS, ms: result.ms, calls: result.calls, errors: result.errors.length } }));
    // 503s (Unavailable, RequestLimitExceeded) are what a loaded cloud may answer, and clients retry
    // them; a valid credential refused, or a 500, is our bug.
    expect(result.errors.filter((e) => e.status !== 503)).toEqual([]);
    expect(new Set(result.instanceIds).size).toBe(JOBS);
    const byToken = new Map<string, string[]>();
    const { Reservations } = await client().send(new DescribeInstancesCommand({ InstanceIds: [...new Set(result.instanceIds)] }));
    for (const i of (Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      byToken.set(i.ClientToken!, [...(byToken.get(i.ClientToken!) ?? []), i.InstanceId!]);
      expect(['shutting-down', 'terminated']).toContain(i.State?.Name);
    }
    expect([...byToken.values()].every((ids) => ids.length === 1)).toBe(true);
    expect(byToken.size).toBe(JOBS);
  }, 600_000);
});
