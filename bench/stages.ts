/**
 * Where the time of a cheap call goes: DescribeVolumes of one volume id, as far as the logs and
 * the code's seams allow without new instrumentation in lib/ or functions/.
 *
 * A. Over HTTP through the running endpoint (start it with EC2_TRACE_OPENSTACK=1), one request at
 *    a time. Per request, from the endpoint's log (local/.run/logs/offline.log): the front door's
 *    JSON line (`ms`: signature check + parse + dispatch + serialization), the family's line (`ms`:
 *    parse + table + OpenStack + shaping), the EC2_TRACE_OPENSTACK lines between them, and
 *    serverless-offline's `(λ: …) Duration` lines; the client's own wall time around it.
 * B. In-process, the same request through the front door's code with its real authenticator and an
 *    inline dispatcher (the JSON round trip the Lambda payload makes, no HTTP): the signature check,
 *    the dispatch (JSON round trip), the family, the OpenStack calls (trace lines caught from the
 *    console) and what is left in the front door (parse + serialization + log line), each timed
 *    around the seams the front door's dependencies give. One table read (get of one key) is timed
 *    on its own for scale.
 * Prints medians; the volume it creates is deleted at the end.
 *
 *   npx tsx bench/stages.ts [requests=30]
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { stagesFromLog, type Stages } from './log-lines.js';
import { endpointInfo, fmt, loadAverage, percentile, profileOf, recordRatio, runDir, signedPostFactory } from './support.js';

const requests = Number(process.argv[2] ?? 30);
const logPath = join(runDir, 'logs/offline.log');
const info = endpointInfo();

// The endpoint's settings for the in-process part; OpenStack calls traced so they can be timed.
Object.assign(process.env, info.serverEnv, { EC2_DISPATCH: 'inline', EC2_TRACE_OPENSTACK: '1' });
const { handleEc2Request } = await import('../functions/ec2/front-door.js');
const { authenticator } = await import('../lib/auth/authenticator.js');
const { handle: volumesFamily } = await import('../functions/volumes/family.js');
const { storeFor } = await import('../lib/store/project-store.js');
const { openstackAs } = await import('../tests/integration/support/openstack.js');
const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');

// In this process the trace lines are caught, not printed: they time the in-process OpenStack calls.
const traced: number[] = [];
// lib/log.ts writes JSON lines to stdout: trace lines are timed (`callMs`), request lines dropped.
const write = process.stdout.write.bind(process.stdout) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  const text = String(chunk);
  if (text.startsWith('{"level"')) {
    const entry = JSON.parse(text) as { trace?: string; callMs?: number; message?: string };
    if (entry.trace === 'openstack') traced.push(entry.callMs ?? 0);
    if (entry.trace === 'openstack' || entry.message === 'request') return true;
  }
  return write(chunk, ...rest);
}) as typeof process.stdout.write;
// Every table call goes through DynamoDBClient.send (dynamoose's client too): time them there.
const tableCalls: Array<{ command: string; ms: number }> = [];
const send = DynamoDBClient.prototype.send as (this: unknown, ...args: unknown[]) => Promise<unknown>;
(DynamoDBClient.prototype as unknown as { send: typeof send }).send = async function (this: unknown, ...args: unknown[]) {
  const t = performance.now();
  try {
    return await send.apply(this, args);
  } finally {
    tableCalls.push({ command: (args[0] as object).constructor.name, ms: performance.now() - t });
  }
};

const med = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
const post = await signedPostFactory('demo');

async function ec2(params: Record<string, string>): Promise<{ body: string; ms: number }> {
  const started = performance.now();
  const { status, body } = await post(params);
  const ms = performance.now() - started;
  if (status !== 200) throw new Error(`${params['Action']}: ${status} ${/<Code>([^<]+)/.exec(body)?.[1] ?? body}`);
  return { body, ms };
}

const { body: created } = await ec2({ Action: 'CreateVolume', AvailabilityZone: 'nova', Size: '1' });
const volumeId = /<volumeId>(vol-[0-9a-f]+)</.exec(created)![1]!;
const params = { Action: 'DescribeVolumes', 'VolumeId.1': volumeId };
try {
  for (let i = 0; i < 60 && !(await ec2(params)).body.includes('<status>available</status>'); i++) await new Promise((r) => setTimeout(r, 1000));
  const cinder = (await openstackAs('demo')).cinder;
  const { volumes } = await cinder.get<{ volumes: Array<{ id: string; created_at: string }> }>('volumes/detail');
  const oneUuid = volumes.sort((a, b) => b.created_at.localeCompare(a.created_at))[0]!.id; // the newest: ours
  const p = profileOf('demo');
  const url = new URL(info.endpoint);
  const signer = new SignatureV4({ credentials: { accessKeyId: p.ec2.access, secretAccessKey: p.ec2.secret }, region: info.region, service: 'ec2', sha256: Sha256 });
  const body = new URLSearchParams({ Version: '2016-11-15', ...params }).toString();
  const inProcess = { total: [] as number[], signature: [] as number[], roundTrip: [] as number[], family: [] as number[], openstack: [] as number[], table: [] as number[], tableCalls: [] as number[], rest: [] as number[] };
  const commands = new Set<string>();

  /** B: the front door's code in this process, its seams timed. */
  async function inProcessOnce(record: boolean): Promise<void> {
    const signed = await signer.sign(
      new HttpRequest({ method: 'POST', protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: url.pathname, headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body }),
    );
    let signature = 0;
    let roundTrip = 0;
    let family = 0;
    traced.length = 0;
    tableCalls.length = 0;
    const started = performance.now();
    const response = await handleEc2Request(
      { method: 'POST', path: url.pathname, query: {}, headers: signed.headers, body },
      {
        authenticator: {
          authenticate: async (request, ps) => {
            const t = performance.now();
            const caller = await authenticator.authenticate(request, ps);
            signature = performance.now() - t;
            return caller;
          },
        },
        dispatcher: {
          invoke: async (_family, request) => {
            let t = performance.now();
            const copy = JSON.parse(JSON.stringify(request)) as typeof request;
            roundTrip = performance.now() - t;
            t = performance.now();
            const answer = await volumesFamily(copy);
            family = performance.now() - t;
            t = performance.now();
            const back = JSON.parse(JSON.stringify(answer)) as typeof answer;
            roundTrip += performance.now() - t;
            return back;
          },
        },
      },
    );
    const total = performance.now() - started;
    if (response.statusCode !== 200) throw new Error(`in-process DescribeVolumes: ${response.statusCode} ${response.body.slice(0, 300)}`);
    if (!record) return;
    inProcess.total.push(total);
    inProcess.signature.push(signature);
    inProcess.roundTrip.push(roundTrip);
    inProcess.family.push(family);
    inProcess.openstack.push(traced.reduce((k, ms) => k + ms, 0));
    inProcess.rest.push(total - signature - roundTrip - family);
    inProcess.table.push(tableCalls.reduce((k, c) => k + c.ms, 0));
    inProcess.tableCalls.push(tableCalls.length);
    for (const c of tableCalls) commands.add(c.command);
  }

  // Warm containers, caches and connections, then A, B and Cinder in turn, so they share the machine's load.
  for (let i = 0; i < 5; i++) {
    await ec2(params);
    await inProcessOnce(false);
    await cinder.get(`volumes/${oneUuid}`);
  }
  const offset = statSync(logPath).size;
  const clientMs: number[] = [];
  const direct: number[] = [];
  for (let i = 0; i < requests; i++) {
    clientMs.push((await ec2(params)).ms);
    await inProcessOnce(true);
    const t = performance.now();
    await cinder.get(`volumes/${oneUuid}`);
    direct.push(performance.now() - t);
  }
  await new Promise((r) => setTimeout(r, 500)); // the last log lines
  const stages = stagesFromLog(readFileSync(logPath).subarray(offset).toString('utf8'), clientMs, 'volumes');
  if (!stages.length) throw new Error('no front door lines in the log: is this the endpoint of EC2_RUN_DIR?');
  const pick = (f: (s: Stages) => number | undefined) => med(stages.map(f).filter((x): x is number => x !== undefined && !Number.isNaN(x)));
  const over = {
    client: pick((s) => s.client),
    frontDoorLambda: pick((s) => s.frontDoorLambda),
    frontDoor: pick((s) => s.frontDoor),
    familyLambda: pick((s) => s.familyLambda),
    family: pick((s) => s.family),
    openstack: pick((s) => s.openstack),
    calls: pick((s) => s.openstackCalls),
  };

  const store = storeFor(p.projectId);
  const tableGet: number[] = [];
  for (let i = 0; i < requests; i++) {
    const t = performance.now();
    await store.get(`no-such-key-${i}`);
    tableGet.push(performance.now() - t);
  }

  const row = (what: string, ms: number, how: string) => console.log(`  ${what.padEnd(46)} ${fmt(ms).padStart(9)}  ${how}`);
  console.log(`DescribeVolumes of one id (${volumeId}), ${requests} rounds of (A, B, Cinder) one at a time, medians; load average ${loadAverage()}`);
  console.log(' A. over HTTP through the running endpoint (EC2_DISPATCH=lambda under serverless-offline)');
  row('client wall time', over.client, 'signed POST, answer read');
  row('  outside the front door', over.client - over.frontDoor, 'client signing/HTTP + serverless-offline gateway (client − front door line)');
  row('  front door (its JSON line)', over.frontDoor, `serverless-offline's own Duration for it: ${fmt(over.frontDoorLambda)}`);
  row('    front door work + dispatch hop', over.frontDoor - over.family, 'signature check, parse, Lambda invoke both ways, XML (front door − family line)');
  row('    family (its JSON line)', over.family, `serverless-offline's own Duration for it: ${fmt(over.familyLambda)}`);
  row('      OpenStack calls (trace lines)', over.openstack, `${over.calls} call(s) per request`);
  row('      family minus OpenStack', over.family - over.openstack, 'parse, table reads, describe engine, shaping (not separable in the log)');
  row('Cinder GET volumes/{id} direct', med(direct), `ratio client / Cinder ${(over.client / med(direct)).toFixed(2)}; fixed overhead ${fmt(over.client - med(direct))}`);
  console.log(' B. in-process: the front door code with a timed authenticator and an inline dispatcher (no HTTP, no Lambda emulation)');
  row('total', med(inProcess.total), 'handleEc2Request from signed request to XML');
  row('  signature check (cached credential)', med(inProcess.signature), 'authenticator.authenticate');
  row('  parse + serialization + log line', med(inProcess.rest), 'what is left in the front door');
  row('  Lambda payload JSON round trip', med(inProcess.roundTrip), 'request and answer through JSON, as the invoke does');
  row('  family', med(inProcess.family), 'volumes family handle()');
  row('    OpenStack calls', med(inProcess.openstack), 'trace lines caught in-process');
  row('    table calls (summed)', med(inProcess.table), `${med(inProcess.tableCalls)} call(s) per request: ${[...commands].join(', ')}`);
  row('    family minus OpenStack minus table', med(inProcess.family) - med(inProcess.openstack) - med(inProcess.table), 'parse, describe engine, shaping (negative when table and OpenStack overlap)');
  row('one table read (get of one key), for scale', med(tableGet), 'dynalite on loopback');
  row('dispatch hop + gateway (A client − B total)', over.client - med(inProcess.total), 'what the HTTP gateway and the Lambda emulation add');
  recordRatio({ bench: 'stages', label: 'DescribeVolumes one id (stages run)', oursMs: over.client, direct: 'Cinder GET volumes/{id}', directMs: med(direct), note: `in-process front door ${fmt(med(inProcess.total))}` });
  recordRatio({ bench: 'stages', label: '  same, in-process front door (no HTTP/Lambda hop)', oursMs: med(inProcess.total), direct: 'Cinder GET volumes/{id}', directMs: med(direct) });
} finally {
  await ec2({ Action: 'DeleteVolume', VolumeId: volumeId }).catch(() => undefined);
}
