/**
 * DescribeRegions through the full path (HTTP gateway -> front door with signature check -> Lambda
 * invoke -> instances family -> XML), against the running local endpoint (`npm start`).
 * Prints requests/s, p50/p99, the Keystone calls per 1,000 requests (read from the front door's
 * log lines, which carry each container's running count), and the ratio to one direct Keystone
 * /v3/ec2tokens validation — what the seed system paid on every request.
 *
 *   npx tsx bench/describe-regions.ts [requests=1000] [concurrency=4]
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { passwordAuth } from '../lib/openstack/keystone.js';
import { ServiceClient } from '../lib/openstack/http.js';
import { endpointInfo, fixtures, fmt, load, recordRatio, runDir, signedPostFactory } from './support.js';

const requests = Number(process.argv[2] ?? 1000);
const concurrency = Number(process.argv[3] ?? 4);
const logPath = join(runDir, 'logs/offline.log');

interface LogLine {
  container?: string;
  keystoneCalls?: number;
}

function countersByContainer(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('{') || !line.includes('"keystoneCalls"')) continue;
    const entry = JSON.parse(line) as LogLine;
    if (entry.container && entry.keystoneCalls !== undefined) {
      out.set(entry.container, Math.max(out.get(entry.container) ?? 0, entry.keystoneCalls));
    }
  }
  return out;
}

const post = await signedPostFactory('demo');
// Warm up: the first request of a container validates with Keystone, as it would after a deploy.
for (let i = 0; i < concurrency; i++) await post({ Action: 'DescribeRegions' });

const logStart = statSync(logPath).size;
const before = countersByContainer(readFileSync(logPath, 'utf8'));
const failures: string[] = [];
const result = await load(requests, concurrency, async () => {
  try {
    const { status, body } = await post({ Action: 'DescribeRegions' });
    if (status !== 200) failures.push(`${status} ${/<Code>([^<]+)/.exec(body)?.[1] ?? ''}`);
  } catch (error) {
    failures.push((error as Error).message);
  }
});
await new Promise((r) => setTimeout(r, 500)); // let the last log lines land
const after = countersByContainer(readFileSync(logPath, 'utf8').slice(0));
const logged = readFileSync(logPath, 'utf8').slice(logStart);
let keystone = 0;
for (const [container, count] of after) keystone += count - (before.get(container) ?? 0);

// The seed system's cost per request: one /v3/ec2tokens round trip (measured with a bad signature,
// which Keystone answers after the same lookup and HMAC work).
const f = fixtures();
const service = await passwordAuth({ authUrl: f.authUrl, username: f.serviceUser.name, password: f.serviceUser.password, projectName: f.serviceUser.projectName, userDomainName: 'Default', projectDomainName: 'Default' });
const keystoneClient = new ServiceClient({ service: 'keystone', baseUrl: f.authUrl, headers: { 'x-auth-token': service.id }, timeoutMs: 30_000 });
const direct = await load(100, 1, async () => {
  await keystoneClient
    .request('POST', 'ec2tokens', {
      json: { credentials: { access: f.projects['demo']!.ec2.access, signature: 'x', host: 'h', verb: 'POST', path: '/', params: {}, headers: { Host: 'h' }, body_hash: '' } },
    })
    .catch(() => undefined);
});

recordRatio({
  bench: 'describe-regions',
  label: `DescribeRegions, concurrency ${concurrency}`,
  oursMs: result.p50,
  direct: 'Keystone POST ec2tokens (what the seed paid per request)',
  directMs: direct.p50,
  note: `${((keystone / requests) * 1000).toFixed(1)} Keystone calls per 1,000 requests; ${failures.length} failures`,
});
console.log(`DescribeRegions via ${endpointInfo().endpoint} (dispatch ${endpointInfo().serverEnv['EC2_DISPATCH']}), ${requests} requests, concurrency ${concurrency}`);
console.log(`  throughput        ${result.perSecond.toFixed(1)} requests/s`);
console.log(`  latency           p50 ${fmt(result.p50)}  p99 ${fmt(result.p99)}`);
console.log(`  failures          ${failures.length}${failures.length ? ` (${[...new Set(failures)].join(', ')})` : ''}`);
console.log(`  keystone calls    ${keystone} in total = ${((keystone / requests) * 1000).toFixed(1)} per 1,000 requests (log lines read: ${logged.split('\n').length})`);
console.log(`  one keystone ec2tokens validation alone: p50 ${fmt(direct.p50)} -> full path p50 / keystone p50 = ${(result.p50 / direct.p50).toFixed(2)}`);
