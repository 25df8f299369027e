/**
 * Route propagation (EnableVgwRoutePropagation): a route table that a VPN gateway propagates into
 * shows the static routes of the gateway's connections as routes to the gateway. They are shown
 * only: in Neutron the VPN service on the VPC's router carries that traffic by its IPsec policy
 * (the peer endpoint group), so no router or subnet route is written for them.
 */
import type { PropagatingVgw, Route } from '../../../schemas/types.js';
import type { StateStore } from '../../store/project-store.js';
import { objectsOf, type RouteTableRecord } from './records.js';
import type { VpnConnectionRecord, VpnGatewayRecord } from './vpn-records.js';

export interface PropagationContext {
  vpnGateways: VpnGatewayRecord[];
  vpnConnections: VpnConnectionRecord[];
}

/** Both kinds of record: two table queries, for a whole describe. */
export async function propagationContext(store: StateStore): Promise<PropagationContext> {
  const [vpnGateways, vpnConnections] = await Promise.all([
    objectsOf<VpnGatewayRecord>(store, 'vgw'),
    objectsOf<VpnConnectionRecord>(store, 'vpn'),
  ]);
  return { vpnGateways, vpnConnections };
}

/** The gateways propagating into the table (attached to its VPC) and the routes they bring. */
export function propagatedRoutes(table: Pick<RouteTableRecord, 'routeTableId' | 'vpcId'>, context: PropagationContext): { gateways: PropagatingVgw[]; routes: Route[] } {
  const gateways = context.vpnGateways.filter((g) => g.vpcId === table.vpcId && g.propagatingRouteTableIds.includes(table.routeTableId));
  const routes: Route[] = [];
  const seen = new Set<string>();
  for (const gateway of gateways) {
    for (const connection of context.vpnConnections) {
      if (connection.vpnGatewayId !== gateway.vpnGatewayId) continue;
      for (const destination of connection.routes) {
        const key = `${destination}|${gateway.vpnGatewayId}`;
        if (seen.has(key)) continue;
        seen.add(key);
        routes.push({ DestinationCidrBlock: destination, GatewayId: gateway.vpnGatewayId, Origin: 'EnableVgwRoutePropagation', State: 'active' });
      }
    }
  }
  return { gateways: gateways.map((g) => ({ GatewayId: g.vpnGatewayId })), routes };
}
