/**
 * TerminateInstances, one instance per call, against Nova's DELETE of a server: per call the
 * client's ms, the family's ms and its OpenStack and table calls (from the endpoint's log, with
 * EC2_TRACE_OPENSTACK=1 the OpenStack calls themselves).
 *
 *   npx tsx bench/terminate-instances.ts [instances=4]
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeImagesCommand, DescribeInstancesCommand, RunInstancesCommand, TerminateInstancesCommand, type _InstanceType } from '@aws-sdk/client-ec2';
import { fixtures, fmt, loadAverage, percentile, recordRatio, runDir } from './support.js';
import { requestsFromLog } from './log-lines.js';
import { makeProject, removeProject, servers, sleep } from './instances-project.js';

const count = Number(process.argv[2] ?? 4);
const logPath = join(runDir, 'logs', 'offline.log');
const p = await makeProject('bench-term', count * 2 + 2);
let networkId: string | undefined;
try {
  const net = (await p.neutron.post<{ network: { id: string } }>('networks', { network: { name: 'bench' } })).network;
  networkId = net.id;
  await p.neutron.post('subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.251.0.0/24' } });
  const { Images } = await p.ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: [fixtures().imageName] }] }));
  const run = await p.ec2.send(
    new RunInstancesCommand({ ImageId: Images![0]!.ImageId!, InstanceType: 'm1.tiny' as _InstanceType, MinCount: count, MaxCount: count }),
  );
  const ids = run.Instances!.map((i) => i.InstanceId!);
  const { flavors } = await p.nova.get<{ flavors: Array<{ id: string; name: string }> }>('flavors');
  const { images } = await p.nova.get<{ images: Array<{ id: string; name: string }> }>('images');
  await p.nova.post('servers', {
    server: {
      name: 'bench-term',
      imageRef: images.find((i) => i.name === fixtures().imageName)!.id,
      flavorRef: flavors.find((f) => f.name === 'm1.tiny')!.id,
      networks: [{ uuid: net.id }],
      min_count: count,
      max_count: count,
      return_reservation_id: true,
    },
  });
  for (let i = 0; i < 100; i++) {
    const all = await servers(p);
    if (all.length >= count * 2 && all.every((s) => s.status === 'ACTIVE' || s.status === 'ERROR')) break;
    await sleep(3000);
  }
  const viaEc2 = new Set((await p.nova.get<{ servers: Array<{ id: string; name: string }> }>('servers')).servers.filter((s) => !s.name.startsWith('bench-term')).map((s) => s.id));
  const direct = (await servers(p)).filter((s) => !viaEc2.has(s.id)).map((s) => s.id);
  const { Reservations } = await p.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
  console.log(`TerminateInstances, ${count} instances one per call; load average ${loadAverage()}`);
  console.log(`  states before: ${Reservations!.flatMap((r) => r.Instances!.map((i) => i.State!.Name)).join(' ')}`);

  const offset = statSync(logPath).size;
  const oursMs: number[] = [];
  for (const id of ids) {
    const t = performance.now();
    await p.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    oursMs.push(performance.now() - t);
  }
  // Nova's DELETE alone, and the GET of the same server just before it (what a termination must
  // read: the state it answers with, the volumes Nova will delete, the server kept for the hour).
  const novaMs: number[] = [];
  const novaGetMs: number[] = [];
  const micro = { 'x-openstack-nova-api-version': '2.90', 'openstack-api-version': 'compute 2.90' };
  for (const id of direct.slice(0, count)) {
    const g = performance.now();
    await p.nova.request('GET', `servers/${id}`, { headers: micro });
    novaGetMs.push(performance.now() - g);
    const t = performance.now();
    await p.nova.delete(`servers/${id}`);
    novaMs.push(performance.now() - t);
  }
  await sleep(500); // the endpoint's last log lines
  const lines = [...requestsFromLog(readFileSync(logPath).subarray(offset).toString('utf8')).values()].filter((r) => r.action === 'TerminateInstances');
  for (const r of lines) {
    console.log(
      `  ${r.requestId.slice(0, 8)}  front door ${fmt(r.frontDoor ?? 0)}, family ${fmt(r.family ?? 0)}, OpenStack ${r.openstackCalls ?? '?'} calls ${fmt(r.openstack ?? 0)}, table ${r.tableCalls ?? '?'} calls ${fmt(r.table ?? 0)}`,
    );
    for (const c of r.calls) console.log(`      ${c.call}  ${fmt(c.ms)}`);
  }
  const ours = percentile([...oursMs].sort((a, b) => a - b), 50);
  const nova = percentile([...novaMs].sort((a, b) => a - b), 50);
  const novaGet = percentile([...novaGetMs].sort((a, b) => a - b), 50);
  console.log(`  TerminateInstances p50 ${fmt(ours)} (${oursMs.map(fmt).join(', ')}); Nova DELETE p50 ${fmt(nova)} (${novaMs.map(fmt).join(', ')}); ratio ${(ours / nova).toFixed(2)}`);
  console.log(`  Nova GET of the server (microversion 2.90) p50 ${fmt(novaGet)} (${novaGetMs.map(fmt).join(', ')}); against Nova GET + DELETE: ratio ${(ours / (novaGet + nova)).toFixed(2)}`);
  recordRatio({ bench: 'terminate-instances', label: 'TerminateInstances, one instance', oursMs: ours, direct: 'Nova DELETE server', directMs: nova });
  recordRatio({ bench: 'terminate-instances', label: 'TerminateInstances, one instance', oursMs: ours, direct: 'Nova GET + DELETE server', directMs: novaGet + nova });
} finally {
  await removeProject(p, networkId);
}
