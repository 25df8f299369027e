/**
 * ReplaceRouteTableAssociation: moves a subnet to another table of its VPC, or (given the main
 * association) makes another table the VPC's main table. Either way a new association id.
 */
import type { ActionContext } from '../../lib/context.js';
import { associationId } from '../../lib/domain/vpc/records.js';
import { action, type Input } from '../../lib/family.js';
import { invalidParameterValue } from '../../lib/protocol/errors.js';
import { requireRouteTable } from './lookup.js';
import { findAssociation, saveAndApply } from './routing.js';

async function checked(input: Input<'ReplaceRouteTableAssociation'>, ctx: ActionContext) {
  const [found, target] = await Promise.all([findAssociation(ctx, input.AssociationId), requireRouteTable(ctx, input.RouteTableId)]);
  if (target.vpcId !== found.table.vpcId) {
    throw invalidParameterValue(`Route table ${target.routeTableId} and association ${input.AssociationId} belong to different networks`);
  }
  return { ...found, target };
}

export default action(
  'ReplaceRouteTableAssociation',
  async (input, ctx) => {
    const { table, main, target } = await checked(input, ctx);
    const id = associationId('rtbassoc');
    if (main) {
      await saveAndApply(ctx, main.vpcId, [[main.vpcId, { ...main, mainRouteTableId: target.routeTableId, mainAssociationId: id }, main]]);
    } else if (target.routeTableId === table.routeTableId) {
      const associations = table.associations.map((a) => (a.associationId === input.AssociationId ? { ...a, associationId: id } : a));
      await saveAndApply(ctx, table.vpcId, [[table.routeTableId, { ...table, associations }, table]]);
    } else {
      const moving = table.associations.find((a) => a.associationId === input.AssociationId)!;
      await saveAndApply(ctx, table.vpcId, [
        [table.routeTableId, { ...table, associations: table.associations.filter((a) => a !== moving) }, table],
        [target.routeTableId, { ...target, associations: [...target.associations, { associationId: id, subnetId: moving.subnetId }] }, target],
      ]);
    }
    return { NewAssociationId: id, AssociationState: { State: 'associated' } };
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
