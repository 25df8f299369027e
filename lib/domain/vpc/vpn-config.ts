/**
 * The fixed parts of an EC2 VPN connection on vpnaas: its IKE and IPsec policies (AWS's defaults
 * for a static-route connection), its pre-shared key (AWS's rules), and the
 * CustomerGatewayConfiguration document in AWS's `vpn_connection` format, built from what Neutron
 * holds for the connection.
 */
import { randomInt } from 'node:crypto';
import { XMLBuilder } from 'fast-xml-parser';
import type { NewIkePolicy, NewIpsecPolicy, NeutronIkePolicy, NeutronIpsecPolicy } from '../../openstack/neutron.js';
import { invalidParameterValue } from '../../protocol/errors.js';

/** AWS's tcp_mss_adjustment; the IPsec site connection's MTU adds the IP and TCP headers. */
export const TCP_MSS = 1379;
const IP_TCP_HEADERS = 40;
export const TUNNEL_MTU = TCP_MSS + IP_TCP_HEADERS;
/** AWS's dead peer detection for a tunnel: 10 s between probes, 3 retries (30 s timeout). */
export const DPD = { delaySeconds: 10, retries: 3 };

export const ikePolicyFor = (name: string): NewIkePolicy => ({
  name,
  auth_algorithm: 'sha1',
  encryption_algorithm: 'aes-128',
  phase1_negotiation_mode: 'main',
  ike_version: 'v1',
  pfs: 'group2',
  lifetime: { units: 'seconds', value: 28800 },
});

export const ipsecPolicyFor = (name: string): NewIpsecPolicy => ({
  name,
  transform_protocol: 'esp',
  auth_algorithm: 'sha1',
  encryption_algorithm: 'aes-128',
  encapsulation_mode: 'tunnel',
  pfs: 'group2',
  lifetime: { units: 'seconds', value: 3600 },
});

// ---- pre-shared keys

const PSK_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._';
const PSK_PATTERN = /^[A-Za-z0-9._]{8,64}$/;
const GENERATED_PSK_LENGTH = 32;

/** A random key by AWS's rules: 32 characters of letters, digits, `.` and `_`, not starting with 0. */
export function generatePreSharedKey(): string {
  let key = '';
  while (key.length < GENERATED_PSK_LENGTH) {
    const char = PSK_CHARS[randomInt(PSK_CHARS.length)]!;
    if (key === '' && char === '0') continue;
    key += char;
  }
  return key;
}

/** A caller's key (TunnelOptions.PreSharedKey), refused with AWS's rules in the message. */
export function checkPreSharedKey(key: string): string {
  if (!PSK_PATTERN.test(key) || key.startsWith('0')) {
    throw invalidParameterValue(
      'The pre-shared key must be 8 to 64 characters long, may contain only letters, digits, periods (.) and underscores (_), and must not start with zero (0).',
    );
  }
  return key;
}

// ---- the CustomerGatewayConfiguration document

export interface GatewayConfigurationInput {
  vpnConnectionId: string;
  customerGatewayId: string;
  vpnGatewayId: string;
  customerGatewayAddress: string;
  /** The VPN service's external address (the VPC router's gateway address); undefined while unknown. */
  vpnGatewayAddress: string | undefined;
  preSharedKey: string;
  ike: Pick<NeutronIkePolicy, 'auth_algorithm' | 'encryption_algorithm' | 'lifetime' | 'pfs' | 'phase1_negotiation_mode'>;
  ipsec: Pick<NeutronIpsecPolicy, 'transform_protocol' | 'auth_algorithm' | 'encryption_algorithm' | 'lifetime' | 'pfs' | 'encapsulation_mode'>;
}

/** Neutron's algorithm names as AWS's document spells them. */
const IKE_AUTH: Record<string, string> = { sha1: 'sha1', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512' };
const IPSEC_AUTH: Record<string, string> = { sha1: 'hmac-sha1-96', sha256: 'hmac-sha256-128', sha384: 'hmac-sha384-192', sha512: 'hmac-sha512-256' };
const ENCRYPTION: Record<string, string> = { 'aes-128': 'aes-128-cbc', 'aes-192': 'aes-192-cbc', 'aes-256': 'aes-256-cbc', '3des': '3des-cbc' };
const named = (table: Record<string, string>, value: string) => table[value] ?? value;

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, indentBy: '  ', processEntities: true });

/**
 * AWS's document for one connection. vpnaas gives one tunnel per connection (the router has one
 * external address), so there is one `ipsec_tunnel`; static routing has no BGP and vpnaas no inside
 * tunnel addresses, so those elements are left out.
 */
export function customerGatewayConfiguration(input: GatewayConfigurationInput): string {
  const tunnel = {
    customer_gateway: { tunnel_outside_address: { ip_address: input.customerGatewayAddress } },
    vpn_gateway: { tunnel_outside_address: { ip_address: input.vpnGatewayAddress ?? '' } },
    ike: {
      authentication_protocol: named(IKE_AUTH, input.ike.auth_algorithm),
      encryption_protocol: named(ENCRYPTION, input.ike.encryption_algorithm),
      lifetime: input.ike.lifetime.value,
      perfect_forward_secrecy: input.ike.pfs,
      mode: input.ike.phase1_negotiation_mode,
      pre_shared_key: input.preSharedKey,
    },
    ipsec: {
      protocol: input.ipsec.transform_protocol,
      authentication_protocol: named(IPSEC_AUTH, input.ipsec.auth_algorithm),
      encryption_protocol: named(ENCRYPTION, input.ipsec.encryption_algorithm),
      lifetime: input.ipsec.lifetime.value,
      perfect_forward_secrecy: input.ipsec.pfs,
      mode: input.ipsec.encapsulation_mode,
      clear_df_bit: true,
      fragmentation_before_encryption: true,
      tcp_mss_adjustment: TCP_MSS,
      dead_peer_detection: { delay: DPD.delaySeconds, retries: DPD.retries },
    },
  };
  const document = {
    vpn_connection: {
      '@_id': input.vpnConnectionId,
      customer_gateway_id: input.customerGatewayId,
      vpn_gateway_id: input.vpnGatewayId,
      vpn_connection_type: 'ipsec.1',
      vpn_connection_attributes: 'NoBGPVPNConnection',
      ipsec_tunnel: tunnel,
    },
  };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(document) as string}`;
}
