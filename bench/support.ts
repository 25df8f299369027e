/** Shared by the benchmarks: signed requests against the running endpoint, timing, and statistics. */
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { endpointInfo, profileOf, runDir } from '../tests/integration/support/env.js';

export { endpointInfo, fixtures, profileOf, runDir } from '../tests/integration/support/env.js';

/** Signs form posts of EC2 parameters to the running endpoint as a project's user. */
export function formSigner(project: 'demo' | 'alt' = 'demo') {
  const info = endpointInfo();
  const p = profileOf(project);
  const url = new URL(info.endpoint);
  const signer = new SignatureV4({
    credentials: { accessKeyId: p.ec2.access, secretAccessKey: p.ec2.secret },
    region: info.region,
    service: 'ec2',
    sha256: Sha256,
  });
  return async (params: Record<string, string>) => {
    const body = new URLSearchParams({ Version: '2016-11-15', ...params }).toString();
    const signed = await signer.sign(
      new HttpRequest({
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: url.pathname,
        headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body,
      }),
    );
    return { url, headers: signed.headers, body };
  };
}

export async function signedPostFactory(project: 'demo' | 'alt' = 'demo') {
  const sign = formSigner(project);
  return async (params: Record<string, string>): Promise<{ status: number; body: string }> => {
    const { url, headers, body } = await sign(params);
    const response = await fetch(url, { method: 'POST', headers, body });
    return { status: response.status, body: await response.text() };
  };
}

/** A call that must succeed: its XML body, or an error naming the EC2 code. */
export function ec2Caller(post: (params: Record<string, string>) => Promise<{ status: number; body: string }>) {
  return async (params: Record<string, string>): Promise<string> => {
    const { status, body } = await post(params);
    if (status !== 200) throw new Error(`${params['Action']}: ${status} ${/<Code>([^<]+)/.exec(body)?.[1] ?? body}`);
    return body;
  };
}

/** The first value of an element in an EC2 answer (names are ours, never user input). */
export const xmlField = (body: string, name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(body)![1]!;

/** One line of "ours vs Neutron" p50s and their ratio. */
export const neutronRow = (label: string, full: { p50: number }, direct: { p50: number }) =>
  console.log(`  ${label.padEnd(40)} p50 ${fmt(full.p50).padStart(9)} vs Neutron ${fmt(direct.p50).padStart(9)}  ratio ${(full.p50 / direct.p50).toFixed(2)}`);

export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return NaN;
  const index = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return sortedMs[Math.max(0, index)]!;
}

/** Runs `task` `count` times with `concurrency` in flight; returns per-call latencies and wall time. */
export async function load(count: number, concurrency: number, task: (i: number) => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        await task(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const wallMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return { latencies, wallMs, perSecond: (count / wallMs) * 1000, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

export const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

/** One row of `npm run bench`'s table: our p50 against the direct OpenStack call(s) it needs. */
export interface RatioRow {
  bench: string;
  label: string;
  oursMs: number;
  direct: string;
  directMs: number;
  note?: string;
}

/**
 * Prints nothing; appends the row as a JSON line to BENCH_RESULTS when bench/run-all.ts runs the
 * script, so the run can print one table across all benchmarks.
 */
export function recordRatio(row: RatioRow): void {
  const file = process.env['BENCH_RESULTS'];
  if (file) appendFileSync(file, `${JSON.stringify(row)}\n`);
}

/** The 1/5/15-minute load averages, as a string to print beside figures from a shared machine. */
export const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');

/** A `ps` column summed over the endpoint's serverless-offline process group, or undefined if not found. */
function endpointPs(column: 'rss' | 'cputimes'): number | undefined {
  try {
    const pid = readFileSync(join(runDir, 'pids/offline.pid'), 'utf8').trim();
    return execFileSync('ps', ['-o', `${column}=`, '-g', pid], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .reduce((k, l) => k + Number(l.trim()), 0);
  } catch {
    return undefined;
  }
}

/** Resident memory (MB) of the endpoint's serverless-offline process group. */
export function endpointRssMb(): number | undefined {
  const kb = endpointPs('rss');
  return kb === undefined ? undefined : Math.round(kb / 1024);
}

/** CPU seconds the endpoint's serverless-offline process group has used so far (all its threads). */
export const endpointCpuSeconds = (): number | undefined => endpointPs('cputimes');

/**
 * Ours and the direct calls in turn, `rounds` times, one request at a time: p50 of each. Each
 * round starts with another of the calls, so none always follows the same one.
 */
export async function alternate(rounds: number, calls: Record<string, () => Promise<unknown>>): Promise<Record<string, { p50: number }>> {
  const times: Record<string, number[]> = {};
  const entries = Object.entries(calls);
  for (let i = 0; i < rounds; i++) {
    for (const [name, call] of [...entries.slice(i % entries.length), ...entries.slice(0, i % entries.length)]) {
      const started = performance.now();
      await call();
      (times[name] ??= []).push(performance.now() - started);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([name, ms]) => [name, { p50: percentile(ms.sort((a, b) => a - b), 50) }]));
}

/** Prints a ratio against the Neutron call(s) a describe needs and records it for `npm run bench`'s table. */
export function reportNeutronRatio(bench: string, label: string, ours: { p50: number }, direct: { p50: number }, call: string): void {
  neutronRow(label, ours, direct);
  recordRatio({ bench, label, oursMs: ours.p50, direct: call, directMs: direct.p50 });
}
