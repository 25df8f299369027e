/** AssociateRouteTable: a subnet of the same VPC, at most one explicit table per subnet; its routes apply at once. */
import { allInOrder } from '../../lib/deferred.js';
import type { ActionContext } from '../../lib/context.js';
import { associationId } from '../../lib/domain/vpc/records.js';
import { action, type Input } from '../../lib/family.js';
import { Ec2Error, invalidParameterValue, missingParameter } from '../../lib/protocol/errors.js';
import { requireRouteTable, requireSubnet, routeTablesOfVpc } from './lookup.js';
import { saveAndApply } from './routing.js';

async function checked(input: Input<'AssociateRouteTable'>, ctx: ActionContext) {
  if (input.GatewayId) throw new Ec2Error('UnsupportedOperation', 'Gateway route table associations are not supported by this cloud.');
  if (!input.SubnetId) throw missingParameter('SubnetId');
  const [table, subnet] = await allInOrder([requireRouteTable(ctx, input.RouteTableId), requireSubnet(ctx, input.SubnetId)]);
  if (table.vpcId !== subnet.vpcId) throw invalidParameterValue(`Route table ${table.routeTableId} and subnet ${subnet.subnetId} belong to different networks`);
  const current = (await routeTablesOfVpc(ctx, subnet.vpcId)).find((t) => t.associations.some((a) => a.subnetId === subnet.subnetId));
  if (current) {
    throw new Ec2Error('Resource.AlreadyAssociated', `the specified association for route table ${current.routeTableId} conflicts with an existing association`);
  }
  return { table, subnet };
}

export default action(
  'AssociateRouteTable',
  async (input, ctx) => {
    const { table, subnet } = await checked(input, ctx);
    const id = associationId('rtbassoc');
    await saveAndApply(ctx, table.vpcId, [[table.routeTableId, { ...table, associations: [...table.associations, { associationId: id, subnetId: subnet.subnetId }] }, table]]);
    return { AssociationId: id, AssociationState: { State: 'associated' } };
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
