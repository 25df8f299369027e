/**
 * DescribeAddresses through the full path against the Neutron call it needs, on the running local
 * endpoint, over N addresses allocated with AllocateAddress (not associated: an association adds
 * one `ports?id=…` call, made in parallel with the table reads):
 * - DescribeAddresses vs Neutron GET floatingips?project_id=…;
 * - DescribeAddresses with 10 AllocationIds vs Neutron GET floatingips?id=…&project_id=….
 * N is capped by the project's floating IP quota (Neutron's `floatingip`), which is checked first.
 * Prints p50s and the ratios. Everything it allocates is released at the end.
 *
 *   npx tsx bench/addresses.ts [addresses=50] [requests=50]
 */
import { openstackAs } from '../tests/integration/support/openstack.js';
import { ec2Caller, load, neutronRow, signedPostFactory, xmlField } from './support.js';

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
  // Warm both sides (EC2 ids and association lookups, keep-alive sockets).
  await ec2({ Action: 'DescribeAddresses' });

  console.log(`${fips.length} addresses in the project; ${requests} requests each, one at a time:`);
  const all = await load(requests, 1, async () => void (await ec2({ Action: 'DescribeAddresses' })));
  const allDirect = await load(requests, 1, async () => void (await neutron.get('floatingips', new URLSearchParams({ project_id: os.projectId }))));
  row('DescribeAddresses (all)', all, allDirect);
  const byId = await load(requests, 1, async () => void (await ec2({ Action: 'DescribeAddresses', ...idsParams })));
  const byIdDirect = await load(requests, 1, async () => void (await neutron.get('floatingips', someFips)));
  row(`DescribeAddresses (${some.length} AllocationIds)`, byId, byIdDirect);
} finally {
  for (const { allocationId } of made) {
    await ec2({ Action: 'ReleaseAddress', AllocationId: allocationId }).catch((e: unknown) => console.error(String(e)));
  }
}
