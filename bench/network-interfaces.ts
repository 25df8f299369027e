/**
 * DescribeNetworkInterfaces through the full path against the Neutron call it needs, on the running
 * local endpoint, over N interfaces made with CreateNetworkInterface in a subnet of the project
 * (free interfaces; the project's instances' ports are listed too):
 * - DescribeNetworkInterfaces vs Neutron GET ports?project_id=…;
 * - DescribeNetworkInterfaces with 10 NetworkInterfaceIds vs Neutron GET ports?id=….
 * Prints p50s and the ratios. Everything it creates is deleted at the end.
 *
 *   npx tsx bench/network-interfaces.ts [interfaces=30] [requests=30]
 */
import { openstackAs } from '../tests/integration/support/openstack.js';
import { ec2Caller, load, reportNeutronRatio, signedPostFactory, xmlField } from './support.js';

const wanted = Number(process.argv[2] ?? 30);
const requests = Number(process.argv[3] ?? 30);
const post = await signedPostFactory('demo');
const os = await openstackAs('demo');
const neutron = os.neutron;
const ec2 = ec2Caller(post);

const subnetId = xmlField(await ec2({ Action: 'DescribeSubnets' }), 'subnetId');
const made: string[] = [];
try {
  for (let i = 0; i < wanted; i++) made.push(xmlField(await ec2({ Action: 'CreateNetworkInterface', SubnetId: subnetId }), 'networkInterfaceId'));
  const ports = (await neutron.get<{ ports: Array<{ id: string; name: string }> }>('ports', new URLSearchParams({ project_id: os.projectId }))).ports;
  const some = made.slice(0, 10);
  const idsParams = Object.fromEntries(some.map((id, i) => [`NetworkInterfaceId.${i + 1}`, id]));
  const somePorts = new URLSearchParams();
  for (const p of ports.filter((p) => some.includes(p.name))) somePorts.append('id', p.id);
  // Warm both sides (EC2 ids, keep-alive sockets).
  await ec2({ Action: 'DescribeNetworkInterfaces' });

  console.log(`${ports.length} ports in the project (${made.length} made here); ${requests} requests each, one at a time:`);
  const all = await load(requests, 1, async () => void (await ec2({ Action: 'DescribeNetworkInterfaces' })));
  const allDirect = await load(requests, 1, async () => void (await neutron.get('ports', new URLSearchParams({ project_id: os.projectId }))));
  reportNeutronRatio('network-interfaces', 'DescribeNetworkInterfaces (all)', all, allDirect, 'GET ports?project_id=…');
  const byId = await load(requests, 1, async () => void (await ec2({ Action: 'DescribeNetworkInterfaces', ...idsParams })));
  const byIdDirect = await load(requests, 1, async () => void (await neutron.get('ports', somePorts)));
  reportNeutronRatio('network-interfaces', `DescribeNetworkInterfaces (${some.length} ids)`, byId, byIdDirect, 'GET ports?id=…');
} finally {
  for (const id of made) await ec2({ Action: 'DeleteNetworkInterface', NetworkInterfaceId: id }).catch((e: unknown) => console.error(String(e)));
}
