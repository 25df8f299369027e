/**
 * What the VPN connection actions share: the tunnel a connection should have now (its VPC's
 * subnets, its static routes, its customer gateway's address) and the change of its routes.
 */
import type { ActionContext } from '../../lib/context.js';
import { writeObject } from '../../lib/domain/vpc/records.js';
import type { VpnConnectionRecord } from '../../lib/domain/vpc/vpn-records.js';
import { replaceTunnel, vpnaasApi, type TunnelWants } from '../../lib/domain/vpc/vpn-tunnel.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { subnetsOfVpc } from './lookup.js';
import { withUndo } from './undo.js';
import { requireCustomerGateway } from './vpn-resources.js';

export async function tunnelWants(ctx: ActionContext, record: VpnConnectionRecord, routes: string[]): Promise<TunnelWants> {
  const [subnets, customer] = await Promise.all([subnetsOfVpc(ctx, record.vpcId), requireCustomerGateway(ctx, record.customerGatewayId)]);
  return { localSubnetIds: subnets.map((s) => s.subnetUuid), peerCidrs: routes, customerAddress: customer.ipAddress };
}

/** Sets the connection's static routes: a new tunnel in Neutron, recorded, then the old one removed. */
export async function setConnectionRoutes(ctx: ActionContext, record: VpnConnectionRecord, routes: string[]): Promise<void> {
  const wants = await tunnelWants(ctx, record, routes);
  await mapErrors(() =>
    withUndo((undo) =>
      replaceTunnel(
        vpnaasApi(ctx.openstack.neutron),
        record,
        wants,
        async (tunnel) => {
          const { tunnel: _old, ...rest } = record;
          await writeObject(ctx.store, record.vpnConnectionId, { ...rest, routes, ...(tunnel ? { tunnel } : {}) } satisfies VpnConnectionRecord);
          undo.add('restore connection record', () => writeObject(ctx.store, record.vpnConnectionId, record));
        },
        undo,
      ),
    ),
  );
}
