/**
 * What HTCondor's EC2 GAHP does for a burst of N jobs, through our endpoint and then the same
 * pattern straight to Nova with the same user's token, at C concurrent clients:
 * - per job one RunInstances (MinCount = MaxCount = 1, a ClientToken of its own; on a timeout the
 *   same request with the same token again, as the GAHP does);
 * - DescribeInstances of that one instance id every few seconds until it is running;
 * - TerminateInstances.
 * Nova's side: POST servers (min_count = max_count = 1), GET servers/{id} polling until ACTIVE,
 * DELETE servers/{id}. Prints instances per minute, p50/p99 of each call, errors, the Keystone and
 * OpenStack calls per job (EC2_TRACE_OPENSTACK lines and the front door's Keystone counter in the
 * endpoint's log; start the endpoint with EC2_TRACE_OPENSTACK=1), and the ratio of wall times.
 *
 * Runs in a project of its own (user, EC2 credential, quotas, network), deleted at the end with
 * everything in it. Each phase is bounded (BENCH_PHASE_SECONDS, default 600): jobs not done by
 * then count as errors.
 *
 *   npx tsx bench/htcondor-burst.ts [jobs=20] [clients=5]       e.g. 100 20
 *   BENCH_POLL_SECONDS=3 (polling interval), BENCH_CALL_TIMEOUT_SECONDS=60 (the GAHP's retry point)
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeImagesCommand, DescribeInstancesCommand, EC2Client, RunInstancesCommand, TerminateInstancesCommand, type _InstanceType } from '@aws-sdk/client-ec2';
import { endpointCpuSeconds, endpointInfo, endpointRssMb, fixtures, fmt, loadAverage, percentile, recordRatio, runDir } from './support.js';
import { callsInLog } from './log-lines.js';
import { makeProject, removeProject, servers, sleep, type Project } from './instances-project.js';

const jobs = Number(process.argv[2] ?? 20);
const clients = Number(process.argv[3] ?? 5);
const pollMs = Number(process.env['BENCH_POLL_SECONDS'] ?? 3) * 1000;
const callTimeoutMs = Number(process.env['BENCH_CALL_TIMEOUT_SECONDS'] ?? 60) * 1000;
const phaseMs = Number(process.env['BENCH_PHASE_SECONDS'] ?? 600) * 1000;
const RETRIES = 3;
const NOVA = { 'x-openstack-nova-api-version': '2.90', 'openstack-api-version': 'compute 2.90' };
const logPath = join(runDir, 'logs/offline.log');

type Call = 'launch' | 'poll' | 'terminate';

/** Per-call latencies, errors and retries of one phase. */
class Tally {
  readonly ms: Record<Call, number[]> = { launch: [], poll: [], terminate: [] };
  readonly errors: string[] = [];
  retries = 0;
  done = 0;

  async time<T>(call: Call, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.ms[call].push(performance.now() - started);
    }
  }

  summary(call: Call): string {
    const sorted = [...this.ms[call]].sort((a, b) => a - b);
    return `${String(sorted.length).padStart(5)} calls  p50 ${fmt(percentile(sorted, 50)).padStart(10)}  p99 ${fmt(percentile(sorted, 99)).padStart(10)}`;
  }
}

/** What one client does for one job; resolves when the instance is gone again. */
interface JobPattern {
  launch(token: string, signal: AbortSignal): Promise<string>;
  /** True when running; throws when the instance failed. */
  running(id: string): Promise<boolean>;
  terminate(id: string): Promise<void>;
}

const isTimeout = (error: unknown) => error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
const describe = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message.slice(0, 120)}` : String(error));

async function runJob(pattern: JobPattern, tally: Tally, deadline: number): Promise<void> {
  const token = randomUUID();
  let id: string | undefined;
  for (let attempt = 1; !id; attempt++) {
    try {
      id = await tally.time('launch', () => pattern.launch(token, AbortSignal.timeout(callTimeoutMs)));
    } catch (error) {
      if (!isTimeout(error) || attempt >= RETRIES) throw error;
      tally.retries++;
    }
  }
  try {
    for (;;) {
      if (Date.now() > deadline) throw new Error('not running before the phase ended');
      await sleep(pollMs);
      if (await tally.time('poll', () => pattern.running(id))) break;
    }
  } finally {
    await tally.time('terminate', () => pattern.terminate(id));
  }
}

async function phase(name: string, pattern: JobPattern): Promise<{ tally: Tally; wallMs: number }> {
  const tally = new Tally();
  const deadline = Date.now() + phaseMs;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < jobs && Date.now() < deadline) {
        next++;
        try {
          await runJob(pattern, tally, deadline);
          tally.done++;
        } catch (error) {
          tally.errors.push(describe(error));
        }
      }
    }),
  );
  const wallMs = performance.now() - started;
  if (next < jobs) tally.errors.push(`${jobs - next} jobs not started before the phase ended`);
  console.log(`  ${name}: ${tally.done}/${jobs} jobs in ${(wallMs / 1000).toFixed(1)} s = ${((tally.done / wallMs) * 60_000).toFixed(1)} instances/min, ${tally.retries} launch retries`);
  console.log(`    launch    ${tally.summary('launch')}`);
  console.log(`    poll      ${tally.summary('poll')}`);
  console.log(`    terminate ${tally.summary('terminate')}`);
  const counted = new Map<string, number>();
  for (const e of tally.errors) counted.set(e, (counted.get(e) ?? 0) + 1);
  console.log(`    errors    ${tally.errors.length}${tally.errors.length ? `: ${[...counted].map(([e, n]) => `${n}x ${e}`).join('; ')}` : ''}`);
  return { tally, wallMs };
}

async function emptied(p: Project): Promise<void> {
  for (let i = 0; i < 120 && (await servers(p)).length; i++) await sleep(3000);
}

const p = await makeProject('bench-condor', Math.min(jobs, clients * 2) + 5);
let networkId: string | undefined;
try {
  const net = (await p.neutron.post<{ network: { id: string } }>('networks', { network: { name: 'bench' } })).network;
  networkId = net.id;
  await p.neutron.post('subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.252.0.0/22' } });
  const { flavors } = await p.nova.get<{ flavors: Array<{ id: string; name: string }> }>('flavors');
  const flavorId = flavors.find((f) => f.name === 'm1.tiny')!.id;
  const info = endpointInfo();
  const ec2 = new EC2Client({ endpoint: info.endpoint, region: info.region, credentials: p.credentials, maxAttempts: 1 });
  const { Images } = await ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: [fixtures().imageName] }] }));
  const imageId = Images![0]!.ImageId!;

  const throughEc2: JobPattern = {
    async launch(token, signal) {
      const out = await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: 'm1.tiny' as _InstanceType, MinCount: 1, MaxCount: 1, ClientToken: token }), { abortSignal: signal });
      return out.Instances![0]!.InstanceId!;
    },
    async running(id) {
      const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
      const state = out.Reservations?.[0]?.Instances?.[0]?.State?.Name;
      if (state === 'terminated' || state === 'shutting-down') throw new Error(`instance went ${state}`);
      return state === 'running';
    },
    async terminate(id) {
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    },
  };
  const novaUrl = p.nova.options.baseUrl.replace(/\/+$/, '');
  const nova = async <T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> => {
    const response = await fetch(`${novaUrl}/${path}`, {
      method,
      headers: { 'x-auth-token': p.token, 'content-type': 'application/json', accept: 'application/json', ...NOVA },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`Nova ${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
    return (text ? JSON.parse(text) : {}) as T;
  };
  const straightToNova: JobPattern = {
    async launch(token, signal) {
      // Nova has no client token (a retry after a timeout may make a second server): the server is named after it.
      const json = { server: { name: `condor-${token}`, imageRef: fixtures().imageId, flavorRef: flavorId, min_count: 1, max_count: 1, networks: [{ uuid: net.id }] } };
      return (await nova<{ server: { id: string } }>('POST', 'servers', json, signal)).server.id;
    },
    async running(id) {
      const { server } = await nova<{ server: { status: string } }>('GET', `servers/${id}`);
      if (server.status === 'ERROR') throw new Error('server went to ERROR');
      return server.status === 'ACTIVE';
    },
    async terminate(id) {
      await nova('DELETE', `servers/${id}`);
    },
  };

  console.log(`HTCondor-style burst: ${jobs} jobs, ${clients} clients, polling every ${pollMs / 1000} s; load average ${loadAverage()}`);
  const logOffset = statSync(logPath).size;
  const rssBefore = endpointRssMb();
  const cpuBefore = endpointCpuSeconds();
  const ours = await phase(`through ${info.endpoint}`, throughEc2);
  const cpuAfter = endpointCpuSeconds();
  const cpu = cpuBefore === undefined || cpuAfter === undefined ? '?' : `${cpuAfter - cpuBefore} CPU s in the burst (${((cpuAfter - cpuBefore) / jobs).toFixed(2)} per job)`;
  console.log(`    serverless-offline's process group: ${rssBefore ?? '?'} MB RSS before the burst, ${endpointRssMb() ?? '?'} MB after; ${cpu}`);
  await sleep(500); // the last log lines
  const log = readFileSync(logPath);
  const calls = callsInLog(log.subarray(0, logOffset).toString('utf8'), log.subarray(logOffset).toString('utf8'));
  await emptied(p);
  const direct = await phase('straight to Nova', straightToNova);
  await emptied(p);

  const perJob = (n: number) => (n / jobs).toFixed(1);
  const openstack = [...calls.byService].filter(([s]) => s !== 'keystone').reduce((k, [, n]) => k + n, 0);
  console.log(
    `  OpenStack calls per job through us: ${perJob(openstack)} (${[...calls.byService].map(([s, n]) => `${s} ${perJob(n)}`).join(', ') || 'no EC2_TRACE_OPENSTACK lines: start the endpoint with EC2_TRACE_OPENSTACK=1'}); ` +
      `Keystone calls per job through us ${perJob(calls.byService.get('keystone') ?? 0)} (trace lines of every function; of them ${perJob(calls.frontDoorKeystone)} for the front door's signature checks); straight to Nova: ${perJob(direct.tally.ms.launch.length + direct.tally.ms.poll.length + direct.tally.ms.terminate.length)} Nova calls, 0 Keystone`,
  );
  const ratio = ours.wallMs / direct.wallMs;
  console.log(`  wall time ${(ours.wallMs / 1000).toFixed(1)} s vs ${(direct.wallMs / 1000).toFixed(1)} s: ratio ${ratio.toFixed(2)}; load average now ${loadAverage()}`);
  const p50 = (t: Tally) => percentile([...t.ms.launch].sort((a, b) => a - b), 50);
  recordRatio({
    bench: 'htcondor-burst',
    label: `HTCondor burst ${jobs} jobs / ${clients} clients, wall time`,
    oursMs: ours.wallMs,
    direct: 'same pattern to Nova',
    directMs: direct.wallMs,
    note: `errors ${ours.tally.errors.length} vs ${direct.tally.errors.length}; per job ${perJob(openstack)} OpenStack + ${perJob(calls.byService.get('keystone') ?? 0)} Keystone calls`,
  });
  recordRatio({ bench: 'htcondor-burst', label: `  RunInstances MaxCount=1 in the burst`, oursMs: p50(ours.tally), direct: 'Nova POST servers', directMs: p50(direct.tally) });
} finally {
  console.log('cleaning up…');
  await removeProject(p, networkId);
}
