/**
 * The CPU this process spends per small AWS SDK call: the state table's GetItem, Query and
 * BatchGetItem against the endpoint's local table (dynalite, its own process, so its CPU is not
 * counted here), and the front door's Lambda Invoke. While a call's CPU runs, any other answer
 * (Cinder's, beside the table reads of a describe) waits in the event loop: this is the cost of
 * a table read that overlaps an OpenStack call.
 *
 * CPU from process.cpuUsage() (user + system) divided by the calls, for each client:
 *   sequential   `calls` calls one at a time, after 200 warm-up calls (V8 has optimised the code);
 *   concurrent   `calls` calls, `concurrency` in flight;
 *   young        a fresh process making 40 GetItems, its calls 2–41 (a family container's first
 *                requests: most of the code still runs unoptimised), median of 3 processes.
 * Clients: "SDK" is the AWS SDK v3 client as lib/store/table.ts built it before issue 15's round on
 * SDK calls (region, endpoint, static credentials, everything else the SDK's default); "ours" is
 * what lib/store/table.ts's `tableClient()` gives now (lib/store/table-client.ts). Two references:
 * the SDK's client with its network taken out (a request handler answering at once: its own work
 * alone), and a plain node:http keep-alive POST of the same bytes, unsigned (Node's HTTP floor).
 *
 *   npx tsx bench/table-calls.ts [calls=400] [concurrency=10] [--profile[=dir]]
 *
 * --profile: a CPU profile (node:inspector) of each client's sequential GetItems, printed as
 * self time by package and by function, and written as .cpuprofile files (open them in Chrome
 * DevTools) in the given directory (default $EC2_RUN_DIR/logs/bench).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DynamoDB, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { HttpResponse } from '@smithy/protocol-http';
import type { TableCalls } from '../lib/store/table-client.js';
import { endpointInfo, fmt, loadAverage, recordRatio, runDir } from './support.js';

const args = process.argv.slice(2);
const positional = args.filter((a) => !a.startsWith('--'));
const calls = Number(positional[0] ?? 400);
const concurrency = Math.max(1, Number(positional[1] ?? 10));
const profileFlag = args.find((a) => a.startsWith('--profile'));
const profileDir = profileFlag?.includes('=') ? profileFlag.slice(profileFlag.indexOf('=') + 1) : join(runDir, 'logs/bench');

const info = endpointInfo();
Object.assign(process.env, info.serverEnv);
const { tableClient } = await import('../lib/store/table.js');
const { LambdaDispatcher } = await import('../lib/dispatch/dispatcher.js');
const { config } = await import('../lib/config.js');
const table = config().table;
if (!table.endpoint) throw new Error('the endpoint has no local table (EC2_TABLE_ENDPOINT): this benchmark reads the local one only');
const lambdaEndpoint = config().dispatch.lambdaEndpoint;
const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The state table's client as it was built before this round (lib/store/table.ts at ee60c34). */
const sdkTable = (requestHandler?: CannedHandler) =>
  new DynamoDB({ region: table.region, endpoint: table.endpoint, credentials: localCredentials, ...(requestHandler ? { requestHandler } : {}) });
/** The dispatcher's Lambda client as it was built before this round. */
const sdkLambda = (requestHandler?: CannedHandler) =>
  new LambdaClient({ region: info.region, endpoint: lambdaEndpoint, credentials: localCredentials, maxAttempts: 1, ...(requestHandler ? { requestHandler } : {}) });

// ----- the items read: a partition of this benchmark's own, removed at the end -----
const project = args.find((a) => a.startsWith('--project='))?.slice('--project='.length) ?? `bench-table-calls-${process.pid}`;
const keys = ['id#vol-0123456789abcdef0', 'volume#vol-0123456789abcdef0', 'tag#vol-0123456789abcdef0#Name'];
const itemOf = (key: string): Record<string, AttributeValue> => ({
  project: { S: project },
  key: { S: key },
  uuid: { S: '7f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b' },
  data: { S: JSON.stringify({ deleteOnTermination: true, device: '/dev/vdb', createdAt: 1764400000000 }) },
  createdAt: { N: '1764400000000' },
});
const keyOf = (key: string) => ({ project: { S: project }, key: { S: key } });

type Call = (ddb: TableCalls) => Promise<unknown>;
const tableCalls: Record<string, Call> = {
  GetItem: (ddb) => ddb.getItem({ TableName: table.name, Key: keyOf(keys[1]!) }),
  'Query (1 item)': (ddb) =>
    ddb.query({
      TableName: table.name,
      KeyConditionExpression: '#project = :project AND begins_with(#key, :prefix)',
      ExpressionAttributeNames: { '#project': 'project', '#key': 'key' },
      ExpressionAttributeValues: { ':project': { S: project }, ':prefix': { S: 'tag#vol-0123456789abcdef0#' } },
      Limit: 1000,
    }),
  'BatchGetItem (2 keys)': (ddb) => ddb.batchGetItem({ RequestItems: { [table.name]: { Keys: [keyOf(keys[0]!), keyOf(keys[1]!)] } } }),
  PutItem: (ddb) => ddb.putItem({ TableName: table.name, Item: itemOf(keys[2]!) }),
};

/** What the table answers each call, for the no-network handler (the same bytes dynalite sends). */
const cannedTable: Record<string, string> = {
  GetItem: JSON.stringify({ Item: itemOf(keys[1]!) }),
  'Query (1 item)': JSON.stringify({ Count: 1, Items: [itemOf(keys[2]!)], ScannedCount: 1 }),
  'BatchGetItem (2 keys)': JSON.stringify({ Responses: { [table.name]: [itemOf(keys[0]!), itemOf(keys[1]!)] }, UnprocessedKeys: {} }),
};

/** A request handler that answers at once: what remains of a call's CPU is the client's own. */
interface CannedHandler {
  body: string;
  handle(): Promise<{ response: HttpResponse }>;
  updateHttpClientConfig(): void;
  httpHandlerConfigs(): Record<string, never>;
}
function cannedHandler(contentType: string): CannedHandler {
  return {
    body: '{}',
    async handle() {
      const body = Buffer.from(this.body);
      return {
        response: new HttpResponse({
          statusCode: 200,
          headers: { 'content-type': contentType, 'content-length': String(body.length), 'x-amzn-requestid': 'canned' },
          body: Readable.from([body]),
        }),
      };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
}

interface Measure {
  cpuUs: number;
  wallMs: number;
  /** The table engine's CPU per call (dynalite, its own process), when it could be read. */
  engineUs?: number;
}

/** CPU time (µs) the local table engine's process has used so far, from /proc (Linux), or undefined. */
function engineCpuUs(): number | undefined {
  try {
    const pid = readFileSync(join(runDir, 'pids/table.pid'), 'utf8').trim();
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // utime + stime, in clock ticks of 10 ms
  } catch {
    return undefined;
  }
}
/** `count` calls, `width` in flight: CPU (µs) and wall time (ms) per call. */
async function measure(count: number, width: number, call: () => Promise<unknown>, warmUp = 200): Promise<Measure> {
  for (let i = 0; i < warmUp; i++) await call(); // V8 optimises what runs often: the steady state
  const cpu = process.cpuUsage();
  const engineBefore = engineCpuUs();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        next++;
        await call();
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  const engineAfter = engineCpuUs();
  const engine = engineBefore === undefined || engineAfter === undefined ? {} : { engineUs: (engineAfter - engineBefore) / count };
  return { cpuUs: (used.user + used.system) / count, wallMs: (performance.now() - started) / count, ...engine };
}

/** Runs `body` under the inspector's CPU profiler; prints self time by package and function, writes the profile. */
async function profiled(name: string, body: () => Promise<unknown>): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 50 });
  await session.post('Profiler.start');
  await body();
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  mkdirSync(profileDir, { recursive: true });
  const file = join(profileDir, `table-calls-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  const deltas = profile.timeDeltas ?? [];
  const selfUs = new Map<number, number>();
  (profile.samples ?? []).forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i] ?? 0)));
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (!us) continue;
    const { url, functionName, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') continue;
    total += us;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (url.startsWith('node:') ? 'node: (core)' : url ? url.replace(/^.*\/(bench|lib|functions)\//, '$1/') : functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
    const fn = `${functionName || '(anonymous)'} ${pkg}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([what, us]) => `      ${((100 * us) / total).toFixed(1).padStart(5)} %  ${what}`)
      .join('\n');
  console.log(`    profile of ${name} (${file}), self time of ${(total / 1000).toFixed(0)} ms on the JS thread, by package:\n${top(byPackage, 12)}`);
  console.log(`    by function:\n${top(byFunction, 15)}`);
}

const us = (x: number) => `${(x / 1000).toFixed(3)} ms`;
const engine = (m: Measure) => (m.engineUs === undefined ? '' : us(m.engineUs));
const rows: Array<{ what: string; sdk: Measure; ours: Measure }> = [];
function print(what: string, sdk: Measure, ours: Measure | undefined): void {
  if (ours) rows.push({ what, sdk, ours });
  console.log(
    `  ${what.padEnd(40)} ${us(sdk.cpuUs).padStart(9)} ${fmt(sdk.wallMs).padStart(8)}   ${ours ? `${us(ours.cpuUs).padStart(9)} ${fmt(ours.wallMs).padStart(8)}   ${(ours.cpuUs / sdk.cpuUs).toFixed(2).padStart(12)}` : ''.padStart(34)}   ${engine(sdk)}${ours ? ` / ${engine(ours)}` : ''}`,
  );
}

/** In a child process: `count` GetItems by a fresh client, CPU per call after the first. */
async function youngProcess(kind: 'sdk' | 'ours', count: number): Promise<Measure> {
  const ddb: TableCalls = kind === 'sdk' ? sdkTable() : tableClient().ddb;
  await tableCalls['GetItem']!(ddb);
  return measure(count, 1, () => tableCalls['GetItem']!(ddb), 0);
}

const young = args.find((a) => a.startsWith('--young='))?.slice('--young='.length);
if (young === 'sdk' || young === 'ours') {
  process.stdout.write(`${JSON.stringify(await youngProcess(young, 40))}\n`);
  process.exit(0);
}

function inFreshProcesses(kind: 'sdk' | 'ours', runs: number): Measure {
  const results = Array.from({ length: runs }, () => {
    const out = execFileSync(process.execPath, ['--no-warnings', '--import', 'tsx', import.meta.filename, `--young=${kind}`, `--project=${project}`], { encoding: 'utf8' });
    return JSON.parse(out.trim().split('\n').pop()!) as Measure;
  }).sort((a, b) => a.cpuUs - b.cpuUs);
  return results[Math.floor(runs / 2)]!;
}

console.log(`CPU per call of this process, ${calls} calls per figure (concurrent: ${concurrency} in flight), load average ${loadAverage()}`);
console.log(`  ${'call'.padEnd(40)} ${'SDK: CPU'.padStart(9)} ${'wall'.padStart(8)}   ${'ours: CPU'.padStart(9)} ${'wall'.padStart(8)}   CPU ours/SDK   table engine's CPU per call (SDK / ours)`);
const seeding = sdkTable();
await Promise.all(keys.map((key) => seeding.putItem({ TableName: table.name, Item: itemOf(key) })));
try {
  const sdk = sdkTable();
  const ours = tableClient().ddb;
  for (const [name, call] of Object.entries(tableCalls)) {
    print(`${name}, sequential`, await measure(calls, 1, () => call(sdk)), await measure(calls, 1, () => call(ours)));
    print(`${name}, concurrent`, await measure(calls, concurrency, () => call(sdk)), await measure(calls, concurrency, () => call(ours)));
  }
  print('GetItem, young process (calls 2–41)', inFreshProcesses('sdk', 3), inFreshProcesses('ours', 3));

  const canned = cannedHandler('application/x-amz-json-1.0');
  canned.body = cannedTable['GetItem']!;
  const offline = sdkTable(canned);
  print('GetItem, the SDK without network', await measure(calls, 1, () => tableCalls['GetItem']!(offline)), undefined);
  const agent = new Agent({ keepAlive: true, maxSockets: 50 });
  const getBody = JSON.stringify({ TableName: table.name, Key: keyOf(keys[1]!) });
  const plainPost = () =>
    new Promise<void>((resolve, reject) => {
      const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem', 'content-length': String(Buffer.byteLength(getBody)) };
      const req = httpRequest(table.endpoint!, { method: 'POST', agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          JSON.parse(Buffer.concat(chunks).toString('utf8'));
          resolve();
        });
      });
      req.on('error', reject);
      req.end(getBody);
    });
  print('GetItem, plain node:http POST, unsigned', await measure(calls, 1, plainPost), undefined);
  agent.destroy();
  if (profileFlag) {
    await profiled('GetItem, SDK', () => measure(calls * 3, 1, () => tableCalls['GetItem']!(sdk)));
    await profiled('GetItem, ours', () => measure(calls * 3, 1, () => tableCalls['GetItem']!(ours)));
  }

  if (lambdaEndpoint) {
    // The front door's invoke of a family: instances' DescribeRegions answers without OpenStack.
    const functionName = `${config().dispatch.functionPrefix}instances`;
    const payload = Buffer.from(JSON.stringify({ action: 'DescribeRegions', params: {}, context: { requestId: 'table-calls', caller: { accessKey: 'bench', projectId: project, projectName: 'bench', userId: 'bench', userName: 'bench', roles: [], token: 'none', tokenExpiresAt: new Date(Date.now() + 3600_000).toISOString(), endpoints: {} } } }));
    const request = JSON.parse(payload.toString('utf8')) as Parameters<InstanceType<typeof LambdaDispatcher>['invoke']>[1];
    const dispatcherSdk = new LambdaDispatcher(config().dispatch.functionPrefix, lambdaEndpoint, info.region, 'sdk');
    const dispatcherOurs = new LambdaDispatcher(config().dispatch.functionPrefix, lambdaEndpoint, info.region, 'http');
    const invokes = Math.max(50, Math.round(calls / 4));
    print('LambdaDispatcher.invoke, sequential', await measure(invokes, 1, () => dispatcherSdk.invoke('instances', request), 20), await measure(invokes, 1, () => dispatcherOurs.invoke('instances', request), 20));
    const invoke = (client: LambdaClient) => client.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: payload }));
    const cannedInvoke = cannedHandler('application/json');
    cannedInvoke.body = JSON.stringify({ output: { regionInfo: [{ regionName: 'RegionOne', regionEndpoint: 'http://127.0.0.1/' }] } });
    const offlineInvoke = sdkLambda(cannedInvoke);
    print('Lambda Invoke, the SDK without network', await measure(invokes, 1, () => invoke(offlineInvoke), 20), undefined);
  }
} finally {
  await Promise.all(keys.map((key) => seeding.deleteItem({ TableName: table.name, Key: keyOf(key) })));
}
for (const { what, sdk, ours } of rows.filter((r) => !/concurrent/.test(r.what))) {
  recordRatio({ bench: 'table-calls', label: `CPU per call: ${what}`, oursMs: ours.cpuUs / 1000, direct: 'the same call, AWS SDK client', directMs: sdk.cpuUs / 1000 });
}
