/**
 * CreateVpnConnection: static routing only. In Neutron vpnaas: a VPN service on the VPC's router,
 * an IKE and an IPsec policy, and (once it has static routes) the tunnel; the pre-shared key is
 * generated unless TunnelOptions gives one. Everything made is removed again when a step fails.
 */
import { allInOrder } from '../../lib/deferred.js';
import type { ActionContext } from '../../lib/context.js';
import { writeObject } from '../../lib/domain/vpc/records.js';
import { checkPreSharedKey, generatePreSharedKey } from '../../lib/domain/vpc/vpn-config.js';
import type { VpnConnectionRecord } from '../../lib/domain/vpc/vpn-records.js';
import { requireVpnaas } from '../../lib/domain/vpc/vpn-support.js';
import { createConnectionBase, vpnaasApi } from '../../lib/domain/vpc/vpn-tunnel.js';
import { action, type Input } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { getRouterDetail } from '../../lib/openstack/neutron.js';
import { Ec2Error, invalidParameterValue, missingParameter } from '../../lib/protocol/errors.js';
import { newEc2Id, recordMappingAs } from '../../lib/store/ids.js';
import { requireVpc } from './lookup.js';
import { forgetObject } from './objects.js';
import { tagNew, tagsFromSpecs } from './tag-specs.js';
import { withUndo } from './undo.js';
import { connectionFacts, formatVpnConnection, requireCustomerGateway, requireVpnGateway, vpnConnections } from './vpn-resources.js';

const unsupported = (what: string) => new Ec2Error('UnsupportedOperation', what);

/** The tunnel options this mapping can honour: the pre-shared key; anything else is refused, not ignored. */
function preSharedKeyOf(input: Input<'CreateVpnConnection'>): string | undefined {
  const tunnels = input.Options?.TunnelOptions ?? [];
  if (tunnels.length > 2) throw invalidParameterValue('A VPN connection has at most two sets of tunnel options.');
  for (const tunnel of tunnels) {
    const others = Object.keys(tunnel).filter((k) => k !== 'PreSharedKey');
    if (others.length) throw unsupported(`Tunnel options other than PreSharedKey are not supported (got ${others.join(', ')}).`);
    if (tunnel.PreSharedKey !== undefined) checkPreSharedKey(tunnel.PreSharedKey);
  }
  return tunnels[0]?.PreSharedKey;
}

async function checked(input: Input<'CreateVpnConnection'>, ctx: ActionContext) {
  await requireVpnaas(ctx.openstack.neutron);
  if (input.Type !== 'ipsec.1') throw invalidParameterValue(`The value '${input.Type}' for parameter Type is invalid: only ipsec.1 is supported.`);
  if (input.TransitGatewayId !== undefined) throw unsupported('Transit gateways are not supported: attach the connection to a VPN gateway.');
  if (input.VpnGatewayId === undefined) throw missingParameter('VpnGatewayId');
  const options = input.Options ?? {};
  if (options.StaticRoutesOnly !== true) {
    throw unsupported('BGP (dynamic routing) is not supported by OpenStack VPNaaS: create the connection with Options.StaticRoutesOnly=true.');
  }
  if (options.EnableAcceleration === true) throw unsupported('Accelerated VPN connections are not supported.');
  if (options.TunnelInsideIpVersion === 'ipv6') throw unsupported('IPv6 inside tunnels are not supported.');
  const presetKey = preSharedKeyOf(input);
  const [customer, gateway] = await allInOrder([requireCustomerGateway(ctx, input.CustomerGatewayId), requireVpnGateway(ctx, input.VpnGatewayId)]);
  if (!gateway.vpcId) {
    throw new Ec2Error('IncorrectState', `The VPN gateway '${gateway.vpnGatewayId}' is not attached to a VPC; attach it before creating a connection.`);
  }
  const duplicate = (await vpnConnections(ctx)).find((c) => c.customerGatewayId === customer.customerGatewayId && c.vpnGatewayId === gateway.vpnGatewayId);
  if (duplicate) {
    throw new Ec2Error(
      'InvalidCustomerGateway.DuplicateIpAddress',
      `VPN connection '${duplicate.vpnConnectionId}' already joins customer gateway '${customer.customerGatewayId}' and VPN gateway '${gateway.vpnGatewayId}'.`,
    );
  }
  const vpc = await requireVpc(ctx, gateway.vpcId);
  const router = await mapErrors(() => getRouterDetail(ctx.openstack.neutron, vpc.routerId));
  if (!router?.external_gateway_info?.network_id) {
    throw new Ec2Error(
      'IncorrectState',
      `The VPC '${vpc.vpcId}' has no internet gateway attached: OpenStack VPNaaS ends the tunnel on the VPC router's external address, so attach an internet gateway first.`,
    );
  }
  return { customer, gateway, vpc, presetKey, tags: tagsFromSpecs(input.TagSpecifications, 'vpn-connection') };
}

export default action(
  'CreateVpnConnection',
  async (input, ctx) => {
    const { customer, gateway, vpc, presetKey, tags } = await checked(input, ctx);
    const api = vpnaasApi(ctx.openstack.neutron);
    const record = await withUndo(async (undo) => {
      const vpnConnectionId = newEc2Id('vpn');
      const base = await mapErrors(() => createConnectionBase(api, vpnConnectionId, vpc.routerId, undo));
      await recordMappingAs(ctx.store, 'vpn-connection', base.vpnServiceId, vpnConnectionId);
      undo.add('forget VPN connection', () => forgetObject(ctx, 'vpn-connection', vpnConnectionId, base.vpnServiceId));
      const created: VpnConnectionRecord = {
        vpnConnectionId,
        uuid: base.vpnServiceId,
        customerGatewayId: customer.customerGatewayId,
        vpnGatewayId: gateway.vpnGatewayId,
        vpcId: vpc.vpcId,
        routerId: vpc.routerId,
        vpnServiceId: base.vpnServiceId,
        ikePolicyId: base.ikePolicyId,
        ipsecPolicyId: base.ipsecPolicyId,
        preSharedKey: presetKey ?? generatePreSharedKey(),
        routes: [],
        createdAt: new Date().toISOString(),
      };
      await writeObject(ctx.store, vpnConnectionId, created);
      await tagNew(ctx.store, vpnConnectionId, tags);
      return created;
    });
    const facts = await connectionFacts(ctx, [record]);
    return { VpnConnection: formatVpnConnection(record, facts, tags) };
  },
  { check: async (input, ctx) => void (await checked(input, ctx)) },
);
