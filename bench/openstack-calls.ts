/**
 * The CPU this process spends per OpenStack call: our client (lib/openstack/http.ts over
 * lib/http-exchange.ts) against got configured as the client was before it (keep-alive agents,
 * retries, JSON), and a bare node:http GET (the floor). The calls are Nova `GET os-keypairs` and
 * Neutron `GET networks` with the demo user's token, in turns of N calls per client, sequential
 * and with several in flight; CPU from process.cpuUsage(), wall per call beside it. The figures
 * include JSON.parse of the answer.
 *
 *   npx tsx bench/openstack-calls.ts [calls=300] [inFlight=8]
 */
import { Agent, request } from 'node:http';
import got from 'got';
import { ServiceClient } from '../lib/openstack/http.js';
import { openstackAs } from '../tests/integration/support/openstack.js';
import { loadAverage, recordRatio } from './support.js';

const calls = Number(process.argv[2] ?? 300);
const inFlight = Math.max(1, Number(process.argv[3] ?? 8));
const loadBefore = loadAverage();

const direct = await openstackAs('demo');
const targets = { 'Nova os-keypairs': { client: direct.nova, path: 'os-keypairs' }, 'Neutron networks': { client: direct.neutron, path: 'networks' } };

type Call = () => Promise<unknown>;

function clientsFor(base: ServiceClient, path: string): Record<string, Call> {
  const { baseUrl, headers = {}, timeoutMs, service } = base.options;
  const ours = new ServiceClient({ service, baseUrl, headers, timeoutMs });
  const agents = { http: new Agent({ keepAlive: true, maxSockets: 64 }) };
  // got as lib/openstack/http.ts used it until issue 15's round 2.
  const viaGot = got.extend({
    prefixUrl: baseUrl.replace(/\/+$/, ''),
    headers: { accept: 'application/json', ...headers },
    agent: agents,
    timeout: { request: timeoutMs },
    retry: { limit: 2, methods: ['GET'], statusCodes: [408, 502, 503, 504] },
  });
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/${path}`);
  const bareAgent = new Agent({ keepAlive: true, maxSockets: 64 });
  const bare = () =>
    new Promise<unknown>((resolve, reject) => {
      const req = request(url, { agent: bareAgent, headers: { accept: 'application/json', ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  return {
    ours: () => ours.get(path),
    got: async () => JSON.parse((await viaGot(path, { isStream: false, resolveBodyOnly: false })).body as unknown as string),
    'bare node:http': bare,
  };
}

async function measure(call: Call, concurrency: number): Promise<{ cpuMs: number; wallMs: number }> {
  for (let i = 0; i < 20; i++) await call(); // warm: sockets open, code optimised
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < calls) await call();
    }),
  );
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000 / calls, wallMs: (performance.now() - started) / calls };
}

console.log(`CPU per OpenStack call of this process, ${calls} calls per figure; load average ${loadBefore}`);
console.log(`  ${'call'.padEnd(40)} ${'client'.padEnd(16)} ${'CPU/call'.padStart(9)} ${'wall/call'.padStart(10)}`);
for (const [name, { client, path }] of Object.entries(targets)) {
  const clients = clientsFor(client, path);
  for (const [mode, concurrency] of [
    ['sequential', 1],
    [`${inFlight} in flight`, inFlight],
  ] as const) {
    const figures: Record<string, { cpuMs: number; wallMs: number }> = {};
    // Two turns each, alternating, so a change of load touches all three alike; the lower CPU of the two is kept.
    for (let turn = 0; turn < 2; turn++) {
      for (const [client, call] of Object.entries(clients)) {
        const f = await measure(call, concurrency);
        const best = figures[client];
        if (!best || f.cpuMs < best.cpuMs) figures[client] = f;
      }
    }
    for (const [client, f] of Object.entries(figures)) {
      console.log(`  ${`${name}, ${mode}`.padEnd(40)} ${client.padEnd(16)} ${f.cpuMs.toFixed(3).padStart(6)} ms ${f.wallMs.toFixed(2).padStart(7)} ms`);
    }
    const ours = figures['ours']!;
    const viaGot = figures['got']!;
    console.log(`  ${''.padEnd(40)} ours / got: ${(ours.cpuMs / viaGot.cpuMs).toFixed(2)}`);
    recordRatio({
      bench: 'openstack-calls',
      label: `CPU per OpenStack call: ${name}, ${mode}`,
      oursMs: ours.cpuMs,
      direct: 'the same call through got (the client before)',
      directMs: viaGot.cpuMs,
      note: `bare node:http ${figures['bare node:http']!.cpuMs.toFixed(3)} ms`,
    });
  }
}
console.log(`load average after: ${loadAverage()}`);
process.exit(0);
