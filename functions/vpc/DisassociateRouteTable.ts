/** DisassociateRouteTable: the subnet falls back to the main table; the main association cannot be removed. */
import { action } from '../../lib/family.js';
import { invalidParameterValue } from '../../lib/protocol/errors.js';
import { findAssociation, saveAndApply } from './routing.js';

async function checked(associationId: string, ctx: Parameters<typeof findAssociation>[0]) {
  const found = await findAssociation(ctx, associationId);
  if (found.main) throw invalidParameterValue(`cannot disassociate the main route table association ${associationId}`);
  return found.table;
}

export default action(
  'DisassociateRouteTable',
  async (input, ctx) => {
    const table = await checked(input.AssociationId, ctx);
    const associations = table.associations.filter((a) => a.associationId !== input.AssociationId);
    await saveAndApply(ctx, table.vpcId, [[table.routeTableId, { ...table, associations }, table]]);
    return {};
  },
  { check: async (input, ctx) => void (await checked(input.AssociationId, ctx)) },
);
