/**
 * DescribeInstances over N servers through the full path (EC2 client -> front door -> instances
 * function -> Nova/Neutron/table -> XML -> client) against Nova's own `GET servers/detail` for the
 * same N servers, with the same user's token. Prints medians and the ratio (goal: <= 1.2). Then
 * HTCondor's poll: DescribeInstances of one instance id against Nova's `GET servers/{id}` of the
 * same server, in turn.
 *
 * The servers live in a project made for the run (its own user, EC2 credential and quotas), on a
 * network of its own, booted with Nova multi-creates; everything is deleted at the end.
 *
 * Then, per size, the memory of the instances function itself: its bundle (as the running endpoint
 * built it) loaded in a fresh Node process that answers DescribeInstances of all N servers a few
 * times (the family's own time, without the front door and HTTP), sampling RSS and heap as it goes.
 *
 *   npx tsx bench/describe-instances.ts [N...]      (default: 50 200)
 *   BENCH_ROUNDS=10 (timed rounds per N)   BENCH_MEMORY_ROUNDS=5 (0: no memory run)
 *   BENCH_AGAIN_FILE=path (keep the servers; each touch of the file measures the largest size again)
 *   BENCH_CPU_PROF_DIR=dir (a V8 CPU profile of the memory run's process, for DevTools)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { repo } from '../tests/integration/support/env.js';
import { makeProject, removeProject, servers, sleep, type Project } from './instances-project.js';
import { fixtures, fmt, loadAverage, percentile, recordRatio } from './support.js';

const sizes = (process.argv.slice(2).length ? process.argv.slice(2) : ['50', '200']).map(Number).sort((a, b) => a - b);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 10);
const memoryRounds = Number(process.env['BENCH_MEMORY_ROUNDS'] ?? 5);
const largest = sizes[sizes.length - 1]!;
const againFile = process.env['BENCH_AGAIN_FILE'];
const NOVA = { 'x-openstack-nova-api-version': '2.90', 'openstack-api-version': 'compute 2.90' };

/** Boots servers until the project has `n`, in multi-creates of at most 50, and waits for ACTIVE. */
async function grow(p: Project, networkId: string, flavorId: string, n: number): Promise<void> {
  const f = fixtures();
  for (;;) {
    const have = (await servers(p)).length;
    if (have >= n) break;
    const count = Math.min(50, n - have);
    await p.nova.post('servers', {
      server: { name: `b${have}`, imageRef: f.imageId, flavorRef: flavorId, min_count: count, max_count: count, networks: [{ uuid: networkId }], return_reservation_id: true },
    });
    await sleep(1000);
  }
  for (;;) {
    const list = await servers(p);
    const errored = list.filter((s) => s.status === 'ERROR');
    if (errored.length) throw new Error(`${errored.length} servers went to ERROR`);
    const active = list.filter((s) => s.status === 'ACTIVE').length;
    process.stdout.write(`\r  ${active}/${n} servers ACTIVE   `);
    if (active >= n) break;
    await sleep(5000);
  }
  process.stdout.write('\n');
}

/** Runs in the child: the bundle answers the event `rounds` times; RSS and heap are sampled every 5 ms. */
const MEMORY_RUNNER = `
const fs = require('node:fs');
const [bundle, eventFile, rounds] = process.argv.slice(2);
let peakRss = 0, peakHeap = 0;
const sample = () => { const m = process.memoryUsage(); peakRss = Math.max(peakRss, m.rss); peakHeap = Math.max(peakHeap, m.heapUsed); };
setInterval(sample, 5).unref();
const mod = require(bundle);
sample();
const loaded = process.memoryUsage();
const event = JSON.parse(fs.readFileSync(eventFile, 'utf8'));
(async () => {
  const ms = [];
  let count = 0, payloadBytes = 0;
  for (let i = 0; i < Number(rounds); i++) {
    const t = performance.now();
    const out = await mod.handler(event);
    // What the Lambda runtime does with the answer before it leaves the function.
    payloadBytes = Buffer.byteLength(JSON.stringify(out));
    ms.push(performance.now() - t);
    if (!out.output) throw new Error(JSON.stringify(out).slice(0, 300));
    count = out.output.Reservations.reduce((k, r) => k + r.Instances.length, 0);
    sample();
  }
  global.gc();
  const after = process.memoryUsage();
  process.stdout.write('@@' + JSON.stringify({ ms, count, payloadBytes, peakRss, peakHeap, loadedRss: loaded.rss, rssAfter: after.rss, heapAfter: after.heapUsed }) + '\\n');
})().catch((e) => { process.stdout.write('@@' + JSON.stringify({ failed: String(e) }) + '\\n'); process.exit(1); });
`;

interface MemoryReport {
  ms: number[];
  count: number;
  payloadBytes: number;
  peakRss: number;
  peakHeap: number;
  loadedRss: number;
  rssAfter: number;
  heapAfter: number;
  failed?: string;
}

/** The instances function's own time and memory for DescribeInstances of every server. */
function measureFunctionMemory(p: Project, n: number, memoryRounds: number): void {
  const bundle = join(repo, process.env['EC2_BUILD_DIR'] ?? '.esbuild', '.build/functions/instances/handler.cjs');
  if (!existsSync(bundle)) {
    console.log(`  (no memory run: ${bundle} is missing; start the endpoint first)`);
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'ec2-describe-memory-'));
  try {
    writeFileSync(join(work, 'runner.cjs'), MEMORY_RUNNER);
    writeFileSync(join(work, 'event.json'), JSON.stringify({ action: 'DescribeInstances', params: {}, context: { requestId: 'bench-memory', caller: p.caller } }));
    const profileDir = process.env['BENCH_CPU_PROF_DIR'];
    const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    const child = spawnSync(process.execPath, ['--expose-gc', ...profile, join(work, 'runner.cjs'), bundle, join(work, 'event.json'), String(memoryRounds)], {
      env: { ...process.env, EC2_TRACE_OPENSTACK: '' },
      encoding: 'utf8',
      timeout: 600_000,
      maxBuffer: 64 * 2 ** 20,
    });
    const line = child.stdout.split('\n').find((l) => l.startsWith('@@'));
    if (!line) throw new Error(`memory run: no answer (${child.status}): ${child.stderr.slice(-400)}`);
    const r = JSON.parse(line.slice(2)) as MemoryReport;
    if (r.failed) throw new Error(`memory run: ${r.failed}`);
    const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;
    const sorted = [...r.ms].sort((a, b) => a - b);
    console.log(
      `  N=${String(n).padStart(4)}  instances function alone: ${r.count} instances, p50 ${fmt(percentile(sorted, 50))} (first ${fmt(r.ms[0]!)}), answer ${mb(r.payloadBytes)} as JSON; ` +
        `RSS ${mb(r.loadedRss)} loaded, peak ${mb(r.peakRss)}, ${mb(r.rssAfter)} after; heap peak ${mb(r.peakHeap)}, ${mb(r.heapAfter)} after GC`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Keeps the servers for another measurement after a code change (restart the endpoint, then touch
 * the file), instead of booting them again: each touch measures the largest size once more.
 * Removing the file, or BENCH_HOLD_MINUTES (default 30) passing, ends the run and cleans up.
 */
async function measureOnRequest(file: string, again: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + Number(process.env['BENCH_HOLD_MINUTES'] ?? 30) * 60_000;
  writeFileSync(file, '');
  let seen = statSync(file).mtimeMs;
  console.log(`holding the servers: touch ${file} to measure again, remove it to clean up`);
  while (existsSync(file) && Date.now() < deadline) {
    await sleep(2000);
    const touched = existsSync(file) ? statSync(file).mtimeMs : seen;
    if (touched === seen) continue;
    seen = touched;
    await again().catch((error: unknown) => console.log(`  measurement failed: ${String(error)}`));
  }
}

async function time(work: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await work();
  return performance.now() - t;
}

/** Each work `rounds` times, in turn; the times of each, sorted. */
async function inTurn(rounds: number, works: [() => Promise<unknown>, () => Promise<unknown>, () => Promise<unknown>]): Promise<[number[], number[], number[]]> {
  const times = works.map(() => [] as number[]);
  for (let i = 0; i < rounds; i++) {
    for (const [k, work] of works.entries()) times[k]!.push(await time(work));
  }
  const [a, b, c] = times.map((list) => list.sort((x, y) => x - y));
  return [a!, b!, c!];
}

const p = await makeProject('bench-inst', largest);
let networkId: string | undefined;
try {
  const net = (await p.neutron.post<{ network: { id: string } }>('networks', { network: { name: 'bench' } })).network;
  networkId = net.id;
  await p.neutron.post('subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.250.0.0/20' } });
  const { flavors } = await p.nova.get<{ flavors: Array<{ id: string; name: string }> }>('flavors');
  const flavorId = flavors.find((f) => f.name === 'm1.tiny')!.id;

  /** Times DescribeInstances of all `n` servers against Nova's listing, then the function's memory. */
  const measure = async (n: number) => {
    const describeAll = async () => {
      const out = await p.ec2.send(new DescribeInstancesCommand({}));
      const count = (out.Reservations ?? []).reduce((k, r) => k + (r.Instances?.length ?? 0), 0);
      if (count !== n) throw new Error(`DescribeInstances showed ${count} instances, expected ${n}`);
    };
    const novaAll = async () => {
      const { body } = await p.nova.request<{ servers: unknown[] }>('GET', 'servers/detail', { headers: NOVA });
      if (body.servers.length !== n) throw new Error(`Nova showed ${body.servers.length} servers`);
    };
    // The first describe gives every server its EC2 ids: warm both paths up.
    for (let i = 0; i < 3; i++) {
      await describeAll();
      await novaAll();
    }
    // What the describe asks of OpenStack at the same time: Nova's listing with Neutron's two
    // project listings beside it (on a shared machine they slow Nova down by themselves).
    const novaBeside = () =>
      Promise.all([novaAll(), p.neutron.get('ports', { project_id: p.id }), p.neutron.get('floatingips', { project_id: p.id })]);
    const [ec2, nova, beside] = await inTurn(rounds, [describeAll, novaAll, novaBeside]);
    const e = percentile(ec2, 50);
    const o = percentile(nova, 50);
    recordRatio({ bench: 'describe-instances', label: `DescribeInstances, ${n} servers`, oursMs: e, direct: 'Nova GET servers/detail', directMs: o });
    console.log(
      `  N=${String(n).padStart(4)}  DescribeInstances p50 ${fmt(e).padStart(10)} p90 ${fmt(percentile(ec2, 90)).padStart(10)}   ` +
        `Nova servers/detail p50 ${fmt(o).padStart(10)} p90 ${fmt(percentile(nova, 90)).padStart(10)}   ratio ${(e / o).toFixed(2)}   ` +
        `(with Neutron's ports and floating IPs beside it ${fmt(percentile(beside, 50))}: ${(e / percentile(beside, 50)).toFixed(2)}; load ${loadAverage()})`,
    );
    await measurePoll(n);
    if (memoryRounds > 0) measureFunctionMemory(p, n, memoryRounds);
  };

  /** HTCondor's poll: one instance by id against Nova's GET of the same server (matched by address). */
  const measurePoll = async (n: number) => {
    const listed = await p.ec2.send(new DescribeInstancesCommand({}));
    const instance = (listed.Reservations ?? []).flatMap((r) => r.Instances ?? []).find((i) => i.PrivateIpAddress);
    const { body } = await p.nova.request<{ servers: Array<{ id: string; addresses: Record<string, Array<{ addr: string }>> }> }>('GET', 'servers/detail', { headers: NOVA });
    const server = body.servers.find((s) => Object.values(s.addresses).some((list) => list.some((a) => a.addr === instance?.PrivateIpAddress)));
    if (!instance || !server) throw new Error('no instance with an address to poll');
    const pollOne = async () => {
      const out = await p.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instance.InstanceId!] }));
      if (out.Reservations?.[0]?.Instances?.[0]?.InstanceId !== instance.InstanceId) throw new Error('the poll did not show the instance');
    };
    const novaOne = () => p.nova.request('GET', `servers/${server.id}`, { headers: NOVA });
    // The poll's Neutron reads beside Nova's GET: the server's ports, then their floating IPs.
    const novaBeside = () =>
      Promise.all([
        novaOne(),
        p.neutron
          .get<{ ports: Array<{ id: string }> }>('ports', { device_id: server.id })
          .then(({ ports }) => p.neutron.get('floatingips', new URLSearchParams(ports.map((port): [string, string] => ['port_id', port.id])))),
      ]);
    for (let i = 0; i < 3; i++) {
      await pollOne();
      await novaOne();
    }
    const [ec2, nova, beside] = await inTurn(rounds * 2, [pollOne, novaOne, novaBeside]);
    const e = percentile(ec2, 50);
    const o = percentile(nova, 50);
    recordRatio({ bench: 'describe-instances', label: `DescribeInstances, one id (of ${n})`, oursMs: e, direct: 'Nova GET servers/{id}', directMs: o });
    console.log(
      `  N=${String(n).padStart(4)}  DescribeInstances one id p50 ${fmt(e).padStart(10)} p90 ${fmt(percentile(ec2, 90)).padStart(10)}   ` +
        `Nova GET servers/{id} p50 ${fmt(o).padStart(10)} p90 ${fmt(percentile(nova, 90)).padStart(10)}   ratio ${(e / o).toFixed(2)}   ` +
        `(with Neutron's ports and floating IPs beside it ${fmt(percentile(beside, 50))}: ${(e / percentile(beside, 50)).toFixed(2)}; load ${loadAverage()})`,
    );
  };

  console.log(`DescribeInstances (full path) vs Nova GET servers/detail, ${rounds} rounds per size`);
  for (const n of sizes) {
    await grow(p, net.id, flavorId, n);
    await measure(n);
  }
  if (againFile) await measureOnRequest(againFile, () => measure(largest));
} finally {
  console.log('cleaning up…');
  await removeProject(p, networkId);
}
