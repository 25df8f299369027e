/**
 * `npm run bench`: every benchmark at a small size against the running endpoint of EC2_RUN_DIR
 * (start it with EC2_TRACE_OPENSTACK=1 for the per-stage and burst call counts), one after the
 * other, then ONE table of ratios: our p50 against the direct OpenStack call(s) it needs. Each
 * script's own output is kept in a log file; each is bounded by a time limit (killed past it, and
 * said so in the table), and each still takes its sizes on its own command line.
 *
 *   npm run bench [-- name...]          e.g. npm run bench -- volumes stages
 *   BENCH_LOG_DIR=…  (where each script's output goes; default local/.run/logs/bench)
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, loadAverage, runDir, type RatioRow } from './support.js';

interface Benchmark {
  name: string;
  args: string[];
  env?: Record<string, string>;
  /** Killed past this (a hung script must not hold the run). */
  limitSeconds: number;
  what: string;
}

/** Small sizes: the whole run stays within a few minutes on the shared 2-core machine. */
const BENCHMARKS: Benchmark[] = [
  { name: 'describe-regions', args: ['200', '2'], limitSeconds: 60, what: 'full path of the cheapest action; Keystone calls per 1,000' },
  { name: 'table-calls', args: ['300', '10'], limitSeconds: 120, what: 'CPU per state table call and Lambda invoke, our client vs the AWS SDK' },
  { name: 'openstack-calls', args: ['100', '8'], limitSeconds: 240, what: 'CPU per OpenStack call: our client vs got (the client before)' },
  { name: 'stages', args: ['20'], limitSeconds: 90, what: 'per-stage breakdown of DescribeVolumes of one id' },
  { name: 'volumes', args: ['3', '20'], limitSeconds: 300, what: 'DescribeVolumes/Snapshots, CreateVolume vs Cinder' },
  { name: 'images', args: ['3', '20'], limitSeconds: 90, what: 'DescribeImages vs Glance' },
  { name: 'keypairs', args: ['5', '20'], limitSeconds: 90, what: 'DescribeKeyPairs, CreateKeyPair vs Nova' },
  { name: 'describe-instances', args: ['20'], env: { BENCH_ROUNDS: '5' }, limitSeconds: 600, what: 'DescribeInstances vs Nova servers/detail' },
  { name: 'run-instances', args: ['5'], env: { BENCH_ROUNDS: '1' }, limitSeconds: 600, what: 'RunInstances vs the Nova multi-create' },
  { name: 'terminate-instances', args: ['3'], limitSeconds: 420, what: 'TerminateInstances vs Nova DELETE (and its GET + DELETE)' },
  { name: 'htcondor-burst', args: ['10', '5'], env: { BENCH_PHASE_SECONDS: '150' }, limitSeconds: 900, what: 'HTCondor EC2 GAHP burst vs the same to Nova' },
  { name: 'xml', args: ['1000', '20'], limitSeconds: 60, what: 'XML of DescribeInstances (1,000), direct writer vs the old tree + builder' },
  { name: 'cold-start', args: ['2'], limitSeconds: 120, what: 'bundle sizes, fresh process to first answer' },
  { name: 'vpc', args: ['10', '20'], limitSeconds: 300, what: 'DescribeVpcs/Subnets/RouteTables vs Neutron' },
  { name: 'security-groups', args: ['50', '20', '20'], limitSeconds: 600, what: 'DescribeSecurityGroups(Rules), 50 groups x 20 rules, vs Neutron' },
  { name: 'addresses', args: ['50', '20'], limitSeconds: 300, what: 'DescribeAddresses, 50 addresses, vs Neutron floating IPs' },
  { name: 'network-interfaces', args: ['10', '20'], limitSeconds: 300, what: 'DescribeNetworkInterfaces vs the Neutron port listings' },
  { name: 'vpn', args: ['5', '20'], limitSeconds: 300, what: 'DescribeVpnConnections vs the 4 vpnaas listings' },
];

const chosen = process.argv.slice(2);
const unknown = chosen.filter((n) => !BENCHMARKS.some((b) => b.name === n));
if (unknown.length) {
  console.error(`no benchmark named ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
const selected = chosen.length ? BENCHMARKS.filter((b) => chosen.includes(b.name)) : BENCHMARKS;
const logDir = process.env['BENCH_LOG_DIR'] ?? join(runDir, 'logs/bench');
mkdirSync(logDir, { recursive: true });
const resultsFile = join(logDir, 'results.jsonl');
rmSync(resultsFile, { force: true });

/** Runs one script with tsx; resolves with how it ended. */
function run(b: Benchmark): Promise<{ outcome: string; seconds: number }> {
  const started = performance.now();
  const logFile = join(logDir, `${b.name}.log`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, `${b.name}.ts`), ...b.args], {
      env: { ...process.env, ...b.env, BENCH_RESULTS: resultsFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    let killed = false;
    // A safety net only: a killed script's `finally` does not run, so what it made may be left over
    // (named with its bench- prefix); the scripts bound their own waits well inside these limits.
    const limit = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, b.limitSeconds * 1000);
    child.on('close', (code) => {
      clearTimeout(limit);
      writeFileSync(logFile, Buffer.concat(output));
      const seconds = (performance.now() - started) / 1000;
      resolve({ outcome: killed ? `stopped after ${b.limitSeconds} s` : code === 0 ? 'ok' : `failed (exit ${code}), see ${logFile}`, seconds });
    });
  });
}

const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
console.log(`npm run bench: ${selected.length} benchmarks, ${date}, load average at start ${loadAverage()}; each script's output in ${logDir}/`);
const outcomes: Array<{ name: string; outcome: string; seconds: number }> = [];
const started = performance.now();
for (const b of selected) {
  process.stdout.write(`  ${b.name.padEnd(20)} ${b.what} … `);
  const result = await run(b);
  outcomes.push({ name: b.name, ...result });
  console.log(`${result.outcome} (${result.seconds.toFixed(0)} s, load ${loadAverage()})`);
}

let rows: RatioRow[] = [];
try {
  rows = readFileSync(resultsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RatioRow);
} catch {
  // no script wrote a row
}
const width = Math.max(30, ...rows.map((r) => r.label.length));
const directWidth = Math.max(24, ...rows.map((r) => r.direct.length));
console.log(`\n${'benchmark'.padEnd(width)}  ${'ours p50'.padStart(11)}  ${'direct call(s)'.padEnd(directWidth)}  ${'p50'.padStart(11)}  ratio  note`);
for (const r of rows) {
  const ms = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : fmt(x));
  console.log(`${r.label.padEnd(width)}  ${ms(r.oursMs).padStart(11)}  ${r.direct.padEnd(directWidth)}  ${ms(r.directMs).padStart(11)}  ${(r.oursMs / r.directMs).toFixed(2).padStart(5)}  ${r.note ?? ''}`);
}
const failed = outcomes.filter((o) => o.outcome !== 'ok');
for (const f of failed) console.log(`${f.name}: ${f.outcome}`);
console.log(`\n${((performance.now() - started) / 1000).toFixed(0)} s in all; load average at the end ${loadAverage()} (2 cores, shared: figures are pessimistic)`);
process.exitCode = failed.length ? 1 : 0;
