/** The VPC family's objects by EC2 id, with AWS's Malformed and NotFound codes. */
import type { ActionContext } from '../../lib/context.js';
import { vpcDeps } from '../../lib/domain/vpc/deps.js';
import { defaultVpc } from '../../lib/domain/vpc/default-vpc.js';
import { objectsOf, readObject, type DhcpOptionsRecord, type InternetGatewayRecord, type RouteTableRecord, type SubnetRecord, type VpcRecord } from '../../lib/domain/vpc/records.js';
import { notFound } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ID_PREFIXES, assertEc2Id, type ResourceType } from '../../lib/store/ids.js';

async function requireObject<T>(ctx: ActionContext, type: ResourceType, ec2Id: string): Promise<T> {
  assertEc2Id(ec2Id, ID_PREFIXES[type], ID_ERRORS[type]);
  const record = await readObject<T>(ctx.store, ec2Id);
  if (!record) throw notFound(ID_ERRORS[type].notFound, ec2Id, ID_ERRORS[type].noun);
  return record;
}

/** A VPC of the project (the default VPC is adopted first, so its id works from the first call on). */
export async function requireVpc(ctx: ActionContext, vpcId: string): Promise<VpcRecord> {
  assertEc2Id(vpcId, ID_PREFIXES.vpc, ID_ERRORS.vpc);
  const record = await readObject<VpcRecord>(ctx.store, vpcId);
  if (record) return record;
  const fallback = await defaultVpc(vpcDeps(ctx));
  if (fallback?.vpcId === vpcId) return fallback;
  throw notFound(ID_ERRORS.vpc.notFound, vpcId, ID_ERRORS.vpc.noun);
}

export const requireSubnet = (ctx: ActionContext, id: string) => requireObject<SubnetRecord>(ctx, 'subnet', id);
export const requireRouteTable = (ctx: ActionContext, id: string) => requireObject<RouteTableRecord>(ctx, 'route-table', id);
export const requireInternetGateway = (ctx: ActionContext, id: string) => requireObject<InternetGatewayRecord>(ctx, 'internet-gateway', id);
export const requireDhcpOptions = (ctx: ActionContext, id: string) => requireObject<DhcpOptionsRecord>(ctx, 'dhcp-options', id);

export const subnetsOfVpc = async (ctx: ActionContext, vpcId: string) =>
  (await objectsOf<SubnetRecord>(ctx.store, 'subnet')).filter((s) => s.vpcId === vpcId);
export const routeTablesOfVpc = async (ctx: ActionContext, vpcId: string) =>
  (await objectsOf<RouteTableRecord>(ctx.store, 'rtb')).filter((t) => t.vpcId === vpcId);
export const gatewaysOfVpc = async (ctx: ActionContext, vpcId: string) =>
  (await objectsOf<InternetGatewayRecord>(ctx.store, 'igw')).filter((g) => g.vpcId === vpcId);
