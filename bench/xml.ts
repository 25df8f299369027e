/**
 * The XML answer of DescribeInstances over N synthetic instances: lib/protocol/xml.ts's direct
 * writer against the object tree + fast-xml-parser XMLBuilder it replaced (kept as the test
 * helper tests/unit/protocol/xml-tree-serializer.ts). No endpoint needed; CPU only.
 *
 * Per serializer: the median time of one answer (including flattening the string, which sending
 * it does anyway), and the bytes it allocates — the heap's growth over one answer, measured in a
 * process started with a young generation large enough that no GC runs during it (checked).
 *
 *   npx tsx bench/xml.ts [N=1000] [rounds=30]
 */
import { spawnSync } from 'node:child_process';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { serializeOutput } from '../lib/protocol/xml.js';
import { describeInstancesOutput } from '../tests/unit/protocol/xml-fixtures.js';
import { treeSerializeOutput } from '../tests/unit/protocol/xml-tree-serializer.js';
import { fmt, loadAverage, percentile, recordRatio } from './support.js';

const count = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 30);
const gc = (globalThis as { gc?: () => void }).gc;

if (!gc) {
  // Again in a process where GC can be asked for and the young generation holds a whole answer.
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', '--max-semi-space-size=256', ...process.execArgv, process.argv[1]!, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exit(child.status ?? 1);
}

const serializers = {
  direct: (output: unknown) => serializeOutput('DescribeInstances', output, 'bench-request'),
  'tree + XMLBuilder': (output: unknown) => treeSerializeOutput('DescribeInstances', output, 'bench-request'),
};
type Name = keyof typeof serializers;

const output = describeInstancesOutput(count);
const reference = serializers['tree + XMLBuilder'](output);
if (serializers.direct(output) !== reference) throw new Error('the two serializers disagree; run tests/unit/protocol/xml-equivalence.test.ts');
const answerBytes = Buffer.byteLength(reference);

/** Collections V8 ran by itself (not our forced ones); reported after the fact, between rounds. */
let unforcedGcs = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const flags = (entry as { detail?: { flags?: number } }).detail?.flags ?? 0;
    if (!(flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED)) unforcedGcs++;
  }
});
observer.observe({ entryTypes: ['gc'] });
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

/** One answer, flattened as sending it would; its time and the heap's growth (GC held off). */
function once(name: Name): { ms: number; allocated: number } {
  gc!();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const xml = serializers[name](output);
  Buffer.byteLength(xml);
  const ms = performance.now() - started;
  const allocated = process.memoryUsage().heapUsed - heapBefore;
  return { ms, allocated };
}

// Warm both (JIT), then alternate which goes first.
for (let i = 0; i < 5; i++) for (const name of Object.keys(serializers) as Name[]) once(name);
const results: Record<Name, { ms: number[]; allocated: number[] }> = { direct: { ms: [], allocated: [] }, 'tree + XMLBuilder': { ms: [], allocated: [] } };
for (let round = 0; round < rounds; round++) {
  const order = (Object.keys(serializers) as Name[])[round % 2 ? 'reverse' : 'slice']();
  for (const name of order) {
    await settle();
    const gcsBefore = unforcedGcs;
    const r = once(name);
    results[name].ms.push(r.ms);
    await settle();
    // A GC during the answer frees part of what it made: still timed, its bytes not counted.
    if (unforcedGcs === gcsBefore) results[name].allocated.push(r.allocated);
  }
}
observer.disconnect();

const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
console.log(`XML answer of DescribeInstances, ${count} instances (${mb(answerBytes)}), ${rounds} rounds; load average ${loadAverage()}`);
for (const name of Object.keys(serializers) as Name[]) {
  const r = results[name];
  const allocated = r.allocated.length ? `${mb(median(r.allocated))} (${r.allocated.length} rounds without a GC)` : 'n/a (a GC ran in every round)';
  console.log(`  ${name.padEnd(18)} p50 ${fmt(median(r.ms)).padStart(9)}  allocated ${allocated}`);
}
const direct = median(results.direct.ms);
const tree = median(results['tree + XMLBuilder'].ms);
console.log(`  direct / tree time ratio ${(direct / tree).toFixed(2)} (${(tree / direct).toFixed(1)}× faster)`);
recordRatio({
  bench: 'xml',
  label: `XML of DescribeInstances, ${count} instances`,
  oursMs: direct,
  direct: 'old tree + XMLBuilder (CPU)',
  directMs: tree,
  note: `answer ${mb(answerBytes)}`,
});
