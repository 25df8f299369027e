/**
 * CreateCustomerGateway: an EC2-only record of the customer's device (its public address and ASN).
 * As on AWS, asking again for the same address, ASN and type answers the existing gateway.
 */
import { randomUUID } from 'node:crypto';
import { isIPv4 } from 'node:net';
import type { ActionContext } from '../../lib/context.js';
import { writeObject } from '../../lib/domain/vpc/records.js';
import type { CustomerGatewayRecord } from '../../lib/domain/vpc/vpn-records.js';
import { requireVpnaas } from '../../lib/domain/vpc/vpn-support.js';
import { action, type Input } from '../../lib/family.js';
import { Ec2Error, invalidParameterValue, missingParameter } from '../../lib/protocol/errors.js';
import { newEc2Id, recordMappingAs } from '../../lib/store/ids.js';
import { tagsOf } from '../../lib/store/tags.js';
import { forgetObject } from './objects.js';
import { tagNew, tagsFromSpecs } from './tag-specs.js';
import { withUndo } from './undo.js';
import { customerGateways, formatCustomerGateway } from './vpn-resources.js';

/** AWS's range for BgpAsn (larger ASNs go in BgpAsnExtended, which this model does not have). */
const MAX_ASN = 2147483647;

async function checked(input: Input<'CreateCustomerGateway'>, ctx: ActionContext) {
  await requireVpnaas(ctx.openstack.neutron);
  if (input.Type !== 'ipsec.1') throw invalidParameterValue(`The value '${input.Type}' for parameter Type is invalid: only ipsec.1 is supported.`);
  if (input.CertificateArn !== undefined) {
    throw new Ec2Error('UnsupportedOperation', 'Certificate authentication of customer gateways is not supported; use pre-shared keys.');
  }
  const ipAddress = input.IpAddress ?? input.PublicIp;
  if (ipAddress === undefined) throw missingParameter('IpAddress');
  if (!isIPv4(ipAddress)) throw invalidParameterValue(`The customer gateway IP address '${ipAddress}' is not a valid IPv4 address.`);
  if (!Number.isInteger(input.BgpAsn) || input.BgpAsn < 1 || input.BgpAsn > MAX_ASN) {
    throw invalidParameterValue(`The value '${input.BgpAsn}' for parameter BgpAsn is invalid: it must be between 1 and ${MAX_ASN}.`);
  }
  if (input.DeviceName !== undefined && input.DeviceName.length > 255) throw invalidParameterValue('DeviceName is longer than 255 characters.');
  return { ipAddress, tags: tagsFromSpecs(input.TagSpecifications, 'customer-gateway') };
}

export default action(
  'CreateCustomerGateway',
  async (input, ctx) => {
    const { ipAddress, tags } = await checked(input, ctx);
    const existing = (await customerGateways(ctx)).find((g) => g.ipAddress === ipAddress && g.bgpAsn === input.BgpAsn);
    if (existing) {
      const existingTags = (await tagsOf(ctx.store, [existing.customerGatewayId])).get(existing.customerGatewayId) ?? [];
      return { CustomerGateway: formatCustomerGateway(existing, existingTags) };
    }
    const gateway = await withUndo(async (undo) => {
      const record: CustomerGatewayRecord = {
        customerGatewayId: newEc2Id('cgw'),
        uuid: randomUUID(),
        ipAddress,
        bgpAsn: input.BgpAsn,
        type: 'ipsec.1',
        ...(input.DeviceName !== undefined ? { deviceName: input.DeviceName } : {}),
      };
      await recordMappingAs(ctx.store, 'customer-gateway', record.uuid, record.customerGatewayId);
      undo.add('forget customer gateway', () => forgetObject(ctx, 'customer-gateway', record.customerGatewayId, record.uuid));
      await writeObject(ctx.store, record.customerGatewayId, record);
      await tagNew(ctx.store, record.customerGatewayId, tags);
      return record;
    });
    return { CustomerGateway: formatCustomerGateway(gateway, tags) };
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
