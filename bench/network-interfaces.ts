/**
 * DescribeNetworkInterfaces through the full path against the Neutron call it needs, on the running
 * local endpoint, over N interfaces made with CreateNetworkInterface in a subnet of the project
 * (free interfaces; the project's instances' ports are listed too):
 * - DescribeNetworkInterfaces vs Neutron GET ports?project_id=…;
 * - DescribeNetworkInterfaces with 10 NetworkInterfaceIds vs Neutron GET ports?id=…;
 * - DescribeNetworkInterfaces with one NetworkInterfaceId vs Neutron GET ports/{id}.
 * Ours and Neutron's calls alternate (each round starting with another), so both see the same load.
 * Prints p50s, the ratios and the load average. Everything it creates is deleted at the end.
 *
 *   npx tsx bench/network-interfaces.ts [interfaces=30] [requests=30]
 */
import { openstackAs } from '../tests/integration/support/openstack.js';
import { alternate, ec2Caller, loadAverage, reportNeutronRatio, signedPostFactory, xmlField } from './support.js';

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

  const onePort = ports.find((p) => p.name === some[0]);
  console.log(`${ports.length} ports in the project (${made.length} made here); ${requests} rounds, ours and Neutron's alternating, one request at a time; load average ${loadAverage()}`);
  const all = await alternate(requests, {
    ours: () => ec2({ Action: 'DescribeNetworkInterfaces' }),
    neutron: () => neutron.get('ports', new URLSearchParams({ project_id: os.projectId })),
  });
  reportNeutronRatio('network-interfaces', 'DescribeNetworkInterfaces (all)', all['ours']!, all['neutron']!, 'GET ports?project_id=…');
  const byId = await alternate(requests, {
    ours: () => ec2({ Action: 'DescribeNetworkInterfaces', ...idsParams }),
    neutron: () => neutron.get('ports', somePorts),
  });
  reportNeutronRatio('network-interfaces', `DescribeNetworkInterfaces (${some.length} ids)`, byId['ours']!, byId['neutron']!, 'GET ports?id=…');
  const one = await alternate(requests, {
    ours: () => ec2({ Action: 'DescribeNetworkInterfaces', 'NetworkInterfaceId.1': some[0]! }),
    neutron: () => neutron.get(`ports/${onePort!.id}`),
  });
  reportNeutronRatio('network-interfaces', 'DescribeNetworkInterfaces (one id)', one['ours']!, one['neutron']!, 'GET ports/{id}');
  console.log(`load average after: ${loadAverage()}`);
} finally {
  for (const id of made) await ec2({ Action: 'DeleteNetworkInterface', NetworkInterfaceId: id }).catch((e: unknown) => console.error(String(e)));
}
