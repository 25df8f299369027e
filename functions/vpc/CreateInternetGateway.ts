/** CreateInternetGateway: an EC2-only object until attached (see gateways.ts). */
import { action } from '../../lib/family.js';
import { newInternetGateway } from './gateways.js';
import { formatInternetGateway } from './resources.js';
import { tagNew, tagsFromSpecs } from './tag-specs.js';
import { withUndo } from './undo.js';

export default action(
  'CreateInternetGateway',
  async (input, ctx) => {
    const tags = tagsFromSpecs(input.TagSpecifications, 'internet-gateway');
    const gateway = await withUndo(async (undo) => {
      const created = await newInternetGateway(ctx, undo);
      await tagNew(ctx.store, created.internetGatewayId, tags);
      return created;
    });
    return { InternetGateway: formatInternetGateway(ctx, gateway, tags) };
  },
  { check: async (input) => void tagsFromSpecs(input.TagSpecifications, 'internet-gateway') },
);
