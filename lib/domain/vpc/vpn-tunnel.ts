/**
 * An EC2 VPN connection in Neutron vpnaas. The connection owns a VPN service on its VPC's router
 * (whose external address is the tunnel's outside address), an IKE and an IPsec policy. Its tunnel
 * is a local endpoint group (the VPC's subnets), a peer endpoint group (the static routes' CIDRs)
 * and an IPsec site connection to the customer gateway with the pre-shared key. vpnaas refuses
 * updates while an object is PENDING (always so without a VPN agent), so a change of routes builds
 * a new tunnel and then removes the old one.
 */
import type { ServiceClient } from '../../openstack/http.js';
import {
  createEndpointGroup,
  createIkePolicy,
  createIpsecPolicy,
  createIpsecSiteConnection,
  createVpnService,
  deleteVpnaas,
  type NewEndpointGroup,
  type NewIkePolicy,
  type NewIpsecPolicy,
  type NewIpsecSiteConnection,
  type NeutronEndpointGroup,
  type NeutronIkePolicy,
  type NeutronIpsecPolicy,
  type NeutronIpsecSiteConnection,
  type NeutronVpnService,
  type VpnaasStatus,
} from '../../openstack/neutron.js';
import type { TelemetryStatus, VpnState } from '../../../schemas/types.js';
import { TUNNEL_MTU, ikePolicyFor, ipsecPolicyFor } from './vpn-config.js';
import type { VpnConnectionRecord, VpnTunnelRecord } from './vpn-records.js';

/** The vpnaas calls a connection needs (a typed fake in unit tests). */
export interface VpnaasApi {
  createVpnService(service: { name: string; router_id: string; description?: string }): Promise<NeutronVpnService>;
  createIkePolicy(policy: NewIkePolicy): Promise<NeutronIkePolicy>;
  createIpsecPolicy(policy: NewIpsecPolicy): Promise<NeutronIpsecPolicy>;
  createEndpointGroup(group: NewEndpointGroup): Promise<NeutronEndpointGroup>;
  createSiteConnection(connection: NewIpsecSiteConnection): Promise<NeutronIpsecSiteConnection>;
  delete(kind: 'service' | 'ike' | 'ipsec' | 'endpointGroup' | 'siteConnection', id: string): Promise<void>;
}

export const vpnaasApi = (neutron: ServiceClient): VpnaasApi => ({
  createVpnService: (service) => createVpnService(neutron, service),
  createIkePolicy: (policy) => createIkePolicy(neutron, policy),
  createIpsecPolicy: (policy) => createIpsecPolicy(neutron, policy),
  createEndpointGroup: (group) => createEndpointGroup(neutron, group),
  createSiteConnection: (connection) => createIpsecSiteConnection(neutron, connection),
  delete: (kind, id) => deleteVpnaas(neutron, kind, id),
});

/** Rollback steps (functions/vpc/undo.ts's Undo fits). */
export interface UndoSteps {
  add(what: string, step: () => Promise<unknown>): void;
}

export interface ConnectionBase {
  vpnServiceId: string;
  ikePolicyId: string;
  ipsecPolicyId: string;
  /** The VPN service's external address, the tunnel's outside address on our side. */
  outsideAddress: string | null;
}

/** The connection's VPN service and policies, named with its id; undone in reverse on a later failure. */
export async function createConnectionBase(api: VpnaasApi, vpnConnectionId: string, routerId: string, undo: UndoSteps): Promise<ConnectionBase> {
  const service = await api.createVpnService({ name: vpnConnectionId, router_id: routerId, description: `EC2 VPN connection ${vpnConnectionId}` });
  undo.add('delete VPN service', () => api.delete('service', service.id));
  const ike = await api.createIkePolicy(ikePolicyFor(vpnConnectionId));
  undo.add('delete IKE policy', () => api.delete('ike', ike.id));
  const ipsec = await api.createIpsecPolicy(ipsecPolicyFor(vpnConnectionId));
  undo.add('delete IPsec policy', () => api.delete('ipsec', ipsec.id));
  return { vpnServiceId: service.id, ikePolicyId: ike.id, ipsecPolicyId: ipsec.id, outsideAddress: service.external_v4_ip };
}

export interface TunnelWants {
  /** The VPC's subnets (Neutron subnet UUIDs). */
  localSubnetIds: string[];
  /** The customer's CIDRs. */
  peerCidrs: string[];
  customerAddress: string;
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();

/** Whether the recorded tunnel already is what `wants` asks for (nothing to do in Neutron). */
export function tunnelMatches(tunnel: VpnTunnelRecord | undefined, wants: TunnelWants): boolean {
  const needed = wants.localSubnetIds.length > 0 && wants.peerCidrs.length > 0;
  if (!tunnel) return !needed;
  return needed && sameSet(tunnel.localSubnetIds, wants.localSubnetIds) && sameSet(tunnel.peerCidrs, wants.peerCidrs);
}

/**
 * Builds the tunnel `wants` describes (none when there is nothing to route: no subnets or no
 * CIDRs). Its steps are undone in reverse on a later failure.
 */
export async function buildTunnel(
  api: VpnaasApi,
  connection: Pick<VpnConnectionRecord, 'vpnConnectionId' | 'vpnServiceId' | 'ikePolicyId' | 'ipsecPolicyId' | 'preSharedKey'>,
  wants: TunnelWants,
  undo: UndoSteps,
): Promise<VpnTunnelRecord | undefined> {
  if (!wants.localSubnetIds.length || !wants.peerCidrs.length) return undefined;
  const name = connection.vpnConnectionId;
  const local = await api.createEndpointGroup({ name: `${name}-local`, type: 'subnet', endpoints: wants.localSubnetIds });
  undo.add('delete local endpoint group', () => api.delete('endpointGroup', local.id));
  const peer = await api.createEndpointGroup({ name: `${name}-peer`, type: 'cidr', endpoints: wants.peerCidrs });
  undo.add('delete peer endpoint group', () => api.delete('endpointGroup', peer.id));
  const site = await api.createSiteConnection({
    name,
    vpnservice_id: connection.vpnServiceId,
    ikepolicy_id: connection.ikePolicyId,
    ipsecpolicy_id: connection.ipsecPolicyId,
    local_ep_group_id: local.id,
    peer_ep_group_id: peer.id,
    peer_address: wants.customerAddress,
    peer_id: wants.customerAddress,
    psk: connection.preSharedKey,
    mtu: TUNNEL_MTU,
    // AWS's tunnels wait for the customer gateway to start IKE.
    initiator: 'response-only',
  });
  undo.add('delete IPsec site connection', () => api.delete('siteConnection', site.id));
  return {
    localEndpointGroupId: local.id,
    peerEndpointGroupId: peer.id,
    siteConnectionId: site.id,
    localSubnetIds: [...wants.localSubnetIds],
    peerCidrs: [...wants.peerCidrs],
  };
}

/** Removes a tunnel: the site connection first (it uses the endpoint groups). Gone objects count as removed. */
export async function removeTunnel(api: VpnaasApi, tunnel: VpnTunnelRecord): Promise<void> {
  await api.delete('siteConnection', tunnel.siteConnectionId);
  await api.delete('endpointGroup', tunnel.peerEndpointGroupId);
  await api.delete('endpointGroup', tunnel.localEndpointGroupId);
}

/** Removes everything of a connection in Neutron, in dependency order; safe to repeat. */
export async function removeConnection(api: VpnaasApi, record: Pick<VpnConnectionRecord, 'tunnel' | 'vpnServiceId' | 'ikePolicyId' | 'ipsecPolicyId'>): Promise<void> {
  if (record.tunnel) await removeTunnel(api, record.tunnel);
  await api.delete('service', record.vpnServiceId);
  await api.delete('ipsec', record.ipsecPolicyId);
  await api.delete('ike', record.ikePolicyId);
}

/**
 * Replaces the connection's tunnel with one for `wants`: builds the new one, lets `commit` record
 * it, then removes the old one. A failure at any step leaves the connection as it was once the
 * undo steps have run (the new tunnel goes, `commit` is expected to add its own undo).
 */
export async function replaceTunnel(
  api: VpnaasApi,
  record: VpnConnectionRecord,
  wants: TunnelWants,
  commit: (tunnel: VpnTunnelRecord | undefined) => Promise<void>,
  undo: UndoSteps,
): Promise<void> {
  if (tunnelMatches(record.tunnel, wants)) return commit(record.tunnel);
  const next = await buildTunnel(api, record, wants, undo);
  await commit(next);
  if (record.tunnel) await removeTunnel(api, record.tunnel);
}

// ---- states

export interface ConnectionStatus {
  state: VpnState;
  telemetry: TelemetryStatus;
  message: string;
}

/**
 * EC2's state of a connection from vpnaas's statuses: the site connection's when there is a tunnel,
 * else the VPN service's. PENDING_CREATE/UPDATE (no agent has set it up yet) is `pending`,
 * PENDING_DELETE `deleting`; ACTIVE, DOWN and ERROR are `available`, the tunnel UP only when ACTIVE.
 * A VPN service deleted outside EC2 leaves the connection `deleted`.
 */
export function connectionStatus(serviceStatus: VpnaasStatus | undefined, siteStatus: VpnaasStatus | undefined): ConnectionStatus {
  if (!serviceStatus) return { state: 'deleted', telemetry: 'DOWN', message: 'the VPN service is gone from Neutron' };
  const status = siteStatus ?? serviceStatus;
  const message = `vpnaas status ${status}${siteStatus ? '' : ' (no IPsec site connection: no static routes yet)'}`;
  switch (status) {
    case 'PENDING_CREATE':
    case 'PENDING_UPDATE':
    case 'BUILD':
      return { state: 'pending', telemetry: 'DOWN', message };
    case 'PENDING_DELETE':
      return { state: 'deleting', telemetry: 'DOWN', message };
    case 'ACTIVE':
      return { state: 'available', telemetry: 'UP', message };
    default:
      return { state: 'available', telemetry: 'DOWN', message };
  }
}
