/**
 * Elastic IP addresses: an `eipalloc-` id maps to a Neutron floating IP (the id mapping of type
 * `elastic-ip`), and Neutron's floating IP is the truth about where the address points (its
 * `port_id` and `fixed_ip_address`). The only thing Neutron lacks is the `eipassoc-` association
 * id, so the table keeps one per association:
 *
 *   eipassoc-of#<floating ip>#<port>#<fixed ip>  -> { associationId }   (one id per association)
 *   eipassoc#<association id>                     -> { floatingIpId, portId, fixedIp }
 *
 * An association made outside these actions (a public address given on launch, or Horizon) gets its
 * id the first time it is seen, written with a condition so concurrent readers agree. A record whose
 * association Neutron no longer has (the port was deleted with its instance) names nothing: lookups
 * compare it with the floating IP before trusting it, and the next complete DescribeAddresses
 * listing forgets it (pruneAssociations).
 */
import { randomBytes } from 'node:crypto';
import { Ec2Error, invalidParameterValue } from '../../protocol/errors.js';
import type { NeutronFixedIp, NeutronFloatingIp } from '../../openstack/neutron.js';
import type { StateStore } from '../../store/project-store.js';
import { networkKey, objectsOf, type InternetGatewayRecord, type NetworkIndex } from './records.js';

export interface Association {
  associationId: string;
  floatingIpId: string;
  portId: string;
  fixedIp: string;
}

export interface AssociationTarget {
  portId: string;
  fixedIp: string;
}

const ofKey = (floatingIpId: string, target: AssociationTarget) => `eipassoc-of#${floatingIpId}#${target.portId}#${target.fixedIp}`;
const byIdKey = (associationId: string) => `eipassoc#${associationId}`;
const ASSOCIATION_ID = /^eipassoc-([0-9a-f]{8}|[0-9a-f]{17})$/;

export const newAssociationId = () => `eipassoc-${randomBytes(9).toString('hex').slice(0, 17)}`;

/** Where a floating IP points now, or undefined when it is not associated. */
export function currentTarget(fip: Pick<NeutronFloatingIp, 'port_id' | 'fixed_ip_address'>): AssociationTarget | undefined {
  return fip.port_id && fip.fixed_ip_address ? { portId: fip.port_id, fixedIp: fip.fixed_ip_address } : undefined;
}

const sameTarget = (a: AssociationTarget | undefined, b: AssociationTarget | undefined) =>
  Boolean(a && b && a.portId === b.portId && a.fixedIp === b.fixedIp);

/**
 * What AssociateAddress has to do: nothing new when the address already points there (AWS answers
 * the same association), otherwise associate, which an address associated elsewhere allows only with
 * AllowReassociation (AWS's Resource.AlreadyAssociated).
 */
export function planAssociation(
  fip: Pick<NeutronFloatingIp, 'port_id' | 'fixed_ip_address'>,
  target: AssociationTarget,
  options: { allowReassociation: boolean; allocationId: string; currentAssociationId?: string },
): 'unchanged' | 'associate' | 'reassociate' {
  const current = currentTarget(fip);
  if (!current) return 'associate';
  if (sameTarget(current, target)) return 'unchanged';
  if (!options.allowReassociation) {
    throw new Ec2Error(
      'Resource.AlreadyAssociated',
      `resource ${options.allocationId} is already associated with associate-id ${options.currentAssociationId ?? '(unknown)'}`,
    );
  }
  return 'reassociate';
}

/** The private address to associate with: the one asked for (it must be the port's), or the port's first IPv4. */
export function chooseFixedIp(fixedIps: NeutronFixedIp[], wanted: string | undefined, interfaceId: string): string {
  const v4 = fixedIps.filter((f) => !f.ip_address.includes(':'));
  if (wanted === undefined) {
    const first = v4[0];
    if (!first) throw invalidParameterValue(`The network interface ${interfaceId} has no private IPv4 address to associate with.`);
    return first.ip_address;
  }
  if (!v4.some((f) => f.ip_address === wanted)) {
    throw invalidParameterValue(`The private IP address ${wanted} is not assigned to the network interface ${interfaceId}.`);
  }
  return wanted;
}

/**
 * AWS's Gateway.NotAttached: an address reaches an interface only through its VPC's internet
 * gateway. Networks outside any VPC are left to Neutron, which refuses when their router has no
 * gateway on the floating IP's network.
 */
export async function requireGatewayFor(store: StateStore, networkId: string): Promise<void> {
  const index = await store.getJson<NetworkIndex>(networkKey(networkId));
  if (!index) return;
  const gateways = await objectsOf<InternetGatewayRecord>(store, 'igw');
  if (!gateways.some((g) => g.vpcId === index.vpcId)) {
    throw new Ec2Error('Gateway.NotAttached', `Network ${index.vpcId} is not attached to any internet gateway`);
  }
}

type Pointing = Pick<NeutronFloatingIp, 'id' | 'port_id' | 'fixed_ip_address'>;

/** The association ids of floating IPs as they point now, creating ids for associations seen first. */
export async function associationIdsOf(store: StateStore, fips: Pointing[]): Promise<Map<string, string>> {
  const associated = fips.flatMap((fip) => {
    const target = currentTarget(fip);
    return target ? [{ fip, target, key: ofKey(fip.id, target) }] : [];
  });
  const out = new Map<string, string>();
  if (associated.length === 0) return out;
  const records = await store.getMany(associated.map((a) => a.key));
  await Promise.all(
    associated.map(async ({ fip, target, key }) => {
      const known = records.get(key)?.ec2Id;
      out.set(fip.id, known ?? (await recordAssociation(store, fip.id, target)).associationId);
    }),
  );
  return out;
}

/** Records an association (concurrent recorders of the same one agree on its id). */
export async function recordAssociation(store: StateStore, floatingIpId: string, target: AssociationTarget): Promise<Association> {
  const candidate = newAssociationId();
  const won = await store.put(ofKey(floatingIpId, target), { ec2Id: candidate, uuid: floatingIpId }, { ifAbsent: true });
  const associationId = won ? candidate : (await store.get(ofKey(floatingIpId, target)))?.ec2Id;
  if (!associationId) throw new Error(`association record of floating IP ${floatingIpId} vanished while it was being written`);
  const association: Association = { associationId, floatingIpId, ...target };
  await store.putJson(byIdKey(associationId), association);
  return association;
}

/** An association by its id, or undefined when no such id was ever recorded (or it is no id at all). */
export async function readAssociation(store: StateStore, associationId: string): Promise<Association | undefined> {
  if (!ASSOCIATION_ID.test(associationId)) return undefined;
  return store.getJson<Association>(byIdKey(associationId));
}

/** Whether the floating IP still points where the association says (a deleted port ends it). */
export const isCurrent = (association: Association, fip: Pick<NeutronFloatingIp, 'port_id' | 'fixed_ip_address'>) =>
  sameTarget(currentTarget(fip), association);

/** Forgets one association, so the next association of the same address and port gets a new id. */
export async function forgetAssociation(store: StateStore, association: Association): Promise<void> {
  await store.deleteMany([ofKey(association.floatingIpId, association), byIdKey(association.associationId)]);
}

/** Forgets every association ever recorded for a floating IP (ReleaseAddress). */
export async function forgetAssociationsOf(store: StateStore, floatingIpId: string): Promise<void> {
  const records = await store.query(`eipassoc-of#${floatingIpId}#`);
  await store.deleteMany(records.flatMap((r) => [r.key, ...(r.ec2Id ? [byIdKey(r.ec2Id)] : [])]));
}

/** How long an association record is kept before a listing may call it over (AssociateAddress writes it before Neutron changes). */
export const ASSOCIATION_GRACE_MS = 300_000;

/** Every association record of the project (read while Neutron lists, for pruneAssociations). */
export const associationRecords = (store: StateStore) => store.query('eipassoc-of#');

/**
 * Forgets association records that name nothing any more, given every floating IP of the project
 * (a complete listing): the address is gone (a launch address released with its instance) or
 * points elsewhere (its port went with the instance, or it moved). Records younger than the grace
 * are kept, so an association being made while Neutron was listed survives. Answers how many went.
 */
export async function pruneAssociations(
  store: StateStore,
  allFips: Pointing[],
  records: Array<{ key: string; ec2Id?: string; createdAt?: number }>,
  now = Date.now(),
): Promise<number> {
  const current = new Set(allFips.flatMap((fip) => {
    const target = currentTarget(fip);
    return target ? [ofKey(fip.id, target)] : [];
  }));
  const over = records.filter((r) => !current.has(r.key) && now - (r.createdAt ?? 0) > ASSOCIATION_GRACE_MS);
  await store.deleteMany(over.flatMap((r) => [r.key, ...(r.ec2Id ? [byIdKey(r.ec2Id)] : [])]));
  return over.length;
}
