/** CreateVpnGateway: an EC2-only record until attached to a VPC (its router carries the connections). */
import { randomUUID } from 'node:crypto';
import type { ActionContext } from '../../lib/context.js';
import { writeObject } from '../../lib/domain/vpc/records.js';
import type { VpnGatewayRecord } from '../../lib/domain/vpc/vpn-records.js';
import { requireVpnaas } from '../../lib/domain/vpc/vpn-support.js';
import { action, type Input } from '../../lib/family.js';
import { invalidParameterValue } from '../../lib/protocol/errors.js';
import { newEc2Id, recordMappingAs } from '../../lib/store/ids.js';
import { forgetObject } from './objects.js';
import { tagNew, tagsFromSpecs } from './tag-specs.js';
import { withUndo } from './undo.js';
import { formatVpnGateway } from './vpn-resources.js';

/** AWS's default Amazon-side ASN and the private ranges it accepts. */
const DEFAULT_ASN = 64512;
const validAsn = (asn: number) => Number.isInteger(asn) && ((asn >= 64512 && asn <= 65534) || (asn >= 4200000000 && asn <= 4294967294));

async function checked(input: Input<'CreateVpnGateway'>, ctx: ActionContext) {
  await requireVpnaas(ctx.openstack.neutron);
  if (input.Type !== 'ipsec.1') throw invalidParameterValue(`The value '${input.Type}' for parameter Type is invalid: only ipsec.1 is supported.`);
  const amazonSideAsn = input.AmazonSideAsn ?? DEFAULT_ASN;
  if (!validAsn(amazonSideAsn)) {
    throw invalidParameterValue(`The value '${amazonSideAsn}' for parameter AmazonSideAsn is invalid: use a private ASN (64512-65534 or 4200000000-4294967294).`);
  }
  return { amazonSideAsn, tags: tagsFromSpecs(input.TagSpecifications, 'vpn-gateway') };
}

export default action(
  'CreateVpnGateway',
  async (input, ctx) => {
    const { amazonSideAsn, tags } = await checked(input, ctx);
    const gateway = await withUndo(async (undo) => {
      const record: VpnGatewayRecord = {
        vpnGatewayId: newEc2Id('vgw'),
        uuid: randomUUID(),
        type: 'ipsec.1',
        amazonSideAsn,
        ...(input.AvailabilityZone !== undefined ? { availabilityZone: input.AvailabilityZone } : {}),
        propagatingRouteTableIds: [],
      };
      await recordMappingAs(ctx.store, 'vpn-gateway', record.uuid, record.vpnGatewayId);
      undo.add('forget VPN gateway', () => forgetObject(ctx, 'vpn-gateway', record.vpnGatewayId, record.uuid));
      await writeObject(ctx.store, record.vpnGatewayId, record);
      await tagNew(ctx.store, record.vpnGatewayId, tags);
      return record;
    });
    return { VpnGateway: formatVpnGateway(gateway, tags) };
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
