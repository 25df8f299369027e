/** The external network internet gateways attach VPC routers to, from EC2_EXTERNAL_NETWORK or the only one. */
import { Ec2Error } from '../../protocol/errors.js';
import { externalNetworks } from '../../openstack/neutron.js';
import type { VpcDeps } from './deps.js';

export async function externalNetworkId(deps: VpcDeps): Promise<string> {
  const networks = await externalNetworks(deps.neutron);
  const wanted = deps.settings.externalNetwork;
  const found = wanted ? networks.filter((n) => n.id === wanted || n.name === wanted) : networks;
  if (found.length === 1) return found[0]!.id;
  throw new Ec2Error(
    'InvalidParameterValue',
    wanted
      ? `The configured external network '${wanted}' is not visible to this project (or its name is ambiguous).`
      : 'This cloud has no single external network for internet gateways; the operator must set EC2_EXTERNAL_NETWORK.',
  );
}
