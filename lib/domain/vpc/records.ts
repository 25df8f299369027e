/**
 * What the VPC family keeps in the state table: OpenStack has routers, networks and subnets, but no
 * VPC CIDR, route table, internet gateway or DHCP options set. Each object is an `obj#<ec2-id>`
 * item (so tags and DescribeTags find it); networks that carry an EC2 subnet are indexed by
 * `vpcnet#<network uuid>` so other families can tell an instance's VPC from its port.
 */
import { randomBytes } from 'node:crypto';
import type { StateStore } from '../../store/project-store.js';

export interface VpcRecord {
  vpcId: string;
  routerId: string;
  cidr: string;
  cidrAssociationId: string;
  isDefault: boolean;
  /** Adopted from the project's existing network: EC2 deletes forget it but leave Neutron alone. */
  adopted: boolean;
  mainRouteTableId: string;
  mainAssociationId: string;
  /** undefined: AWS's `default` set (Neutron's own DNS). */
  dhcpOptionsId?: string;
  enableDnsSupport: boolean;
  enableDnsHostnames: boolean;
  /** The VPC's `default` security group (a Neutron group): made and recorded by the security group actions. */
  defaultSecurityGroupId?: string;
  createdAt: string;
}

export interface SubnetRecord {
  subnetId: string;
  vpcId: string;
  subnetUuid: string;
  networkId: string;
  cidr: string;
  /** The router's address on the subnet, also when the subnet shows no gateway (no default route). */
  routerIp: string;
  availabilityZone: string;
  mapPublicIpOnLaunch: boolean;
  defaultForAz: boolean;
  adopted: boolean;
}

export interface RouteRecord {
  destination: string;
  /** 'local' or an internet gateway id. */
  gatewayId?: string;
  instanceId?: string;
  networkInterfaceId?: string;
  /** The address behind an instance or interface target (the next hop in Neutron). */
  nexthop?: string;
  origin: 'CreateRouteTable' | 'CreateRoute';
}

export interface RouteTableRecord {
  routeTableId: string;
  /** Stands in for an OpenStack UUID in the id mapping (route tables exist only here). */
  uuid: string;
  vpcId: string;
  routes: RouteRecord[];
  associations: Array<{ associationId: string; subnetId: string }>;
}

export interface InternetGatewayRecord {
  internetGatewayId: string;
  uuid: string;
  vpcId?: string;
}

export interface DhcpOptionsRecord {
  dhcpOptionsId: string;
  uuid: string;
  configurations: Array<{ Key: string; Values: string[] }>;
}

export const objectKey = (ec2Id: string) => `obj#${ec2Id}`;
export const networkKey = (networkUuid: string) => `vpcnet#${networkUuid}`;
export const DEFAULT_VPC_KEY = 'vpcdefault';

export interface NetworkIndex {
  vpcId: string;
  subnetId: string;
}

export const readObject = <T>(store: StateStore, ec2Id: string) => store.getJson<T>(objectKey(ec2Id));
export const writeObject = (store: StateStore, ec2Id: string, data: unknown, options?: { ifAbsent?: boolean }) =>
  store.putJson(objectKey(ec2Id), data, options);

/** Every object of one kind (`vpc`, `subnet`, `rtb`, `igw`, `dopt`): one query. */
export async function objectsOf<T>(store: StateStore, idPrefix: string): Promise<T[]> {
  return (await store.query(`obj#${idPrefix}-`)).flatMap((r) => (r.data === undefined ? [] : [JSON.parse(r.data) as T]));
}

export async function readObjects<T>(store: StateStore, ec2Ids: string[]): Promise<Map<string, T>> {
  const records = await store.getMany(ec2Ids.map(objectKey));
  const out = new Map<string, T>();
  for (const id of ec2Ids) {
    const data = records.get(objectKey(id))?.data;
    if (data !== undefined) out.set(id, JSON.parse(data) as T);
  }
  return out;
}

/** An association id (`rtbassoc-`, `vpc-cidr-assoc-`): not a resource of its own, so not mapped. */
export const associationId = (prefix: 'rtbassoc' | 'vpc-cidr-assoc') => `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
