/**
 * RunInstances MaxCount=N through the full path against the Nova multi-create itself (POST servers
 * with min_count = max_count = N), each timed to its answer, with the same user and network.
 * Between rounds every server is built, deleted and gone, so each launch starts from the same
 * state. The front door's credential cache is warmed before each timed call (the Keystone round
 * trip after the cache TTL is the front door's cost, measured by bench/describe-regions.ts).
 * Prints medians and the ratio, the load average before and after each size, and, for the record,
 * the time of the Nova listing that learns a multi-create's server ids (`servers?reservation_id=`,
 * timed apart right after Nova's POST): a multi-create answers only its reservation id, so any
 * client that needs the ids pays that listing, and RunInstances does. The ratio is to the POST alone.
 *
 *   npx tsx bench/run-instances.ts [N...]      (default: 10 50)
 *   BENCH_ROUNDS=3
 *   BENCH_SETTLE=0   delete the servers at once instead of waiting for them to be built (when a
 *                    shared Nova has a long scheduling queue; each launch still starts from none)
 */
import { DescribeImagesCommand, DescribeRegionsCommand, RunInstancesCommand, TerminateInstancesCommand, type _InstanceType } from '@aws-sdk/client-ec2';
import { makeProject, removeProject, servers, sleep } from './instances-project.js';
import { fixtures, fmt, loadAverage, percentile, recordRatio } from './support.js';

const sizes = (process.argv.slice(2).length ? process.argv.slice(2) : ['10', '50']).map(Number);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const waitForBuild = process.env['BENCH_SETTLE'] !== '0';
const NOVA = { 'x-openstack-nova-api-version': '2.90', 'openstack-api-version': 'compute 2.90' };

const p = await makeProject('bench-run', Math.max(...sizes));
let networkId: string | undefined;

async function settle(n: number): Promise<void> {
  if (!waitForBuild) return;
  for (;;) {
    const list = await servers(p);
    if (list.length >= n && list.every((s) => s.status === 'ACTIVE' || s.status === 'ERROR')) return;
    await sleep(3000);
  }
}

async function empty(): Promise<void> {
  for (const s of await servers(p)) await p.nova.delete(`servers/${s.id}`).catch(() => undefined);
  while ((await servers(p)).length) await sleep(3000);
}

try {
  const net = (await p.neutron.post<{ network: { id: string } }>('networks', { network: { name: 'bench' } })).network;
  networkId = net.id;
  await p.neutron.post('subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.251.0.0/22' } });
  const { flavors } = await p.nova.get<{ flavors: Array<{ id: string; name: string }> }>('flavors');
  const flavorId = flavors.find((f) => f.name === 'm1.tiny')!.id;
  const { Images } = await p.ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: [fixtures().imageName] }] }));
  const imageId = Images![0]!.ImageId!;

  console.log(`RunInstances (full path) vs Nova multi-create, ${rounds} rounds per size`);
  for (const n of sizes) {
    const ec2: number[] = [];
    const nova: number[] = [];
    const listing: number[] = [];
    const loadBefore = loadAverage();
    const ours = async () => {
      // Not timed: refreshes the front door's credential cache and wakes the function, as the
      // Nova call below runs with a valid token on an open connection.
      await p.ec2.send(new DescribeRegionsCommand({}));
      const t = performance.now();
      const out = await p.ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: 'm1.tiny' as _InstanceType, MinCount: n, MaxCount: n }));
      ec2.push(performance.now() - t);
      if (out.Instances?.length !== n) throw new Error(`RunInstances launched ${out.Instances?.length}, not ${n}`);
      await settle(n);
      await p.ec2.send(new TerminateInstancesCommand({ InstanceIds: out.Instances.map((i) => i.InstanceId!) }));
      await empty();
    };
    const direct = async () => {
      const t = performance.now();
      const made = await p.nova.request<{ reservation_id: string }>('POST', 'servers', {
        json: { server: { name: 'bench', imageRef: fixtures().imageId, flavorRef: flavorId, min_count: n, max_count: n, return_reservation_id: true, networks: [{ uuid: net.id }] } },
        headers: NOVA,
      });
      nova.push(performance.now() - t);
      const listed = performance.now();
      await p.nova.get('servers', { reservation_id: made.body.reservation_id });
      listing.push(performance.now() - listed);
      await settle(n);
      await empty();
    };
    // Each goes first in every other round, so neither always runs right after the other's deletes.
    for (let round = 0; round < rounds; round++) {
      for (const run of round % 2 ? [direct, ours] : [ours, direct]) await run();
    }
    ec2.sort((a, b) => a - b);
    nova.sort((a, b) => a - b);
    listing.sort((a, b) => a - b);
    const e = percentile(ec2, 50);
    const o = percentile(nova, 50);
    const l = percentile(listing, 50);
    recordRatio({ bench: 'run-instances', label: `RunInstances MaxCount=${n}`, oursMs: e, direct: 'Nova POST servers (multi-create)', directMs: o });
    console.log(
      `  N=${String(n).padStart(3)}  RunInstances p50 ${fmt(e).padStart(10)}   Nova multi-create p50 ${fmt(o).padStart(10)}   ratio ${(e / o).toFixed(2)}` +
        `   (its reservation listing p50 ${fmt(l)}; POST + listing: ratio ${(e / (o + l)).toFixed(2)})   load ${loadBefore} -> ${loadAverage()}`,
    );
  }
} finally {
  console.log('cleaning up…');
  await removeProject(p, networkId);
}
