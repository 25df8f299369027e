/**
 * Cold start of each function: the size of its bundle (esbuild with serverless.yml's
 * `custom.esbuild` settings: minify, keepNames, source map, target) and the time from a fresh Node
 * process, started with the NODE_OPTIONS serverless.yml gives the functions, to the handler's first
 * answer. Each bundle is required in a child process and invoked once:
 * - the front door with a signed DescribeRegions (its first signature check goes to Keystone, then
 *   the Lambda invoke to the running endpoint's warm instances function);
 * - instances: DescribeRegions; volumes: DescribeVolumes; images: DescribeImages with a name
 *   filter — with a real caller context (the demo user's token), so the first OpenStack and table
 *   clients are made and used;
 * - vpc: DescribeVpcs (one Neutron listing);
 * - metadata: GET /latest/meta-data/ without the agent's signed headers, so its answer is a refusal
 *   (module-ready and the router, no lookup).
 * Prints, per function, the median over the runs of: process start to module loaded, to first
 * answer, the parent's wall time from spawn to exit, the child's CPU time (user + system) at both
 * points — on a shared machine the CPU time is what the function's own code costs, the rest is
 * waiting for OpenStack or for a core — and its RSS and heap after the answer.
 * For the front door it also prints its Keystone calls, from the child's trace lines: each call's
 * time, how long the first answer spent with at least one of them under way, and the first answer
 * less that wait — what is ours (loading, the Lambda invoke), seen apart from Keystone's own speed,
 * which on this shared machine varies from one run to the next by more than everything else.
 *
 *   npx tsx bench/cold-start.ts [runs=3] [function...]
 *   BENCH_COLD_TRACE=1      print each child's log lines (the OpenStack calls a first answer waits on)
 *   BENCH_COLD_PROFILE=dir  write a CPU profile of each child there
 *   BENCH_COLD_REPEAT=n     then answer the same request n more times in the warm process and print
 *                           what stays on the heap per request (after a GC) — a leak shows here
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { parse as parseYaml } from 'yaml';
import { callerOf } from '../lib/auth/authenticator.js';
import { selectEndpoints } from '../lib/openstack/catalog.js';
import { passwordAuth } from '../lib/openstack/keystone.js';
import { repo } from '../tests/integration/support/env.js';
import { endpointInfo, fixtures, fmt, formSigner, loadAverage, percentile, recordRatio } from './support.js';

const runs = Number(process.argv[2] ?? 3);
const ALL_FUNCTIONS = ['ec2', 'instances', 'volumes', 'vpc', 'images', 'metadata'] as const;
const only = process.argv.slice(3);
const FUNCTIONS = ALL_FUNCTIONS.filter((fn) => only.length === 0 || only.includes(fn));

/** What serverless.yml builds and runs the functions with. */
interface DeploySettings {
  esbuild: { minify?: boolean; keepNames?: boolean; sourcemap?: boolean | string; target?: string };
  nodeOptions: string;
}
function deploySettings(): DeploySettings {
  const yml = parseYaml(readFileSync(join(repo, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as {
    custom: { esbuild: DeploySettings['esbuild'] };
    provider: { environment: Record<string, string> };
  };
  // `${env:X, 'default'}`: the default, as a deployment without X set gets it.
  const nodeOptions = /^\$\{env:[A-Za-z0-9_]+, *'([^']*)'\}$/.exec(yml.provider.environment['NODE_OPTIONS'] ?? '')?.[1] ?? yml.provider.environment['NODE_OPTIONS'] ?? '';
  return { esbuild: yml.custom.esbuild, nodeOptions: process.env['EC2_NODE_OPTIONS'] ?? nodeOptions };
}
const settings = deploySettings();
const work = mkdtempSync(join(tmpdir(), 'ec2-cold-start-'));

/** Runs in the child: loads the bundle, answers one event, reports its clock (ms since the process began). */
const RUNNER = `
const { performance } = require('node:perf_hooks');
const fs = require('node:fs');
const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
const loadStart = performance.now();
const mod = require(process.argv[2]);
const ready = performance.now();
const readyCpu = cpu();
const event = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
Promise.resolve(mod.handler(event)).then(async (out) => {
  const answered = performance.now();
  const answeredCpu = cpu();
  const kind = out && out.statusCode !== undefined ? 'HTTP ' + out.statusCode : out && out.error ? 'error ' + out.error.code : 'output';
  const first = { loadStart, ready, answered, readyCpu, answeredCpu, kind, rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed };
  // Then the same request again and again in this warm process: what stays on the heap per request.
  const repeat = Number(process.argv[4] || 0);
  if (!repeat) return first;
  global.gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;
  const t = performance.now();
  for (let i = 0; i < repeat; i++) await mod.handler(event);
  const warmMs = (performance.now() - t) / repeat;
  global.gc();
  const m = process.memoryUsage();
  return { ...first, repeat, warmMs, heapBefore, heapAfterRepeat: m.heapUsed, rssBefore, rssAfterRepeat: m.rss };
}).then((report) => {
  process.stdout.write('\\n@@' + JSON.stringify(report) + '\\n');
  process.exit(0);
}, (error) => { process.stdout.write('\\n@@' + JSON.stringify({ failed: String(error) }) + '\\n'); process.exit(1); });
`;

interface ChildReport {
  loadStart: number;
  ready: number;
  answered: number;
  readyCpu: number;
  answeredCpu: number;
  kind: string;
  rss: number;
  heap: number;
  repeat?: number;
  warmMs?: number;
  heapBefore?: number;
  heapAfterRepeat?: number;
  rssBefore?: number;
  rssAfterRepeat?: number;
  failed?: string;
}

async function signedFrontDoorEvent() {
  const { url, headers, body } = await formSigner('demo')({ Action: 'DescribeRegions' });
  return { httpMethod: 'POST', path: url.pathname, headers, queryStringParameters: null, body, isBase64Encoded: false, requestContext: { path: url.pathname } };
}

async function demoCaller() {
  const f = fixtures();
  const demo = f.projects['demo']!;
  const token = await passwordAuth({ authUrl: f.authUrl, username: demo.userName, password: demo.password, projectName: demo.projectName, userDomainName: 'Default', projectDomainName: 'Default' });
  return callerOf(demo.ec2.access, token, selectEndpoints(token.catalog, 'public', f.region));
}

/** The three packages (or our own code) that put the most bytes into a bundle. */
function heaviestPackages(metafile: Metafile): string {
  const bytes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const owner = match ? match[1]! : 'ours (lib/, functions/, schemas/)';
      bytes.set(owner, (bytes.get(owner) ?? 0) + bytesInOutput);
    }
  }
  return [...bytes]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([owner, n]) => `${owner} ${(n / 1024).toFixed(0)} KB`)
    .join(', ');
}

/** The front door child's Keystone calls, from its trace lines: each one's time, and how long any was under way. */
function keystoneWait(stdout: string): { calls: Map<string, number>; waitMs: number } {
  const calls = new Map<string, number>();
  const spans: Array<[number, number]> = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{') || !line.includes('"api":"keystone"')) continue;
    const entry = JSON.parse(line) as { path: string; callMs: number; timestamp: string };
    const name = entry.path.startsWith('credentials/') || entry.path.includes('/credentials/') ? 'credential read' : entry.path;
    calls.set(name, (calls.get(name) ?? 0) + entry.callMs);
    const end = Date.parse(entry.timestamp);
    spans.push([end - entry.callMs, end]);
  }
  // The union of the calls' spans: time in which the first answer waited on Keystone.
  spans.sort((a, b) => a[0] - b[0]);
  let waitMs = 0;
  let reach = -Infinity;
  for (const [start, end] of spans) {
    if (end <= reach) continue;
    waitMs += end - Math.max(start, reach);
    reach = end;
  }
  return { calls, waitMs };
}

const familyEvent = (caller: unknown, action: string, params: Record<string, string> = {}) => ({
  action,
  params,
  context: { requestId: `cold-start-${action}`, caller },
});

try {
  const sizes = new Map<string, { code: number; map: number; heaviest: string }>();
  for (const fn of FUNCTIONS) {
    const outfile = join(work, `${fn}.cjs`);
    const { metafile } = await build({
      metafile: true,
      entryPoints: [join(repo, `functions/${fn}/handler.ts`)],
      outfile,
      bundle: true,
      minify: settings.esbuild.minify ?? false,
      keepNames: settings.esbuild.keepNames ?? false,
      sourcemap: settings.esbuild.sourcemap === undefined ? false : (settings.esbuild.sourcemap as boolean),
      format: 'cjs',
      platform: 'node',
      target: settings.esbuild.target ?? 'node20',
      logLevel: 'error',
    });
    const map = settings.esbuild.sourcemap ? statSync(`${outfile}.map`).size : 0;
    sizes.set(fn, { code: statSync(outfile).size, map, heaviest: heaviestPackages(metafile) });
  }

  const caller = await demoCaller();
  const events: Record<(typeof ALL_FUNCTIONS)[number], unknown> = {
    ec2: await signedFrontDoorEvent(),
    instances: familyEvent(caller, 'DescribeRegions'),
    volumes: familyEvent(caller, 'DescribeVolumes'),
    vpc: familyEvent(caller, 'DescribeVpcs'),
    images: familyEvent(caller, 'DescribeImages', { 'Filter.1.Name': 'name', 'Filter.1.Value.1': fixtures().imageName }),
    metadata: { httpMethod: 'GET', path: '/latest/meta-data/', headers: {}, queryStringParameters: null, body: null, isBase64Encoded: false, requestContext: {} },
  };
  const runner = join(work, 'runner.cjs');
  writeFileSync(runner, RUNNER);
  // The server's settings (table, OpenStack, dispatch), without the trace lines on stdout.
  // BENCH_COLD_TRACE=1 keeps the OpenStack trace lines and prints each child's output (what a first answer waits on).
  const traced = process.env['BENCH_COLD_TRACE'] === '1';
  const repeat = Number(process.env['BENCH_COLD_REPEAT'] ?? 0);
  const leaks: string[] = [];
  const env = { ...process.env, ...endpointInfo().serverEnv, EC2_TRACE_OPENSTACK: traced ? '1' : '', NODE_OPTIONS: settings.nodeOptions };
  const keystoneLines: string[] = [];

  console.log(`cold start per function (${runs} fresh processes each, medians; load average ${loadAverage()})`);
  console.log(`  esbuild ${JSON.stringify(settings.esbuild)}; NODE_OPTIONS '${settings.nodeOptions}'`);
  console.log(`  ${'function'.padEnd(10)} ${'bundle'.padStart(9)} ${'+ map'.padStart(9)} ${'loaded'.padStart(10)} ${'(CPU)'.padStart(9)} ${'1st answer'.padStart(11)} ${'(CPU)'.padStart(9)} ${'spawn→exit'.padStart(11)} ${'RSS'.padStart(7)} ${'heap'.padStart(7)}  answer`);
  for (const fn of FUNCTIONS) {
    const eventFile = join(work, `${fn}.event.json`);
    writeFileSync(eventFile, JSON.stringify(events[fn]));
    const ready: number[] = [];
    const answered: number[] = [];
    const walls: number[] = [];
    const rss: number[] = [];
    const heap: number[] = [];
    const readyCpu: number[] = [];
    const answeredCpu: number[] = [];
    let kind = '';
    const keystone: Array<{ calls: Map<string, number>; waitMs: number; answered: number }> = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      // BENCH_COLD_PROFILE=<dir> writes a CPU profile of each child there (where its time goes).
      const profile = process.env['BENCH_COLD_PROFILE'] ? ['--cpu-prof', '--cpu-prof-dir', process.env['BENCH_COLD_PROFILE']] : [];
      // The front door's Keystone calls are read from its trace lines.
      const childEnv = fn === 'ec2' ? { ...env, EC2_TRACE_OPENSTACK: '1' } : env;
      const child = spawnSync(process.execPath, ['--expose-gc', ...profile, runner, join(work, `${fn}.cjs`), eventFile, String(repeat)], { env: childEnv, encoding: 'utf8', timeout: 60_000 + repeat * 2000 });
      walls.push(performance.now() - started);
      if (traced) console.log(`--- ${fn} run ${i + 1}\n${child.stdout.trim()}`);
      const line = child.stdout.split('\n').find((l) => l.startsWith('@@'));
      if (!line) throw new Error(`${fn}: no answer (${child.status}): ${child.stderr.slice(0, 400)}`);
      const report = JSON.parse(line.slice(2)) as ChildReport;
      if (report.failed) throw new Error(`${fn}: ${report.failed}`);
      ready.push(report.ready);
      answered.push(report.answered);
      rss.push(report.rss);
      heap.push(report.heap);
      readyCpu.push(report.readyCpu);
      answeredCpu.push(report.answeredCpu);
      kind = report.kind;
      if (fn === 'ec2') keystone.push({ ...keystoneWait(child.stdout), answered: report.answered });
      if (report.repeat) {
        const perRequest = (report.heapAfterRepeat! - report.heapBefore!) / report.repeat;
        leaks.push(
          `    ${fn.padEnd(10)} ${report.repeat} more requests, ${fmt(report.warmMs!)} each: heap ${(report.heapBefore! / 2 ** 20).toFixed(1)} → ${(report.heapAfterRepeat! / 2 ** 20).toFixed(1)} MB after GC ` +
            `(${(perRequest / 1024).toFixed(1)} KB per request), RSS ${(report.rssBefore! / 2 ** 20).toFixed(0)} → ${(report.rssAfterRepeat! / 2 ** 20).toFixed(0)} MB`,
        );
      }
    }
    const med = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
    const size = sizes.get(fn)!;
    const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
    const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MB`;
    console.log(
      `  ${fn.padEnd(10)} ${kb(size.code).padStart(9)} ${kb(size.map).padStart(9)} ${fmt(med(ready)).padStart(10)} ${fmt(med(readyCpu)).padStart(9)} ${fmt(med(answered)).padStart(11)} ${fmt(med(answeredCpu)).padStart(9)} ${fmt(med(walls)).padStart(11)} ${mb(med(rss)).padStart(7)} ${mb(med(heap)).padStart(7)}  ${kind}`,
    );
    if (keystone.length) {
      const names = [...new Set(keystone.flatMap((k) => [...k.calls.keys()]))];
      const perCall = names.map((name) => `${name} ${fmt(med(keystone.map((k) => k.calls.get(name) ?? 0)))}`).join(', ');
      keystoneLines.push(
        `    ${fn}: Keystone calls ${perCall}; waiting on Keystone ${fmt(med(keystone.map((k) => k.waitMs)))}; ` +
          `first answer less that wait ${fmt(med(keystone.map((k) => k.answered - k.waitMs)))} (loading, signature check, Lambda invoke)`,
      );
    }
    recordRatio({
      bench: 'cold-start',
      label: `cold start ${fn} (${kb(size.code)})`,
      oursMs: med(answered),
      direct: 'goal 300 ms',
      directMs: 300,
      note: `module loaded at ${fmt(med(ready))} (CPU ${fmt(med(readyCpu))}); CPU to the answer ${fmt(med(answeredCpu))}; RSS ${mb(med(rss))}; answer: ${kind}`,
    });
  }
  if (keystoneLines.length) console.log(`  the front door's first answer and Keystone (medians; Keystone's times vary most on a shared machine):\n${keystoneLines.join('\n')}`);
  if (leaks.length) console.log(`  warm process, the same request repeated:\n${leaks.join('\n')}`);
  console.log('  heaviest parts of each bundle:');
  for (const [fn, size] of sizes) console.log(`    ${fn.padEnd(10)} ${size.heaviest}`);
  console.log('  loaded / 1st answer: ms since the child process began (its performance clock); (CPU): the child\'s CPU time by then; spawn→exit: the parent\'s wall time');
} finally {
  rmSync(work, { recursive: true, force: true });
}
