/**
 * Metadata reads, warm cache vs cold, and what they cost OpenStack. One instance is launched
 * through the EC2 API (and terminated at the end); its metadata is then read as the neutron
 * agent reads it (signed headers):
 * - in-process (the handler with the real lookup, real OpenStack and table, no gateway), where
 *   the cache can be emptied: cold = every read looks the instance up, warm = cache primed,
 *   storm = 100 concurrent first reads of one instance (they share one lookup);
 * - over HTTP through the running endpoint (serverless-offline, as deployed): warm reads, and
 *   cold reads after the cache's TTL has passed; calls are read from the function's log lines.
 * OpenStack calls are counted by the lookup's clients (Nova, Neutron, Glance, Cinder, Keystone).
 *
 *   npx tsx bench/metadata.ts [reads=500] [concurrency=4]
 */
import { createHmac } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateKeyPairCommand,
  DeleteKeyPairCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Instance,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import { ec2Client } from '../tests/integration/support/clients.js';
import { eventually, openstackAs } from '../tests/integration/support/openstack.js';
import { uniqueName } from '../tests/integration/support/env.js';
import { endpointInfo, fixtures, fmt, load, runDir } from './support.js';

// The endpoint's settings, so the in-process handler reaches the same OpenStack and table.
for (const [k, v] of Object.entries(endpointInfo().serverEnv)) process.env[k] ??= v;
const { config } = await import('../lib/config.js');
const { cachedLookup, clearCache, handleMetadataRequest } = await import('../functions/metadata/router.js');
const { openstackCallCount } = await import('../lib/domain/metadata/log.js');

const reads = Number(process.argv[2] ?? 500);
const concurrency = Number(process.argv[3] ?? 4);
const PATHS = ['/latest/meta-data/instance-id', '/latest/meta-data/local-ipv4', '/latest/meta-data/', '/latest/user-data', '/latest/meta-data/public-keys/0/openssh-key'];
const ec2 = ec2Client('demo');
const name = uniqueName('bench-md');
const logPath = join(runDir, 'logs/offline.log');

async function launch(): Promise<{ instance: Instance; serverId: string; tenantId: string }> {
  const images = await ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: [fixtures().imageName] }] }));
  await ec2.send(new CreateKeyPairCommand({ KeyName: name, KeyType: 'ed25519' }));
  const run = await ec2.send(
    new RunInstancesCommand({ ImageId: images.Images![0]!.ImageId!, InstanceType: 'm1.tiny' as _InstanceType, MinCount: 1, MaxCount: 1, KeyName: name, UserData: Buffer.from('#!/bin/sh\necho bench\n').toString('base64') }),
  );
  const id = run.Instances![0]!.InstanceId!;
  const instance = await eventually(async () => {
    const i = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!;
    return i.State?.Name === 'running' && i.PrivateIpAddress ? i : undefined;
  }, 'the instance running', 240_000, 2000);
  const admin = await openstackAs('admin');
  const { ports } = await admin.neutron.get<{ ports: Array<{ device_id: string; project_id: string }> }>('ports', {
    fixed_ips: `ip_address=${instance.PrivateIpAddress}`,
    mac_address: instance.NetworkInterfaces![0]!.MacAddress,
  });
  return { instance, serverId: ports[0]!.device_id, tenantId: ports[0]!.project_id };
}

function headersFor(serverId: string, tenantId: string, ip: string): Record<string, string> {
  return {
    'x-instance-id': serverId,
    'x-tenant-id': tenantId,
    'x-instance-id-signature': createHmac('sha256', endpointInfo().metadataSecret).update(serverId).digest('hex'),
    'x-forwarded-for': ip,
  };
}

/** Runs `work` with the handler's per-request log lines silenced. */
async function quietly<T>(work: () => Promise<T>): Promise<T> {
  const log = console.log;
  console.log = () => undefined;
  try {
    return await work();
  } finally {
    console.log = log;
  }
}

/** The metadata function's request lines (lib/log.ts's JSON, one per request). */
function isMetadataLine(line: string): boolean {
  if (!line.startsWith('{')) return false;
  try {
    const entry = JSON.parse(line) as { fn?: string; message?: string };
    return entry.fn === 'metadata' && entry.message === 'metadata request';
  } catch {
    return false;
  }
}

function countersByContainer(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!isMetadataLine(line)) continue;
    const entry = JSON.parse(line) as { container?: string; openstackCalls?: number };
    if (entry.container && entry.openstackCalls !== undefined) out.set(entry.container, Math.max(out.get(entry.container) ?? 0, entry.openstackCalls));
  }
  return out;
}
const logCalls = () => countersByContainer(readFileSync(logPath, 'utf8'));
const callsBetween = (before: Map<string, number>, after: Map<string, number>) =>
  [...after].reduce((sum, [c, n]) => sum + n - (before.get(c) ?? 0), 0);

const { instance, serverId, tenantId } = await launch();
const headers = headersFor(serverId, tenantId, instance.PrivateIpAddress!);
const failures: string[] = [];
const check = (status: number, what: string) => {
  if (status !== 200) failures.push(`${what}: ${status}`);
};

try {
  const settings = config().metadata;
  const deps = { settings, source: cachedLookup };
  const ask = async (i: number) => {
    const r = await handleMetadataRequest({ method: 'GET', path: PATHS[i % PATHS.length]!, query: {}, headers, body: '' }, deps);
    check(r.statusCode, 'in-process');
  };

  // Cold: the instance is looked up for every read.
  const coldReads = Math.min(reads, 100);
  await quietly(() => ask(0)); // the service token and Nova's microversion, once per process
  let calls = openstackCallCount();
  const cold = await quietly(() => load(coldReads, 1, async (i) => (clearCache(), ask(i))));
  const coldCalls = openstackCallCount() - calls;

  // Warm: primed, every read within the cache's lifetime answered from memory.
  clearCache();
  await quietly(() => ask(0));
  calls = openstackCallCount();
  const warm = await quietly(() => load(reads, concurrency, ask));
  const warmCalls = openstackCallCount() - calls;

  // Boot storm: 100 first reads of one instance at the same time.
  clearCache();
  calls = openstackCallCount();
  const storm = await quietly(() => load(100, 100, ask));
  const stormCalls = openstackCallCount() - calls;

  // Over HTTP through the running endpoint.
  const url = (path: string) => new URL(path.replace(/^\//, ''), endpointInfo().metadataUrl);
  const httpGet = async (i: number) => {
    const r = await fetch(url(PATHS[i % PATHS.length]!), { headers });
    await r.arrayBuffer();
    check(r.status, 'http');
  };
  const ttlMs = Number(endpointInfo().serverEnv['METADATA_CACHE_SECONDS'] ?? 5) * 1000 || 5000;
  const logStart = statSync(logPath).size;
  await httpGet(0);
  let before = logCalls();
  const httpWarm = await load(reads, concurrency, httpGet);
  await new Promise((r) => setTimeout(r, 500));
  const httpWarmCalls = callsBetween(before, logCalls());
  const warmLines = readFileSync(logPath, 'utf8').slice(logStart).split('\n').filter(isMetadataLine);
  const outcomes = (lines: string[]) => {
    const count: Record<string, number> = {};
    for (const l of lines) {
      const entry = JSON.parse(l) as { cache?: string; container: string };
      count[entry.cache ?? 'none'] = (count[entry.cache ?? 'none'] ?? 0) + 1;
    }
    return { count, containers: new Set(lines.map((l) => (JSON.parse(l) as { container: string }).container)).size };
  };
  const warmOutcomes = outcomes(warmLines);

  // Cold over HTTP: each read after the cache's lifetime has run out.
  const coldHttpReads = 5;
  before = logCalls();
  const coldTimes: number[] = [];
  for (let i = 0; i < coldHttpReads; i++) {
    await new Promise((r) => setTimeout(r, ttlMs + 300));
    const t = performance.now();
    await httpGet(i);
    coldTimes.push(performance.now() - t);
  }
  await new Promise((r) => setTimeout(r, 500));
  const httpColdCalls = callsBetween(before, logCalls());
  coldTimes.sort((a, b) => a - b);
  const httpColdP50 = coldTimes[Math.floor(coldTimes.length / 2)]!;

  const per100 = (n: number, of: number) => ((n / of) * 100).toFixed(1);
  console.log(`metadata reads of one instance (${PATHS.length} paths in turn), cache TTL ${settings.cacheSeconds} s`);
  console.log('  in-process (real lookup, OpenStack and table; no gateway)');
  console.log(`    cold  ${cold.perSecond.toFixed(1).padStart(8)} reads/s  p50 ${fmt(cold.p50)}  p99 ${fmt(cold.p99)}  OpenStack calls per 100 reads ${per100(coldCalls, coldReads)}  (${coldReads} reads, concurrency 1)`);
  console.log(`    warm  ${warm.perSecond.toFixed(1).padStart(8)} reads/s  p50 ${fmt(warm.p50)}  p99 ${fmt(warm.p99)}  OpenStack calls per 100 reads ${per100(warmCalls, reads)}  (${reads} reads, concurrency ${concurrency})`);
  console.log(`    warm / cold throughput ${(warm.perSecond / cold.perSecond).toFixed(0)}x`);
  console.log(`    boot storm: 100 concurrent first reads -> ${stormCalls} OpenStack calls (one shared lookup), p50 ${fmt(storm.p50)}`);
  console.log(`  over HTTP via ${endpointInfo().metadataUrl} (serverless-offline, Lambda-style)`);
  console.log(`    warm  ${httpWarm.perSecond.toFixed(1).padStart(8)} reads/s  p50 ${fmt(httpWarm.p50)}  p99 ${fmt(httpWarm.p99)}  OpenStack calls per 100 reads ${per100(httpWarmCalls, reads)}  (${reads} reads, concurrency ${concurrency}, ${(httpWarm.wallMs / 1000).toFixed(1)} s, ${warmOutcomes.containers} function instance(s), cache ${JSON.stringify(warmOutcomes.count)})`);
  console.log(`    cold  p50 ${fmt(httpColdP50)} per read after the cache's TTL ran out  OpenStack calls per 100 reads ${per100(httpColdCalls, coldHttpReads)}  (${coldHttpReads} reads)`);
  console.log(`    warm / cold latency ${(httpColdP50 / httpWarm.p50).toFixed(0)}x`);
  console.log(`  failures ${failures.length}${failures.length ? ` (${[...new Set(failures)].join(', ')})` : ''}`);
} finally {
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instance.InstanceId!] })).catch(() => undefined);
  await ec2.send(new DeleteKeyPairCommand({ KeyName: name })).catch(() => undefined);
}
