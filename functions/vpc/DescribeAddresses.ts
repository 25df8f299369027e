/**
 * DescribeAddresses through the describe engine. PublicIps narrow like a `public-ip` filter, and an
 * address asked for that the project does not have is AWS's InvalidAddress.NotFound.
 */
import { describe } from '../../lib/describe/engine.js';
import { action } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { floatingIpsOfProject } from '../../lib/openstack/neutron.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { addressDescriptor } from './address-objects.js';

export default action('DescribeAddresses', async (input, ctx) => {
  const publicIps = [...new Set(input.PublicIps ?? [])];
  const filters = [...(input.Filters ?? []), ...(publicIps.length ? [{ Name: 'public-ip', Values: publicIps }] : [])];
  const { items } = await describe(ctx, 'DescribeAddresses', addressDescriptor, { ids: input.AllocationIds, filters });
  const shown = new Set(items.map((a) => a.PublicIp));
  const unseen = publicIps.filter((ip) => !shown.has(ip));
  if (unseen.length) {
    // The other filters may have hidden them: only addresses the project does not have at all are errors.
    const owned = new Set((await mapErrors(() => floatingIpsOfProject(ctx.openstack.neutron, ctx.caller.projectId))).map((f) => f.floating_ip_address));
    const missing = unseen.filter((ip) => !owned.has(ip));
    if (missing.length) throw new Ec2Error('InvalidAddress.NotFound', `Address '${missing.join(', ')}' not found.`);
  }
  return { Addresses: items };
});
