/**
 * UnassignPrivateIpAddresses: takes secondary addresses off the port. An Elastic IP associated with
 * one of them is disassociated first (as AWS does; it stays allocated), and associated again if
 * Neutron refuses the change.
 */
import type { ActionContext } from '../../lib/context.js';
import { action, type Input } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { floatingIpsOfPorts, setFloatingIpPort, setPortFixedIps } from '../../lib/openstack/neutron.js';
import { Ec2Error, invalidParameterValue, missingParameter } from '../../lib/protocol/errors.js';
import { asFixed } from './interface-addresses.js';
import { orderedAddresses, requireInterface } from './interface-objects.js';
import { withUndo } from './undo.js';

async function checked(input: Input<'UnassignPrivateIpAddresses'>, ctx: ActionContext) {
  if (!input.NetworkInterfaceId) throw missingParameter('NetworkInterfaceId');
  if (input.Ipv4Prefixes?.length) throw new Ec2Error('UnsupportedOperation', 'Prefix delegation is not supported by this cloud.');
  const ips = [...new Set(input.PrivateIpAddresses ?? [])];
  if (!ips.length) throw missingParameter('PrivateIpAddress');
  const { networkInterfaceId, port } = await requireInterface(ctx, input.NetworkInterfaceId);
  const v4 = await orderedAddresses(ctx, port);
  const missing = ips.filter((ip) => !v4.some((f) => f.ip_address === ip));
  if (missing.length) throw invalidParameterValue(`Some of the specified addresses are not assigned to interface ${networkInterfaceId}: ${missing.join(', ')}`);
  if (ips.includes(v4[0]!.ip_address)) throw invalidParameterValue(`The primary private address ${v4[0]!.ip_address} of ${networkInterfaceId} cannot be unassigned.`);
  return { port, ips };
}

export default action(
  'UnassignPrivateIpAddresses',
  async (input, ctx) => {
    const { port, ips } = await checked(input, ctx);
    const neutron = ctx.openstack.neutron;
    await withUndo(async (undo) => {
      const fips = (await mapErrors(() => floatingIpsOfPorts(neutron, [port.id]))).filter((f) => f.fixed_ip_address && ips.includes(f.fixed_ip_address));
      for (const fip of fips) {
        await mapErrors(() => setFloatingIpPort(neutron, fip.id, null));
        undo.add('associate the address again', () => setFloatingIpPort(neutron, fip.id, { portId: port.id, fixedIp: fip.fixed_ip_address! }));
      }
      await mapErrors(() => setPortFixedIps(neutron, port.id, asFixed(port.fixed_ips.filter((f) => !ips.includes(f.ip_address)))));
    });
    return {};
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
