/**
 * What the VPN actions keep in the state table (`obj#<ec2-id>`, like the other VPC objects):
 * customer gateways and VPN gateways exist only here; a VPN connection names the Neutron vpnaas
 * objects that carry it (docs/vpn.md).
 */

export interface CustomerGatewayRecord {
  customerGatewayId: string;
  /** Stands in for an OpenStack UUID in the id mapping (customer gateways exist only here). */
  uuid: string;
  ipAddress: string;
  bgpAsn: number;
  type: 'ipsec.1';
  deviceName?: string;
}

export interface VpnGatewayRecord {
  vpnGatewayId: string;
  uuid: string;
  type: 'ipsec.1';
  amazonSideAsn: number;
  availabilityZone?: string;
  /** The VPC it is attached to: its router is where the connections' VPN services live. */
  vpcId?: string;
  /** Route tables (of the attached VPC) that show the connections' static routes. */
  propagatingRouteTableIds: string[];
}

/**
 * The Neutron side of one connection's tunnel: endpoint groups and the IPsec site connection. It
 * exists while the connection has static routes and its VPC has subnets; vpnaas refuses updates
 * while an object is PENDING (always, without a VPN agent), so a change of routes replaces it.
 */
export interface VpnTunnelRecord {
  localEndpointGroupId: string;
  peerEndpointGroupId: string;
  siteConnectionId: string;
  /** What the tunnel was built for: the VPC's subnet UUIDs and the customer's CIDRs. */
  localSubnetIds: string[];
  peerCidrs: string[];
}

export interface VpnConnectionRecord {
  vpnConnectionId: string;
  /** The VPN service's UUID (the id mapping's OpenStack side). */
  uuid: string;
  customerGatewayId: string;
  vpnGatewayId: string;
  vpcId: string;
  routerId: string;
  vpnServiceId: string;
  ikePolicyId: string;
  ipsecPolicyId: string;
  preSharedKey: string;
  /** The customer's CIDRs (CreateVpnConnectionRoute), in the order they were added. */
  routes: string[];
  tunnel?: VpnTunnelRecord;
  createdAt: string;
}


