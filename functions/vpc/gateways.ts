/**
 * Internet gateways: EC2-only objects. Attaching one sets the VPC router's external gateway on the
 * configured external network (SNAT for the VPC, and where floating IPs come from); detaching
 * clears it. The VPC's routes are then reapplied (a default route to the gateway becomes the
 * subnets' gateway only while it is attached).
 */
import { randomUUID } from 'node:crypto';
import type { ActionContext } from '../../lib/context.js';
import { vpcDeps } from '../../lib/domain/vpc/deps.js';
import { externalNetworkId } from '../../lib/domain/vpc/external-network.js';
import { applyVpcNetworkConfig } from '../../lib/domain/vpc/network-config.js';
import { writeObject, type InternetGatewayRecord, type VpcRecord } from '../../lib/domain/vpc/records.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { setRouterGateway } from '../../lib/openstack/neutron.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { newEc2Id, recordMappingAs } from '../../lib/store/ids.js';
import { forgetObject } from './objects.js';
import type { Undo } from './undo.js';

export async function newInternetGateway(ctx: ActionContext, undo: Undo): Promise<InternetGatewayRecord> {
  const gateway: InternetGatewayRecord = { internetGatewayId: newEc2Id('igw'), uuid: randomUUID() };
  await recordMappingAs(ctx.store, 'internet-gateway', gateway.uuid, gateway.internetGatewayId);
  undo.add('forget internet gateway', () => forgetObject(ctx, 'internet-gateway', gateway.internetGatewayId, gateway.uuid));
  await writeObject(ctx.store, gateway.internetGatewayId, gateway);
  return gateway;
}

/** Attaches (the checks are the caller's): router gateway first, then the record, then the routes. */
export async function attachGateway(ctx: ActionContext, gateway: InternetGatewayRecord, vpc: VpcRecord, undo: Undo): Promise<void> {
  const neutron = ctx.openstack.neutron;
  const external = await externalNetworkId(vpcDeps(ctx));
  await mapErrors(() => setRouterGateway(neutron, vpc.routerId, external));
  undo.add('clear router gateway', () => setRouterGateway(neutron, vpc.routerId, null));
  await writeObject(ctx.store, gateway.internetGatewayId, { ...gateway, vpcId: vpc.vpcId });
  undo.add('record detached', () => writeObject(ctx.store, gateway.internetGatewayId, gateway));
  await mapErrors(() => applyVpcNetworkConfig(vpcDeps(ctx), vpc.vpcId));
}

export const alreadyAssociated = (what: string) => new Ec2Error('Resource.AlreadyAssociated', what);
