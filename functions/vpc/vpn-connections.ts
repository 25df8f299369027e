/**
 * What the VPN connection actions share: the tunnel a connection should have now (its VPC's
 * subnets, its static routes, its customer gateway's address), the change of its routes, and the
 * claim that keeps two changes of one connection from interleaving.
 */
import type { ActionContext } from '../../lib/context.js';
import { writeObject } from '../../lib/domain/vpc/records.js';
import type { VpnConnectionRecord } from '../../lib/domain/vpc/vpn-records.js';
import { replaceTunnel, vpnaasApi, type TunnelWants } from '../../lib/domain/vpc/vpn-tunnel.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { subnetsOfVpc } from './lookup.js';
import { withUndo } from './undo.js';
import { requireCustomerGateway, requireVpnConnection } from './vpn-resources.js';

/** Longer than any change takes; a claim left by a crashed request expires after it. */
const CHANGE_CLAIM_SECONDS = 120;

/**
 * Runs `change` while holding the connection's change claim: a concurrent route change or delete
 * of the same connection answers IncorrectState instead of building a second tunnel beside the
 * first. The connection is read again under the claim.
 */
export async function withConnectionClaim<T>(ctx: ActionContext, vpnConnectionId: string, change: (record: VpnConnectionRecord) => Promise<T>): Promise<T> {
  const key = `vpnchange#${vpnConnectionId}`;
  if (!(await ctx.store.putJson(key, { at: new Date().toISOString() }, { ifAbsent: true, ttlSeconds: CHANGE_CLAIM_SECONDS }))) {
    throw new Ec2Error('IncorrectState', `VPN connection '${vpnConnectionId}' is being changed by another request. Try again when it is done.`);
  }
  try {
    return await change(await requireVpnConnection(ctx, vpnConnectionId));
  } finally {
    await ctx.store.delete(key);
  }
}

export async function tunnelWants(ctx: ActionContext, record: VpnConnectionRecord, routes: string[]): Promise<TunnelWants> {
  const [subnets, customer] = await Promise.all([subnetsOfVpc(ctx, record.vpcId), requireCustomerGateway(ctx, record.customerGatewayId)]);
  return { localSubnetIds: subnets.map((s) => s.subnetUuid), peerCidrs: routes, customerAddress: customer.ipAddress };
}

/**
 * Changes the connection's static routes (`next` answers the new list, or undefined for no
 * change): a new tunnel in Neutron, recorded, then the old one removed.
 */
export async function changeConnectionRoutes(ctx: ActionContext, vpnConnectionId: string, next: (routes: string[]) => string[] | undefined): Promise<void> {
  await withConnectionClaim(ctx, vpnConnectionId, async (record) => {
    const routes = next(record.routes);
    if (!routes) return;
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
  });
}
