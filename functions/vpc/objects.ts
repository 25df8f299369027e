/**
 * Creating and forgetting the VPC family's objects: the VPC core shared by CreateVpc and
 * CreateDefaultVpc, and the table side of every delete (mapping, tags, record).
 */
import { randomUUID } from 'node:crypto';
import type { ActionContext } from '../../lib/context.js';
import type { Cidr } from '../../lib/domain/vpc/cidr.js';
import { associationId, objectKey, writeObject, type RouteTableRecord, type VpcRecord } from '../../lib/domain/vpc/records.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { createRouter, deleteRouter } from '../../lib/openstack/neutron.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { forgetMapping, newEc2Id, recordMappingAs, type ResourceType } from '../../lib/store/ids.js';
import { forgetTags } from '../../lib/store/tags.js';
import type { Undo } from './undo.js';

/** Forgets an object of ours: its tags, its id mapping and its record. */
export async function forgetObject(ctx: ActionContext, type: ResourceType, ec2Id: string, uuid: string): Promise<void> {
  await forgetTags(ctx.store, ec2Id);
  await forgetMapping(ctx.store, type, ec2Id, uuid);
  await ctx.store.delete(objectKey(ec2Id));
}

/** Records a new route table of a VPC (only the local route), undone on a later failure. */
export async function newRouteTable(ctx: ActionContext, vpcId: string, cidr: string, undo: Undo): Promise<RouteTableRecord> {
  const table: RouteTableRecord = {
    routeTableId: newEc2Id('rtb'),
    uuid: randomUUID(),
    vpcId,
    routes: [{ destination: cidr, gatewayId: 'local', origin: 'CreateRouteTable' }],
    associations: [],
  };
  await recordMappingAs(ctx.store, 'route-table', table.uuid, table.routeTableId);
  undo.add('forget route table', () => forgetObject(ctx, 'route-table', table.routeTableId, table.uuid));
  await writeObject(ctx.store, table.routeTableId, table);
  return table;
}

export const vpcLimitExceeded = () => new Ec2Error('VpcLimitExceeded', 'The maximum number of VPCs has been reached.');

/** A VPC: a Neutron router, our record of its CIDR, and its main route table. */
export async function createVpcObjects(ctx: ActionContext, cidr: Cidr, isDefault: boolean, undo: Undo): Promise<VpcRecord> {
  const vpcId = newEc2Id('vpc');
  const neutron = ctx.openstack.neutron;
  const router = await mapErrors(() => createRouter(neutron, { name: vpcId, description: `EC2 VPC ${cidr.text}` }), { quota: vpcLimitExceeded });
  undo.add('delete router', () => deleteRouter(neutron, router.id));
  await recordMappingAs(ctx.store, 'vpc', router.id, vpcId);
  undo.add('forget vpc', () => forgetObject(ctx, 'vpc', vpcId, router.id));
  const main = await newRouteTable(ctx, vpcId, cidr.text, undo);
  const vpc: VpcRecord = {
    vpcId,
    routerId: router.id,
    cidr: cidr.text,
    cidrAssociationId: associationId('vpc-cidr-assoc'),
    isDefault,
    adopted: false,
    mainRouteTableId: main.routeTableId,
    mainAssociationId: associationId('rtbassoc'),
    enableDnsSupport: true,
    enableDnsHostnames: isDefault,
    createdAt: new Date().toISOString(),
  };
  await writeObject(ctx.store, vpcId, vpc);
  return vpc;
}
