/**
 * CreateDhcpOptions: an EC2-only set. Once associated with a VPC, `domain-name-servers` become the
 * DNS servers of the VPC's Neutron subnets; the other keys are kept and shown (Neutron sets them
 * per port only, see README.md).
 */
import { randomUUID } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { writeObject, type DhcpOptionsRecord } from '../../lib/domain/vpc/records.js';
import { action, type Input } from '../../lib/family.js';
import { invalidParameterValue, missingParameter } from '../../lib/protocol/errors.js';
import { newEc2Id, recordMappingAs } from '../../lib/store/ids.js';
import { forgetObject } from './objects.js';
import { formatDhcpOptions } from './resources.js';
import { tagNew, tagsFromSpecs } from './tag-specs.js';
import { withUndo } from './undo.js';

const ADDRESS_KEYS = new Set(['domain-name-servers', 'ntp-servers', 'netbios-name-servers']);
const KEYS = new Set([...ADDRESS_KEYS, 'domain-name', 'netbios-node-type']);
const MAX_ADDRESSES = 4;

function configurations(input: Input<'CreateDhcpOptions'>): DhcpOptionsRecord['configurations'] {
  if (!input.DhcpConfigurations?.length) throw missingParameter('DhcpConfiguration');
  const seen = new Set<string>();
  return input.DhcpConfigurations.map(({ Key, Values }) => {
    if (!Key) throw missingParameter('DhcpConfiguration.Key');
    if (!KEYS.has(Key)) throw invalidParameterValue(`Value (${Key}) for parameter dhcpConfiguration.key is invalid. Unknown dhcp option`);
    if (seen.has(Key)) throw invalidParameterValue(`The DHCP option ${Key} is given more than once`);
    seen.add(Key);
    const values = Values ?? [];
    if (values.length === 0) throw missingParameter(`DhcpConfiguration.Value (${Key})`);
    if (ADDRESS_KEYS.has(Key)) {
      if (values.length > MAX_ADDRESSES) throw invalidParameterValue(`At most ${MAX_ADDRESSES} values may be given for ${Key}`);
      for (const value of values) {
        if (!isIPv4(value) && !(Key === 'domain-name-servers' && value === 'AmazonProvidedDNS')) {
          throw invalidParameterValue(`Value (${value}) for parameter ${Key} is invalid. It must be an IPv4 address.`);
        }
      }
    }
    if (Key === 'netbios-node-type' && (values.length !== 1 || !['1', '2', '4', '8'].includes(values[0]!))) {
      throw invalidParameterValue(`Value (${values.join(',')}) for parameter netbios-node-type is invalid. Valid values: 1, 2, 4, 8`);
    }
    if (Key === 'domain-name' && values.length !== 1) throw invalidParameterValue('domain-name takes one value (several names separated by spaces)');
    return { Key, Values: values };
  });
}

export default action(
  'CreateDhcpOptions',
  async (input, ctx) => {
    const tags = tagsFromSpecs(input.TagSpecifications, 'dhcp-options');
    const record: DhcpOptionsRecord = { dhcpOptionsId: newEc2Id('dopt'), uuid: randomUUID(), configurations: configurations(input) };
    await withUndo(async (undo) => {
      await recordMappingAs(ctx.store, 'dhcp-options', record.uuid, record.dhcpOptionsId);
      undo.add('forget dhcp options', () => forgetObject(ctx, 'dhcp-options', record.dhcpOptionsId, record.uuid));
      await writeObject(ctx.store, record.dhcpOptionsId, record);
      await tagNew(ctx.store, record.dhcpOptionsId, tags);
    });
    return { DhcpOptions: formatDhcpOptions(ctx, record, tags) };
  },
  {
    check: async (input) => {
      tagsFromSpecs(input.TagSpecifications, 'dhcp-options');
      configurations(input);
    },
  },
);
