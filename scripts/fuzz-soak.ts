/**
 * A longer fuzz than `npm test` runs: the integration fuzz's signed malformed requests, many more
 * of them, against the local endpoint only (it refuses any endpoint off the loopback). Bounded by
 * a count and a time, whichever comes first. Works in a throw-away project of its own, which it
 * removes at the end, and reports any answer ≥ 500 or malformed, and anything the run created.
 *
 *   npx tsx scripts/fuzz-soak.ts [count=20000] [seconds=900] [seed] [concurrency=4]
 *
 * Exit status 1 when any problem was found.
 */
import { isDeepStrictEqual } from 'node:util';
import { ownProject } from '../tests/integration/instances-fixtures.js';
import { endpointInfo } from '../tests/integration/support/env.js';
import { fuzzRequests } from '../tests/integration/support/fuzz-requests.js';
import { holdings, sendAll } from '../tests/integration/support/fuzz-run.js';

const [count = 20_000, seconds = 900, seed = Date.now() % 1_000_000, concurrency = 4] = process.argv.slice(2).map(Number);
const MAX_COUNT = 1_000_000;
const MAX_SECONDS = 4 * 3600;

const info = endpointInfo();
const host = new URL(info.endpoint).hostname;
if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
  console.error(`refusing to fuzz ${info.endpoint}: the soak runs against a loopback endpoint only`);
  process.exit(2);
}
if (!(count > 0 && count <= MAX_COUNT && seconds > 0 && seconds <= MAX_SECONDS && concurrency >= 1 && concurrency <= 16)) {
  console.error(`count must be 1..${MAX_COUNT}, seconds 1..${MAX_SECONDS}, concurrency 1..16`);
  process.exit(2);
}
Object.assign(process.env, info.serverEnv);

const project = await ownProject('soak', { instances: 5, cores: 10, ram: 20480 });
let failed = false;
try {
  const requests = fuzzRequests(count, seed);
  console.log(`soak: ${requests.length} requests, seed ${seed}, concurrency ${concurrency}, at most ${seconds} s, against ${info.endpoint}`);
  const before = await holdings(project.os, project.projectId);
  const started = Date.now();
  const run = await sendAll(requests, project.ec2, concurrency, started + seconds * 1000);
  const elapsed = (Date.now() - started) / 1000;
  const after = await holdings(project.os, project.projectId);
  console.log(`soak: ${run.sent} answered in ${elapsed.toFixed(0)} s (${(run.sent / elapsed).toFixed(1)}/s)`);
  console.log(`statuses: ${JSON.stringify(Object.fromEntries(run.statuses))}`);
  console.log(`codes: ${JSON.stringify(Object.fromEntries([...run.codes].sort((a, b) => b[1] - a[1])))}`);
  if (run.problems.length) {
    failed = true;
    console.log(`${run.problems.length} problems, the first 50:`);
    for (const p of run.problems.slice(0, 50)) console.log(`  ${p}`);
  }
  if (!isDeepStrictEqual(before, after)) {
    failed = true;
    console.log(`the run changed what the project holds:\n  before ${JSON.stringify(before)}\n  after  ${JSON.stringify(after)}`);
  }
  console.log(failed ? 'soak: FAILED' : 'soak: no problems');
} finally {
  await project.remove();
}
process.exit(failed ? 1 : 0);
