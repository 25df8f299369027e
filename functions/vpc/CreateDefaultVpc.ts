/**
 * CreateDefaultVpc: adopts the project's network if it has one (see lib/domain/vpc/default-vpc.ts),
 * else builds AWS's default VPC: 172.31.0.0/16, an attached internet gateway, a default route to
 * it in the main route table, and a /20 default subnet per availability zone.
 */
import type { ActionContext } from '../../lib/context.js';
import { firstFreeBlock, parseCidr } from '../../lib/domain/vpc/cidr.js';
import { adopt, defaultVpc, forgetNoDefault, markDefaultVpc } from '../../lib/domain/vpc/default-vpc.js';
import { vpcDeps } from '../../lib/domain/vpc/deps.js';
import { applyVpcNetworkConfig } from '../../lib/domain/vpc/network-config.js';
import { readObject, writeObject, type RouteTableRecord, type SubnetRecord } from '../../lib/domain/vpc/records.js';
import { availabilityZones } from '../../lib/domain/vpc/zones.js';
import { action } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { attachGateway, newInternetGateway } from './gateways.js';
import { createVpcObjects } from './objects.js';
import { formatVpc } from './resources.js';
import { createSubnetObjects } from './subnet-objects.js';
import { withUndo } from './undo.js';

export const DEFAULT_VPC_CIDR = '172.31.0.0/16';
export const DEFAULT_SUBNET_PREFIX = 20;

async function refuseIfPresent(ctx: ActionContext) {
  const existing = await defaultVpc(vpcDeps(ctx));
  if (existing) throw new Ec2Error('DefaultVpcAlreadyExists', 'A Default VPC already exists for this account in this region.');
}

export default action(
  'CreateDefaultVpc',
  async (_input, ctx) => {
    await refuseIfPresent(ctx);
    const deps = vpcDeps(ctx);
    forgetNoDefault(deps);
    const adopted = await mapErrors(() => adopt(deps));
    if (adopted) return { Vpc: formatVpc(ctx, adopted) };

    const cidr = parseCidr(DEFAULT_VPC_CIDR)!;
    const zones = await mapErrors(() => availabilityZones(ctx.openstack.nova));
    const vpc = await withUndo(async (undo) => {
      const created = await createVpcObjects(ctx, cidr, true, undo);
      const gateway = await newInternetGateway(ctx, undo);
      await attachGateway(ctx, gateway, created, undo);
      const main = (await readObject<RouteTableRecord>(ctx.store, created.mainRouteTableId))!;
      await writeObject(ctx.store, main.routeTableId, {
        ...main,
        routes: [...main.routes, { destination: '0.0.0.0/0', gatewayId: gateway.internetGatewayId, origin: 'CreateRoute' }],
      });
      const taken: SubnetRecord[] = [];
      for (const zone of zones.length ? zones : ['nova']) {
        const block = firstFreeBlock(cidr, DEFAULT_SUBNET_PREFIX, taken.map((s) => parseCidr(s.cidr)!))!;
        taken.push(
          await createSubnetObjects(ctx, created, { cidr: block, zone, defaultForAz: true, mapPublicIpOnLaunch: ctx.config.vpc.defaultSubnetMapPublicIp }, undo),
        );
      }
      await mapErrors(() => applyVpcNetworkConfig(deps, created.vpcId));
      await markDefaultVpc(deps, created.vpcId);
      return created;
    });
    return { Vpc: formatVpc(ctx, vpc) };
  },
  { check: async (_input, ctx) => refuseIfPresent(ctx) },
);
