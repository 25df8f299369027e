/**
 * ModifyNetworkInterfaceAttribute: one attribute per call, as AWS: description, sourceDestCheck,
 * groupSet (groups of the interface's VPC) or the attachment's DeleteOnTermination.
 */
import type { ActionContext } from '../../lib/context.js';
import { vpcDeps } from '../../lib/domain/vpc/deps.js';
import { launchGroupUuids } from '../../lib/domain/vpc/security-groups.js';
import { action, type Input } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { updatePort } from '../../lib/openstack/neutron.js';
import { Ec2Error, invalidParameterCombination, invalidParameterValue, missingParameter } from '../../lib/protocol/errors.js';
import { interfaceView, requireInterface } from './interface-objects.js';
import { setDeleteOnTermination, setSourceDestCheck } from './interface-attributes.js';

type Change =
  | { kind: 'description'; value: string }
  | { kind: 'sourceDestCheck'; value: boolean }
  | { kind: 'groupSet'; value: string[] }
  | { kind: 'attachment'; attachmentId: string; deleteOnTermination: boolean };

function changeOf(input: Input<'ModifyNetworkInterfaceAttribute'>): Change {
  if (input.EnaSrdSpecification) throw new Ec2Error('UnsupportedOperation', 'ENA Express is not available on this cloud.');
  const given: Change[] = [];
  if (input.Description) given.push({ kind: 'description', value: input.Description.Value ?? '' });
  if (input.SourceDestCheck) {
    if (input.SourceDestCheck.Value === undefined) throw missingParameter('SourceDestCheck.Value');
    given.push({ kind: 'sourceDestCheck', value: input.SourceDestCheck.Value });
  }
  if (input.Groups?.length) given.push({ kind: 'groupSet', value: input.Groups });
  if (input.Attachment) {
    if (!input.Attachment.AttachmentId) throw missingParameter('Attachment.AttachmentId');
    if (input.Attachment.DeleteOnTermination === undefined) throw missingParameter('Attachment.DeleteOnTermination');
    given.push({ kind: 'attachment', attachmentId: input.Attachment.AttachmentId, deleteOnTermination: input.Attachment.DeleteOnTermination });
  }
  if (given.length === 0) throw missingParameter('one of Description, SourceDestCheck, SecurityGroupId or Attachment');
  if (given.length > 1) throw invalidParameterCombination('Fields for multiple attribute types specified: only one attribute can be modified at a time.');
  const change = given[0]!;
  if (change.kind === 'description' && change.value.length > 255) throw invalidParameterValue('The description may be at most 255 characters long.');
  return change;
}

async function checked(input: Input<'ModifyNetworkInterfaceAttribute'>, ctx: ActionContext) {
  if (!input.NetworkInterfaceId) throw missingParameter('NetworkInterfaceId');
  const change = changeOf(input);
  const view = await interfaceView(ctx, await requireInterface(ctx, input.NetworkInterfaceId));
  // Groups resolve within the interface's VPC (another VPC's group is refused).
  const groups = change.kind === 'groupSet' ? await launchGroupUuids(vpcDeps(ctx), view.item.VpcId, change.value, undefined) : undefined;
  return { change, view, groups };
}

export default action(
  'ModifyNetworkInterfaceAttribute',
  async (input, ctx) => {
    const { change, view, groups } = await checked(input, ctx);
    const neutron = ctx.openstack.neutron;
    switch (change.kind) {
      case 'description':
        await mapErrors(() => updatePort(neutron, view.port.id, { description: change.value }));
        break;
      case 'sourceDestCheck':
        await setSourceDestCheck(ctx, view.port, change.value);
        break;
      case 'groupSet':
        await mapErrors(() => updatePort(neutron, view.port.id, { security_groups: groups! }), {
          conflict: (message) => new Ec2Error('UnsupportedOperation', `Neutron refused the groups: ${message}`),
        });
        break;
      case 'attachment':
        await setDeleteOnTermination(ctx, view, change.attachmentId, change.deleteOnTermination);
        break;
    }
    return {};
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
