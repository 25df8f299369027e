/**
 * The instance behind a metadata request, looked up with the EC2 service's own credentials and
 * shown exactly as DescribeInstances shows it to the instance's project: the same model
 * (instance-model.ts), the same table partition (the project's), the same EC2 ids.
 *
 * Nova shows an admin more than a project member (extended server attributes); those fields are
 * dropped before formatting so that nothing here can differ from what the member sees, except
 * what only the metadata service serves: the user data and the key pair's public key.
 */
import { config } from '../../lib/config.js';
import { OpenStackError } from '../../lib/openstack/http.js';
import { subnetsById } from '../../lib/openstack/neutron.js';
import { getServer, userPublicKey, type NovaServer } from '../../lib/openstack/nova.js';
import { storeFor } from '../../lib/store/project-store.js';
import { loadInstanceViews, type InstanceDeps } from '../../lib/domain/instances/instance-model.js';
import { factsOf, type InstanceFacts } from './facts.js';
import { renewServiceToken, serviceClients, type ServiceClients } from './service-clients.js';

/** Nova server ids are UUIDs; anything else cannot name an instance. */
const SERVER_ID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Nova's server as a project member reads it at the same microversion (2.90 shows the hostname). */
export function asMemberSees(server: NovaServer): NovaServer {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(server)) {
    if (key.startsWith('OS-EXT-SRV-ATTR:') && key !== 'OS-EXT-SRV-ATTR:hostname') continue;
    if (key === 'host_status') continue;
    out[key] = value;
  }
  return out as unknown as NovaServer;
}

async function publicKeyOf(clients: ServiceClients, name: string | null | undefined, userId: string): Promise<string | undefined> {
  if (!name) return undefined;
  // Key pairs belong to users: the launching user's, read as admin. Deleted since the launch
  // (undefined): the instance keeps its authorized key, the service has nothing to add.
  return userPublicKey(clients.nova, name, userId);
}

async function lookupOnce(serverId: string, tenantId: string): Promise<InstanceFacts | undefined> {
  const clients = await serviceClients();
  const server = await getServer(clients.nova, serverId);
  // Another project's instance is answered exactly like one that does not exist.
  if (!server || server.tenant_id !== tenantId || server.status === 'DELETED') return undefined;
  const deps: InstanceDeps = {
    ...clients,
    store: storeFor(tenantId),
    projectId: tenantId,
    region: config().ec2Region,
    metadataTokensRequired: config().metadata.requireToken,
  };
  // Nova's key name is the launch's; read the key while the instance view is being built.
  const novaKey = publicKeyOf(clients, server.key_name, server.user_id);
  novaKey.catch(() => undefined);
  const [view] = await loadInstanceViews(deps, [{ server: asMemberSees(server) }]);
  if (!view) return undefined;
  const keyName = view.instance.KeyName;
  const subnetIds = [...new Set(view.ports.flatMap((p) => p.fixed_ips.map((f) => f.subnet_id)))];
  const [publicKey, subnets] = await Promise.all([
    keyName === (server.key_name ?? undefined) ? novaKey : publicKeyOf(clients, keyName, server.user_id),
    subnetsById(clients.neutron, subnetIds),
  ]);
  return factsOf(view, {
    // Launched through EC2: the bytes recorded then; otherwise what Nova was given.
    userData: view.launch.userData ?? server['OS-EXT-SRV-ATTR:user_data'] ?? undefined,
    publicKey,
    subnets: new Map(subnets.map((s) => [s.id, s])),
    region: config().ec2Region,
  });
}

/** The facts of a tenant's instance, or undefined when the tenant has no such instance. */
export async function lookupInstance(serverId: string, tenantId: string): Promise<InstanceFacts | undefined> {
  if (!SERVER_ID.test(serverId)) return undefined;
  try {
    return await lookupOnce(serverId, tenantId);
  } catch (error) {
    // The service token was revoked or expired early: log in again once.
    if (!(error instanceof OpenStackError && error.status === 401)) throw error;
    renewServiceToken();
    return lookupOnce(serverId, tenantId);
  }
}
