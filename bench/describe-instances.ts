/**
 * DescribeInstances over N servers through the full path (EC2 client -> front door -> instances
 * function -> Nova/Neutron/table -> XML -> client) against Nova's own `GET servers/detail` for the
 * same N servers, with the same user's token. Prints medians and the ratio (goal: <= 1.3).
 *
 * The servers live in a project made for the run (its own user, EC2 credential and quotas), on a
 * network of its own, booted with Nova multi-creates; everything is deleted at the end.
 *
 *   npx tsx bench/describe-instances.ts [N...]      (default: 50 200)
 *   BENCH_ROUNDS=10 (timed rounds per N)
 */
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { makeProject, removeProject, servers, sleep, type Project } from './instances-project.js';
import { fixtures, fmt, percentile, recordRatio } from './support.js';

const sizes = (process.argv.slice(2).length ? process.argv.slice(2) : ['50', '200']).map(Number).sort((a, b) => a - b);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 10);
const largest = sizes[sizes.length - 1]!;
const NOVA = { 'x-openstack-nova-api-version': '2.90', 'openstack-api-version': 'compute 2.90' };

/** Boots servers until the project has `n`, in multi-creates of at most 50, and waits for ACTIVE. */
async function grow(p: Project, networkId: string, flavorId: string, n: number): Promise<void> {
  const f = fixtures();
  for (;;) {
    const have = (await servers(p)).length;
    if (have >= n) break;
    const count = Math.min(50, n - have);
    await p.nova.post('servers', {
      server: { name: `b${have}`, imageRef: f.imageId, flavorRef: flavorId, min_count: count, max_count: count, networks: [{ uuid: networkId }], return_reservation_id: true },
    });
    await sleep(1000);
  }
  for (;;) {
    const list = await servers(p);
    const errored = list.filter((s) => s.status === 'ERROR');
    if (errored.length) throw new Error(`${errored.length} servers went to ERROR`);
    const active = list.filter((s) => s.status === 'ACTIVE').length;
    process.stdout.write(`\r  ${active}/${n} servers ACTIVE   `);
    if (active >= n) break;
    await sleep(5000);
  }
  process.stdout.write('\n');
}

async function time(work: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await work();
  return performance.now() - t;
}

const p = await makeProject('bench-inst', largest);
let networkId: string | undefined;
try {
  const net = (await p.neutron.post<{ network: { id: string } }>('networks', { network: { name: 'bench' } })).network;
  networkId = net.id;
  await p.neutron.post('subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.250.0.0/20' } });
  const { flavors } = await p.nova.get<{ flavors: Array<{ id: string; name: string }> }>('flavors');
  const flavorId = flavors.find((f) => f.name === 'm1.tiny')!.id;

  console.log(`DescribeInstances (full path) vs Nova GET servers/detail, ${rounds} rounds per size`);
  for (const n of sizes) {
    await grow(p, net.id, flavorId, n);
    const describeAll = async () => {
      const out = await p.ec2.send(new DescribeInstancesCommand({}));
      const count = (out.Reservations ?? []).reduce((k, r) => k + (r.Instances?.length ?? 0), 0);
      if (count !== n) throw new Error(`DescribeInstances showed ${count} instances, expected ${n}`);
    };
    const novaAll = async () => {
      const { body } = await p.nova.request<{ servers: unknown[] }>('GET', 'servers/detail', { headers: NOVA });
      if (body.servers.length !== n) throw new Error(`Nova showed ${body.servers.length} servers`);
    };
    // The first describe gives every server its EC2 ids: warm both paths up.
    for (let i = 0; i < 3; i++) {
      await describeAll();
      await novaAll();
    }
    const ec2: number[] = [];
    const nova: number[] = [];
    for (let i = 0; i < rounds; i++) {
      ec2.push(await time(describeAll));
      nova.push(await time(novaAll));
    }
    ec2.sort((a, b) => a - b);
    nova.sort((a, b) => a - b);
    const e = percentile(ec2, 50);
    const o = percentile(nova, 50);
    recordRatio({ bench: 'describe-instances', label: `DescribeInstances, ${n} servers`, oursMs: e, direct: 'Nova GET servers/detail', directMs: o });
    console.log(
      `  N=${String(n).padStart(4)}  DescribeInstances p50 ${fmt(e).padStart(10)} p90 ${fmt(percentile(ec2, 90)).padStart(10)}   ` +
        `Nova servers/detail p50 ${fmt(o).padStart(10)} p90 ${fmt(percentile(nova, 90)).padStart(10)}   ratio ${(e / o).toFixed(2)}`,
    );
  }
} finally {
  console.log('cleaning up…');
  await removeProject(p, networkId);
}
