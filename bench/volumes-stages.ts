/**
 * One volumes-family call against the Cinder call it needs, in five alternating blocks so both see
 * the same load, with the family's own breakdown from the request log (start the endpoint with
 * EC2_TRACE_OPENSTACK=1): client p50s and their ratio, then the medians of the front door's and the
 * family's ms, the Cinder calls' ms inside the family, and the OpenStack and table ms (summed) and
 * calls. "family − Cinder inside" is what the family adds to its Cinder call.
 *
 *   npx tsx bench/volumes-stages.ts '{"Action":"DescribeVolumes"}' volumes/detail [requests=30] [inFlight=2]
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openstackAs } from '../tests/integration/support/openstack.js';
import { requestsFromLog, type RequestStages } from './log-lines.js';
import { load, loadAverage, runDir, signedPostFactory } from './support.js';

const params = JSON.parse(process.argv[2] ?? '{"Action":"DescribeVolumes"}') as Record<string, string>;
const directPath = process.argv[3] ?? 'volumes/detail';
const requests = Number(process.argv[4] ?? 30);
const inFlight = Number(process.argv[5] ?? 2);
const BLOCKS = 5;

const logPath = join(runDir, 'logs/offline.log');
const post = await signedPostFactory('demo');
const { cinder } = await openstackAs('demo');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const ours: number[] = [];
const direct: number[] = [];
const requestIds: string[] = [];
const logStart = statSync(logPath).size;
const loadBefore = loadAverage();
for (let block = 0; block < BLOCKS; block++) {
  const perBlock = Math.ceil(requests / BLOCKS);
  const mine = await load(perBlock, inFlight, async () => {
    const { status, body } = await post(params);
    if (status !== 200) throw new Error(`${params['Action']}: ${status} ${body.slice(0, 200)}`);
    requestIds.push(/<requestId>([^<]+)</.exec(body)![1]!);
  });
  ours.push(...mine.latencies);
  direct.push(...(await load(perBlock, inFlight, async () => void (await cinder.get(directPath)))).latencies);
}
await new Promise((r) => setTimeout(r, 300)); // the endpoint's last log lines
const byId = requestsFromLog(readFileSync(logPath).subarray(logStart).toString('utf8'));
const lines = requestIds.map((id) => byId.get(id)).filter((r): r is RequestStages => Boolean(r));
const field = (k: keyof RequestStages) => median(lines.map((r) => (typeof r[k] === 'number' ? (r[k] as number) : NaN))).toFixed(1);
const cinderInside = median(lines.map((r) => r.calls.filter((c) => c.call.startsWith('cinder')).reduce((sum, c) => sum + c.ms, 0)));
console.log(`${params['Action']} vs Cinder GET ${directPath}, ${requests} requests, ${inFlight} in flight; load ${loadBefore} -> ${loadAverage()}`);
console.log(`  client p50 ${median(ours).toFixed(1)} ms vs ${median(direct).toFixed(1)} ms, ratio ${(median(ours) / median(direct)).toFixed(2)}`);
console.log(
  `  front door ${field('frontDoor')} | family ${field('family')} | Cinder inside ${cinderInside} | OpenStack ${field('openstack')} ms (${field('openstackCalls')} calls) | table ${field('table')} ms (${field('tableCalls')} calls)`,
);
