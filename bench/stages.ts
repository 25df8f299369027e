/**
 * Where the time of a cheap call goes: DescribeVolumes of one volume id, read from the request log
 * alone (the per-stage fields of lib/log.ts, so the same breakdown works on a production log):
 * the front door's line (`authMs`, `parseMs`, `dispatchMs`, `serializeMs`), the family's line
 * (`openstackMs`/`openstackCalls`, `tableMs`/`tableCalls`) and the EC2_TRACE_OPENSTACK lines, joined
 * by the request id every line carries (the client reads it from the answer).
 *
 * A. Over HTTP through the running endpoint (its log: local/.run/logs/offline.log).
 * B. The same front door code in this process, with the inline dispatcher (no HTTP gateway, no
 *    Lambda emulation): its log lines are caught from this process's stdout. A − B is what the
 *    emulator adds.
 * A, B and the direct Cinder GET take turns, so all three see the same load. Prints medians; the
 * volume it creates is deleted at the end.
 * C. Our side of the hop alone: the front door's LambdaDispatcher invoking the instances family's
 *    DescribeRegions (no OpenStack call), a plain keep-alive HTTP POST of the same payload to the
 *    same Lambda endpoint, and the SDK's Invoke with the network taken out (its middleware, signing
 *    and parsing: the CPU the SDK adds per request). Also counts the sockets the SDK opened.
 * D. The direct Cinder GET alone and with the describe's table reads started beside it in this
 *    process: what those reads' CPU adds to the OpenStack call they overlap.
 *
 *   npx tsx bench/stages.ts [requests=30] [concurrency=1]
 */
import { readFileSync, statSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { HttpResponse } from '@smithy/protocol-http';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { requestsFromLog, type RequestStages } from './log-lines.js';
import { endpointInfo, fmt, loadAverage, percentile, profileOf, recordRatio, runDir, signedPostFactory } from './support.js';

const requests = Number(process.argv[2] ?? 30);
const concurrency = Math.max(1, Number(process.argv[3] ?? 1));
const logPath = join(runDir, 'logs/offline.log');
const info = endpointInfo();

// The endpoint's settings for the in-process part, OpenStack calls traced as in A.
Object.assign(process.env, info.serverEnv, { EC2_DISPATCH: 'inline', EC2_TRACE_OPENSTACK: '1' });
const { handleEc2Request } = await import('../functions/ec2/front-door.js');
const { openstackAs } = await import('../tests/integration/support/openstack.js');
const { LambdaDispatcher } = await import('../lib/dispatch/dispatcher.js');
const { config } = await import('../lib/config.js');

// lib/log.ts writes JSON lines to stdout: in this process they are B's log, kept instead of printed.
let inProcessLog = '';
const write = process.stdout.write.bind(process.stdout) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  const text = String(chunk);
  if (!text.startsWith('{"level"')) return write(chunk, ...rest);
  inProcessLog += text.endsWith('\n') ? text : `${text}\n`;
  return true;
}) as typeof process.stdout.write;

const med = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
const requestIdOf = (body: string) => /<requestId>([^<]+)<\/requestId>/.exec(body)?.[1] ?? '';
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

  /** B: the front door's code in this process; its wall time by request id. */
  async function inProcessOnce(): Promise<{ requestId: string; ms: number }> {
    const signed = await signer.sign(
      new HttpRequest({ method: 'POST', protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: url.pathname, headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body }),
    );
    const started = performance.now();
    const response = await handleEc2Request({ method: 'POST', path: url.pathname, query: {}, headers: signed.headers, body });
    const ms = performance.now() - started;
    if (response.statusCode !== 200) throw new Error(`in-process DescribeVolumes: ${response.statusCode} ${response.body.slice(0, 300)}`);
    return { requestId: requestIdOf(response.body), ms };
  }

  // Warm containers, caches and connections; then rounds of A, B and Cinder, `concurrency` at a time.
  for (let i = 0; i < 5; i++) {
    await ec2(params);
    await inProcessOnce();
    await cinder.get(`volumes/${oneUuid}`);
  }
  const offset = statSync(logPath).size;
  inProcessLog = '';
  const clientMs = new Map<string, number>();
  const inProcessMs = new Map<string, number>();
  const direct: number[] = [];
  for (let done = 0; done < requests; done += concurrency) {
    const width = Math.min(concurrency, requests - done);
    await Promise.all(
      Array.from({ length: width }, async () => {
        const a = await ec2(params);
        clientMs.set(requestIdOf(a.body), a.ms);
      }),
    );
    await Promise.all(
      Array.from({ length: width }, async () => {
        const b = await inProcessOnce();
        inProcessMs.set(b.requestId, b.ms);
      }),
    );
    await Promise.all(
      Array.from({ length: width }, async () => {
        const t = performance.now();
        await cinder.get(`volumes/${oneUuid}`);
        direct.push(performance.now() - t);
      }),
    );
  }
  await new Promise((r) => setTimeout(r, 500)); // the endpoint's last log lines

  const overHttp = [...requestsFromLog(readFileSync(logPath).subarray(offset).toString('utf8')).values()].filter((r) => clientMs.has(r.requestId));
  const inProcess = [...requestsFromLog(inProcessLog).values()].filter((r) => inProcessMs.has(r.requestId));
  if (!overHttp.length) throw new Error('no front door lines of these requests in the log: is this the endpoint of EC2_RUN_DIR?');

  const pick = (rs: RequestStages[], f: (r: RequestStages) => number | undefined) =>
    med(rs.map(f).filter((x): x is number => x !== undefined && !Number.isNaN(x)));
  const stagesOf = (rs: RequestStages[], wall: Map<string, number>) => ({
    wall: pick(rs, (r) => wall.get(r.requestId)),
    outside: pick(rs, (r) => (r.frontDoor === undefined ? undefined : wall.get(r.requestId)! - r.frontDoor)),
    frontDoor: pick(rs, (r) => r.frontDoor),
    auth: pick(rs, (r) => r.auth),
    parse: pick(rs, (r) => r.parse),
    serialize: pick(rs, (r) => r.serialize),
    dispatch: pick(rs, (r) => r.dispatch),
    hop: pick(rs, (r) => (r.dispatch === undefined || r.family === undefined ? undefined : r.dispatch - r.family)),
    family: pick(rs, (r) => r.family),
    openstack: pick(rs, (r) => r.openstack),
    openstackCalls: pick(rs, (r) => r.openstackCalls),
    table: pick(rs, (r) => r.table),
    tableCalls: pick(rs, (r) => r.tableCalls),
    familyOwn: pick(rs, (r) => (r.family === undefined || r.openstack === undefined ? undefined : r.family - r.openstack)),
  });
  const a = stagesOf(overHttp, clientMs);
  const b = stagesOf(inProcess, inProcessMs);
  const calls = [...new Set(overHttp.flatMap((r) => r.calls.map((c) => c.call.replace(/[0-9a-f-]{36}/g, '{id}'))))];

  const row = (what: string, x: number, y: number | undefined, how: string) =>
    console.log(`  ${what.padEnd(44)} ${fmt(x).padStart(9)}  ${y === undefined ? ''.padStart(9) : fmt(y).padStart(9)}  ${how}`);
  console.log(
    `DescribeVolumes of one id (${volumeId}), ${requests} rounds of (A, B, Cinder), ${concurrency} at a time, medians; load average ${loadAverage()}`,
  );
  console.log(`  ${'stage (from the log lines)'.padEnd(44)} ${'A: HTTP'.padStart(9)}  ${'B: inline'.padStart(9)}  field`);
  row('client wall time', a.wall, b.wall, 'A: signed POST until the answer is read; B: handleEc2Request');
  row('  outside the front door', a.outside, b.outside, 'client − front door `ms`: signing, HTTP, the emulator\'s gateway');
  row('  front door (its line)', a.frontDoor, b.frontDoor, '`ms`');
  row('    signature check', a.auth, b.auth, '`authMs`');
  row('    parse and validate', a.parse, b.parse, '`parseMs`');
  row('    XML serialization', a.serialize, b.serialize, '`serializeMs`');
  row('    dispatch to the family and back', a.dispatch, b.dispatch, '`dispatchMs`');
  row('      the hop itself', a.hop, b.hop, '`dispatchMs` − family `ms`: Lambda invoke both ways (B: the inline dispatcher\'s JSON copy)');
  row('      family (its line)', a.family, b.family, 'family `ms`');
  row(`        OpenStack, ${a.openstackCalls} call(s)`, a.openstack, b.openstack, '`openstackMs` (summed)');
  row(`        state table, ${a.tableCalls} call(s)`, a.table, b.table, '`tableMs` (summed; overlaps the OpenStack call)');
  row('        family − OpenStack', a.familyOwn, b.familyOwn, 'the family\'s own work and table calls not hidden behind OpenStack');
  row('Cinder GET volumes/{id} sent directly', med(direct), undefined, `ratio A / Cinder ${(a.wall / med(direct)).toFixed(2)}; fixed overhead ${fmt(a.wall - med(direct))}`);
  row('what the emulator adds (A − B)', a.wall - b.wall, undefined, 'HTTP gateway and Lambda emulation');
  if (calls.length) console.log(`  OpenStack calls seen (trace lines): ${calls.join(', ')}`);
  await invokeAlone(requests);

  // D. Why the Cinder GET takes longer inside the family than sent alone: the table calls made
  // beside it each cost this process CPU (the DynamoDB client's middleware, signing, parsing) while
  // Cinder's answer waits in the event loop. The same GET, alone and with table calls beside it.
  const { storeFor } = await import('../lib/store/project-store.js');
  const { uuidsOf } = await import('../lib/store/ids.js');
  const { tagsOfIds } = await import('../lib/store/tags.js');
  const store = storeFor(p.projectId);
  const besideIt: Record<string, () => Promise<unknown>> = {
    alone: async () => undefined,
    'the describe\'s reads now (2 calls)': () =>
      Promise.all([uuidsOf(store, [volumeId]), tagsOfIds(store, [volumeId], ['vol']), store.getMany([`volume#${volumeId}`])]),
    'the same reads as 3 calls (before)': () =>
      Promise.all([store.get(`id#${volumeId}`), store.query(`tag#${volumeId}#`), store.get(`volume#${volumeId}`)]),
  };
  const cinderBeside: Record<string, number[]> = {};
  for (let i = 0; i < requests; i++) {
    for (const [what, reads] of Object.entries(besideIt)) {
      const started = performance.now();
      const got = cinder.get(`volumes/${oneUuid}`).then(() => performance.now() - started);
      await reads();
      (cinderBeside[what] ??= []).push(await got);
    }
  }
  console.log('  D: the Cinder GET timed in this process, with table reads started beside it (medians)');
  for (const [what, ms] of Object.entries(cinderBeside)) console.log(`    ${what.padEnd(42)} ${fmt(med(ms)).padStart(9)}`);
  recordRatio({ bench: 'stages', label: 'DescribeVolumes one id (stages run)', oursMs: a.wall, direct: 'Cinder GET volumes/{id}', directMs: med(direct), note: `in-process front door ${fmt(b.wall)}` });
  recordRatio({ bench: 'stages', label: '  same, in-process front door (no HTTP/Lambda hop)', oursMs: b.wall, direct: 'Cinder GET volumes/{id}', directMs: med(direct) });
} finally {
  await ec2({ Action: 'DeleteVolume', VolumeId: volumeId }).catch(() => undefined);
}

/** C: the Lambda invoke of a family, our side of it (see the header). */
async function invokeAlone(rounds: number): Promise<void> {
  const endpoint = info.serverEnv['EC2_LAMBDA_ENDPOINT'];
  if (!endpoint) return;
  const functionName = `${config().dispatch.functionPrefix}instances`;
  const request = {
    action: 'DescribeRegions',
    params: {},
    context: { requestId: 'stages-invoke', caller: { accessKey: 'bench', projectId: 'bench-stages', projectName: 'bench', userId: 'bench', userName: 'bench', roles: [], token: 'none', tokenExpiresAt: new Date(Date.now() + 3600_000).toISOString(), endpoints: {} } },
  };
  const payload = JSON.stringify(request);
  const dispatcher = new LambdaDispatcher(config().dispatch.functionPrefix, endpoint, info.region);
  const agent = new Agent({ keepAlive: true, maxSockets: 50 });
  const plainPost = () =>
    new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${endpoint}/2015-03-31/functions/${functionName}/invocations`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`plain invoke: ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(payload);
    });
  // The SDK as the dispatcher builds it, but answered at once: what remains is the SDK's own work.
  const answeredAtOnce = {
    handle: async () => ({ response: new HttpResponse({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: Readable.from([Buffer.from('{"output":{}}')]) }) }),
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
  const offline = new LambdaClient({ region: info.region, endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1, requestHandler: answeredAtOnce });
  const sdkAlone = () => offline.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(payload) }));
  // The sockets the dispatcher's client opens: one, reused, when keep-alive works.
  const { createConnection } = Agent.prototype;
  let sdkSockets = 0;
  Agent.prototype.createConnection = function (this: Agent, ...args: Parameters<Agent['createConnection']>) {
    if (this !== agent) sdkSockets++;
    return createConnection.apply(this, args);
  } as Agent['createConnection'];
  const times = { dispatcher: [] as number[], plain: [] as number[], sdk: [] as number[] };
  try {
    for (let i = 0; i < 3; i++) {
      await dispatcher.invoke('instances', request);
      await plainPost();
      await sdkAlone();
    }
    for (let i = 0; i < rounds * 2; i++) {
      let t = performance.now();
      await dispatcher.invoke('instances', request);
      times.dispatcher.push(performance.now() - t);
      t = performance.now();
      await plainPost();
      times.plain.push(performance.now() - t);
      t = performance.now();
      await sdkAlone();
      times.sdk.push(performance.now() - t);
    }
  } finally {
    Agent.prototype.createConnection = createConnection;
    agent.destroy();
  }
  console.log(`  the invoke alone (instances DescribeRegions, ${rounds * 2} rounds, medians):`);
  console.log(`    LambdaDispatcher.invoke ${fmt(med(times.dispatcher))}; plain keep-alive POST ${fmt(med(times.plain))}; the SDK without network ${fmt(med(times.sdk))}; sockets the dispatcher opened in ${rounds * 2 + 3} invokes: ${sdkSockets}`);
}
