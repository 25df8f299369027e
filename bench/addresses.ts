/**
 * DescribeAddresses through the full path against the Neutron call it needs, on the running local
 * endpoint, over N addresses allocated with AllocateAddress (not associated: an association adds
 * one `ports?id=…` call, made in parallel with the table reads):
 * - DescribeAddresses vs Neutron GET floatingips?project_id=… with the fields an address shows
 *   (the call it makes); the same listing without `fields` is timed too, for scale;
 * - DescribeAddresses with 10 AllocationIds vs Neutron GET floatingips?id=…&project_id=…&fields=….
 * Ours and Neutron's calls alternate (each round starting with another), one request at a time,
 * so all see the same load.
 * N is capped by the project's floating IP quota (Neutron's `floatingip`), which is checked first.
 * Prints p50s, the ratios and the load average. Everything it allocates is released at the end.
 *
 *   npx tsx bench/addresses.ts [addresses=50] [requests=50]
 */
import { openstackAs } from '../tests/integration/support/openstack.js';
import { alternate, ec2Caller, loadAverage, neutronRow, reportNeutronRatio, signedPostFactory, xmlField } from './support.js';

const wanted = Number(process.argv[2] ?? 50);
const requests = Number(process.argv[3] ?? 50);
const post = await signedPostFactory('demo');
const os = await openstackAs('demo');
const neutron = os.neutron;

const ec2 = ec2Caller(post);
const field = xmlField;
const row = neutronRow;

const { quota } = await neutron.get<{ quota: { floatingip: number } }>(`quotas/${os.projectId}`);
const inUse = (await neutron.get<{ floatingips: unknown[] }>('floatingips', new URLSearchParams({ project_id: os.projectId }))).floatingips.length;
const room = quota.floatingip < 0 ? wanted : Math.max(0, quota.floatingip - inUse);
const count = Math.min(wanted, room);
console.log(`floating IP quota of the demo project: ${quota.floatingip} (${inUse} in use); allocating ${count} of the ${wanted} asked for`);

const made: Array<{ allocationId: string; fipId?: string }> = [];
try {
  for (let i = 0; i < count; i++) made.push({ allocationId: field(await ec2({ Action: 'AllocateAddress', Domain: 'vpc' }), 'allocationId') });
  const fips = (await neutron.get<{ floatingips: Array<{ id: string }> }>('floatingips', new URLSearchParams({ project_id: os.projectId }))).floatingips;
  const some = made.slice(0, 10).map((m) => m.allocationId);
  const idsParams = Object.fromEntries(some.map((id, i) => [`AllocationId.${i + 1}`, id]));
  const someFips = new URLSearchParams({ project_id: os.projectId });
  for (const f of fips.slice(0, some.length)) someFips.append('id', f.id);
  const fields = ['id', 'floating_ip_address', 'port_id', 'fixed_ip_address', 'project_id'].map((f): [string, string] => ['fields', f]);
  const allShown = new URLSearchParams([['project_id', os.projectId], ...fields]);
  const someShown = new URLSearchParams([...someFips, ...fields]);
  // Warm both sides (EC2 ids and association lookups, keep-alive sockets).
  await ec2({ Action: 'DescribeAddresses' });

  const report = (label: string, ours: { p50: number }, direct: { p50: number }, call: string) =>
    reportNeutronRatio('addresses', label, ours, direct, call);

  console.log(`${fips.length} addresses in the project; ${requests} rounds, one request at a time; load average ${loadAverage()}`);
  const all = await alternate(requests, {
    ours: () => ec2({ Action: 'DescribeAddresses' }),
    shown: () => neutron.get('floatingips', allShown),
    plain: () => neutron.get('floatingips', new URLSearchParams({ project_id: os.projectId })),
  });
  report('DescribeAddresses (all)', all['ours']!, all['shown']!, 'GET floatingips?project_id=…&fields=…');
  row('  same, Neutron listing without fields (scale)', all['ours']!, all['plain']!);
  const byId = await alternate(requests, {
    ours: () => ec2({ Action: 'DescribeAddresses', ...idsParams }),
    shown: () => neutron.get('floatingips', someShown),
  });
  report(`DescribeAddresses (${some.length} AllocationIds)`, byId['ours']!, byId['shown']!, 'GET floatingips?id=…&project_id=…&fields=…');
  console.log(`load average after: ${loadAverage()}`);
} finally {
  for (const { allocationId } of made) {
    await ec2({ Action: 'ReleaseAddress', AllocationId: allocationId }).catch((e: unknown) => console.error(String(e)));
  }
}
