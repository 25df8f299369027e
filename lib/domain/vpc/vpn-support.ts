/**
 * Whether the cloud offers VPN connections: Neutron's vpnaas extension, asked once per Neutron
 * endpoint and process (a cloud does not gain or lose a service plugin between requests; a failed
 * question is asked again next time).
 */
import type { ServiceClient } from '../../openstack/http.js';
import { hasVpnaas } from '../../openstack/neutron.js';
import { mapErrors } from '../../openstack/errors.js';
import { Ec2Error } from '../../protocol/errors.js';

const verdicts = new Map<string, Promise<boolean>>();

export async function vpnaasAvailable(neutron: Pick<ServiceClient, 'options' | 'get'>): Promise<boolean> {
  const key = neutron.options.baseUrl;
  let verdict = verdicts.get(key);
  if (!verdict) {
    verdict = hasVpnaas(neutron);
    verdicts.set(key, verdict);
    verdict.catch(() => verdicts.delete(key));
  }
  return mapErrors(() => verdict);
}

export const vpnUnsupported = () =>
  new Ec2Error(
    'UnsupportedOperation',
    "VPN connections are not available on this cloud: its Neutron does not offer the VPNaaS extension ('vpnaas', from neutron-vpnaas). Ask the operator to enable it.",
  );

/** For the actions that create VPN objects: UnsupportedOperation where vpnaas is missing. */
export async function requireVpnaas(neutron: ServiceClient): Promise<void> {
  if (!(await vpnaasAvailable(neutron))) throw vpnUnsupported();
}

/** Forgets the verdicts (tests that switch clouds). */
export const forgetVpnaasVerdicts = () => verdicts.clear();
