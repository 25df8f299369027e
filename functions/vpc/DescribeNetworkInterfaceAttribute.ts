/** DescribeNetworkInterfaceAttribute: one attribute of the interface, from the same view DescribeNetworkInterfaces shows. */
import type { ActionContext } from '../../lib/context.js';
import { action, type Input } from '../../lib/family.js';
import { invalidParameterValue, missingParameter } from '../../lib/protocol/errors.js';
import { interfaceView, requireInterface } from './interface-objects.js';

const ATTRIBUTES = ['description', 'groupSet', 'sourceDestCheck', 'attachment'] as const;

async function checked(input: Input<'DescribeNetworkInterfaceAttribute'>, ctx: ActionContext) {
  if (!input.NetworkInterfaceId) throw missingParameter('NetworkInterfaceId');
  if (!input.Attribute) throw missingParameter('Attribute');
  if (!(ATTRIBUTES as readonly string[]).includes(input.Attribute)) {
    throw invalidParameterValue(`Value (${input.Attribute}) for parameter attribute is invalid. Valid values: ${ATTRIBUTES.join(', ')}`);
  }
  return requireInterface(ctx, input.NetworkInterfaceId);
}

export default action(
  'DescribeNetworkInterfaceAttribute',
  async (input, ctx) => {
    const { item } = await interfaceView(ctx, await checked(input, ctx));
    const id = { NetworkInterfaceId: item.NetworkInterfaceId };
    switch (input.Attribute!) {
      case 'description':
        return { ...id, Description: { Value: item.Description ?? '' } };
      case 'groupSet':
        return { ...id, Groups: item.Groups ?? [] };
      case 'sourceDestCheck':
        return { ...id, SourceDestCheck: { Value: item.SourceDestCheck ?? true } };
      case 'attachment':
        return { ...id, Attachment: item.Attachment };
    }
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
