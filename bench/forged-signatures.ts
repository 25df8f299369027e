/**
 * What a bad signature costs the endpoint: 100 forged requests after the first, in three shapes,
 * with their wall time and the Keystone calls they caused (read from the front door's log lines),
 * beside the same number of valid requests. Against the running local endpoint (`npm start`).
 *
 *   npx tsx bench/forged-signatures.ts [requests=100]
 */
import { randomBytes } from 'node:crypto';
import { fmt } from './support.js';
import { form, frontDoorLog, send, signRequest, type SignOptions } from '../tests/integration/support/tamper.js';

const requests = Number(process.argv[2] ?? 100);
const body = form({ Action: 'DescribeRegions' });
const madeUpKey = () => `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;

/** Sends `requests` requests after a first one; wall time and Keystone calls of those after the first. */
async function measure(label: string, options: (i: number) => SignOptions, sameRequest = false) {
  const first = await signRequest(options(0));
  const firstResponse = await send(first);
  const before = await frontDoorLog(firstResponse.requestId);
  const signed = [];
  for (let i = 1; i <= requests; i++) signed.push(sameRequest ? first : await signRequest(options(i)));
  const codes = new Map<string, number>();
  let lastId = firstResponse.requestId;
  const started = performance.now();
  for (const request of signed) {
    const response = await send(request);
    const code = `${response.status} ${response.code ?? 'OK'}`;
    codes.set(code, (codes.get(code) ?? 0) + 1);
    lastId = response.requestId;
  }
  const wallMs = performance.now() - started;
  const after = await frontDoorLog(lastId);
  const calls = after.container === before.container ? String(after.keystoneCalls - before.keystoneCalls) : 'n/a (another process)';
  console.log(
    `${label.padEnd(58)} ${fmt(wallMs / requests)}/request  Keystone calls: ${calls}  answers: ${[...codes].map(([c, n]) => `${n}x ${c}`).join(', ')}`,
  );
}

console.log(`${requests} requests after the first, one at a time:`);
await measure('valid signatures (demo credential)', () => ({ body }));
await measure('one forged signature replayed (unknown access key)', () => ({ body, accessKey: 'AKIAREPLAYED', secret: 'forged' }), true);
const known = madeUpKey();
await measure('distinct forged signatures, one unknown access key', (i) => ({ body, accessKey: known, secret: `forged-${i}` }));
await measure('distinct forged signatures, the demo access key', (i) => ({ body, secret: `forged-${i}` }));
await measure('distinct forged signatures, a new access key each', (i) => ({ body, accessKey: madeUpKey(), secret: `forged-${i}` }));
