/**
 * The VPN mapping without a cloud: the CustomerGatewayConfiguration document, pre-shared keys, the
 * vpnaas objects a connection makes (a typed fake of our VpnaasApi, with failures), states, route
 * propagation and the once-per-endpoint vpnaas question.
 */
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { Undo, withUndo } from '../../../functions/vpc/undo.js';
import { formatVpnConnection, type ConnectionFacts } from '../../../functions/vpc/vpn-resources.js';
import { checkPreSharedKey, customerGatewayConfiguration, generatePreSharedKey, ikePolicyFor, ipsecPolicyFor } from '../../../lib/domain/vpc/vpn-config.js';
import type { VpnConnectionRecord, VpnGatewayRecord } from '../../../lib/domain/vpc/vpn-records.js';
import { propagatedRoutes } from '../../../lib/domain/vpc/vpn-routes.js';
import { forgetVpnaasVerdicts, requireVpnaas, vpnaasAvailable } from '../../../lib/domain/vpc/vpn-support.js';
import {
  buildTunnel,
  connectionStatus,
  createConnectionBase,
  removeConnection,
  replaceTunnel,
  tunnelMatches,
  type VpnaasApi,
} from '../../../lib/domain/vpc/vpn-tunnel.js';
import { OpenStackError, type ServiceClient } from '../../../lib/openstack/http.js';
import type { NewIpsecSiteConnection, NeutronEndpointGroup, NeutronIpsecSiteConnection } from '../../../lib/openstack/neutron.js';

const codeOf = async (fn: () => unknown) => {
  try {
    await fn();
    return 'accepted';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
};

// ---- a typed fake of the vpnaas calls: objects in maps, calls in order, failures on demand

type Kind = Parameters<VpnaasApi['delete']>[0];

class FakeVpnaas implements VpnaasApi {
  readonly objects = new Map<string, { kind: Kind; body: unknown }>();
  readonly calls: string[] = [];
  failOn?: string;
  private next = 0;

  private make<T>(kind: Kind, body: object): T {
    this.calls.push(`create ${kind}`);
    if (this.failOn === `create ${kind}`) throw new OpenStackError('network', 400, `${kind} refused`, 'BadRequest', 'POST', kind);
    const id = `${kind}-${++this.next}`;
    this.objects.set(id, { kind, body });
    return { id, status: 'PENDING_CREATE', external_v4_ip: '172.24.4.50', ...body } as T;
  }

  createVpnService = async (service: { name: string; router_id: string }) => this.make<Awaited<ReturnType<VpnaasApi['createVpnService']>>>('service', service);
  createIkePolicy = async (policy: object) => this.make<Awaited<ReturnType<VpnaasApi['createIkePolicy']>>>('ike', policy);
  createIpsecPolicy = async (policy: object) => this.make<Awaited<ReturnType<VpnaasApi['createIpsecPolicy']>>>('ipsec', policy);
  createEndpointGroup = async (group: object) => this.make<NeutronEndpointGroup>('endpointGroup', group);
  createSiteConnection = async (connection: NewIpsecSiteConnection) => this.make<NeutronIpsecSiteConnection>('siteConnection', connection);

  async delete(kind: Kind, id: string): Promise<void> {
    this.calls.push(`delete ${kind}`);
    if (this.failOn === `delete ${kind}`) throw new OpenStackError('network', 409, `${kind} in use`, 'Conflict', 'DELETE', kind);
    this.objects.delete(id);
  }

  bodiesOf(kind: Kind) {
    return [...this.objects.values()].filter((o) => o.kind === kind).map((o) => o.body);
  }
}

const record = (over: Partial<VpnConnectionRecord> = {}): VpnConnectionRecord => ({
  vpnConnectionId: 'vpn-0123456789abcdef0',
  uuid: 'service-1',
  customerGatewayId: 'cgw-0123456789abcdef0',
  vpnGatewayId: 'vgw-0123456789abcdef0',
  vpcId: 'vpc-0123456789abcdef0',
  routerId: 'router-1',
  vpnServiceId: 'service-1',
  ikePolicyId: 'ike-2',
  ipsecPolicyId: 'ipsec-3',
  preSharedKey: 'Secret_key.1234',
  routes: [],
  createdAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

const wants = (peerCidrs: string[], localSubnetIds = ['subnet-a']) => ({ localSubnetIds, peerCidrs, customerAddress: '203.0.113.9' });

describe("the CustomerGatewayConfiguration document (AWS's vpn_connection format)", () => {
  const document = customerGatewayConfiguration({
    vpnConnectionId: 'vpn-0123456789abcdef0',
    customerGatewayId: 'cgw-0123456789abcdef0',
    vpnGatewayId: 'vgw-0123456789abcdef0',
    customerGatewayAddress: '203.0.113.9',
    vpnGatewayAddress: '172.24.4.50',
    preSharedKey: 'Secret_key.1234<&>',
    ike: ikePolicyFor('x'),
    ipsec: ipsecPolicyFor('x'),
  });
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false }).parse(document) as {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed XML, checked below
    vpn_connection: Record<string, any>;
  };

  it('is an XML document naming the connection and its gateways', () => {
    expect(document.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<vpn_connection id="vpn-0123456789abcdef0">')).toBe(true);
    expect(parsed.vpn_connection).toMatchObject({
      '@_id': 'vpn-0123456789abcdef0',
      customer_gateway_id: 'cgw-0123456789abcdef0',
      vpn_gateway_id: 'vgw-0123456789abcdef0',
      vpn_connection_type: 'ipsec.1',
      vpn_connection_attributes: 'NoBGPVPNConnection',
    });
  });

  it('holds the tunnel outside addresses and the pre-shared key (escaped, read back intact)', () => {
    const tunnel = parsed.vpn_connection['ipsec_tunnel'];
    expect(tunnel.customer_gateway.tunnel_outside_address.ip_address).toBe('203.0.113.9');
    expect(tunnel.vpn_gateway.tunnel_outside_address.ip_address).toBe('172.24.4.50');
    expect(tunnel.ike.pre_shared_key).toBe('Secret_key.1234<&>');
    expect(document).toContain('Secret_key.1234&lt;&amp;&gt;');
  });

  it("spells Neutron's algorithms the way AWS's document does", () => {
    const tunnel = parsed.vpn_connection['ipsec_tunnel'];
    expect(tunnel.ike).toMatchObject({ authentication_protocol: 'sha1', encryption_protocol: 'aes-128-cbc', lifetime: '28800', perfect_forward_secrecy: 'group2', mode: 'main' });
    expect(tunnel.ipsec).toMatchObject({
      protocol: 'esp',
      authentication_protocol: 'hmac-sha1-96',
      encryption_protocol: 'aes-128-cbc',
      lifetime: '3600',
      mode: 'tunnel',
      tcp_mss_adjustment: '1379',
      dead_peer_detection: { delay: '10', retries: '3' },
    });
  });
});

describe('pre-shared keys', () => {
  it('generates 32 characters of the allowed set, never starting with 0, all different', () => {
    const keys = Array.from({ length: 200 }, generatePreSharedKey);
    for (const key of keys) {
      expect(key).toMatch(/^[A-Za-z0-9._]{32}$/);
      expect(key.startsWith('0')).toBe(false);
      expect(checkPreSharedKey(key)).toBe(key);
    }
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("refuses callers' keys outside AWS's rules", async () => {
    for (const bad of ['short', '0startswithzero', 'has space inside', 'dash-is-not-allowed', 'x'.repeat(65)]) {
      expect(await codeOf(() => checkPreSharedKey(bad))).toBe('InvalidParameterValue');
    }
    expect(checkPreSharedKey('Valid_key.123')).toBe('Valid_key.123');
  });
});

describe('the vpnaas objects of a connection', () => {
  it('makes a VPN service on the router and both policies, named with the connection id', async () => {
    const api = new FakeVpnaas();
    const base = await createConnectionBase(api, 'vpn-1', 'router-1', new Undo());
    expect(api.calls).toEqual(['create service', 'create ike', 'create ipsec']);
    expect(api.bodiesOf('service')).toEqual([expect.objectContaining({ name: 'vpn-1', router_id: 'router-1' })]);
    expect(base.outsideAddress).toBe('172.24.4.50');
  });

  it('removes what it made when a later step fails, in reverse order', async () => {
    const api = new FakeVpnaas();
    api.failOn = 'create ipsec';
    expect(await codeOf(() => withUndo((undo) => createConnectionBase(api, 'vpn-1', 'router-1', undo)))).toMatch(/ipsec refused/);
    expect(api.calls).toEqual(['create service', 'create ike', 'create ipsec', 'delete ike', 'delete service']);
    expect(api.objects.size).toBe(0);
  });

  it('builds no tunnel without routes or without subnets', async () => {
    const api = new FakeVpnaas();
    expect(await buildTunnel(api, record(), wants([]), new Undo())).toBeUndefined();
    expect(await buildTunnel(api, record(), wants(['192.168.1.0/24'], []), new Undo())).toBeUndefined();
    expect(api.calls).toEqual([]);
  });

  it('builds a tunnel: endpoint groups for the subnets and the CIDRs, a response-only site connection with the key', async () => {
    const api = new FakeVpnaas();
    const tunnel = await buildTunnel(api, record(), wants(['192.168.1.0/24']), new Undo());
    expect(tunnel).toMatchObject({ localSubnetIds: ['subnet-a'], peerCidrs: ['192.168.1.0/24'] });
    expect(api.bodiesOf('endpointGroup')).toEqual([
      { name: 'vpn-0123456789abcdef0-local', type: 'subnet', endpoints: ['subnet-a'] },
      { name: 'vpn-0123456789abcdef0-peer', type: 'cidr', endpoints: ['192.168.1.0/24'] },
    ]);
    expect(api.bodiesOf('siteConnection')).toEqual([
      expect.objectContaining({
        vpnservice_id: 'service-1',
        ikepolicy_id: 'ike-2',
        ipsecpolicy_id: 'ipsec-3',
        local_ep_group_id: tunnel!.localEndpointGroupId,
        peer_ep_group_id: tunnel!.peerEndpointGroupId,
        peer_address: '203.0.113.9',
        peer_id: '203.0.113.9',
        psk: 'Secret_key.1234',
        initiator: 'response-only',
        mtu: 1419,
      }),
    ]);
  });

  it('replaces a tunnel: the new one, then the record, then the old one goes', async () => {
    const api = new FakeVpnaas();
    const old = (await buildTunnel(api, record(), wants(['192.168.1.0/24']), new Undo()))!;
    api.calls.length = 0;
    const committed: unknown[] = [];
    await withUndo((undo) => replaceTunnel(api, record({ tunnel: old }), wants(['192.168.1.0/24', '10.9.0.0/16']), async (t) => void committed.push(t), undo));
    expect(api.calls).toEqual([
      'create endpointGroup',
      'create endpointGroup',
      'create siteConnection',
      'delete siteConnection',
      'delete endpointGroup',
      'delete endpointGroup',
    ]);
    expect(committed).toEqual([expect.objectContaining({ peerCidrs: ['192.168.1.0/24', '10.9.0.0/16'] })]);
    expect(api.objects.has(old.siteConnectionId)).toBe(false);
  });

  it('leaves the old tunnel alone when the new one fails, and removes the new one when the old will not go', async () => {
    const api = new FakeVpnaas();
    const old = (await buildTunnel(api, record(), wants(['192.168.1.0/24']), new Undo()))!;
    const before = new Set(api.objects.keys());
    const commits: unknown[] = [];
    api.failOn = 'create siteConnection';
    expect(await codeOf(() => withUndo((undo) => replaceTunnel(api, record({ tunnel: old }), wants(['10.9.0.0/16']), async (t) => void commits.push(t), undo)))).toMatch(/refused/);
    expect(new Set(api.objects.keys())).toEqual(before);
    expect(commits).toEqual([]);

    api.failOn = 'delete siteConnection';
    const restored: string[] = [];
    const attempt = withUndo((undo) =>
      replaceTunnel(
        api,
        record({ tunnel: old }),
        wants(['10.9.0.0/16']),
        async () => void undo.add('restore record', async () => void restored.push('record')),
        undo,
      ),
    );
    expect(await codeOf(() => attempt)).toMatch(/in use/);
    expect(restored).toEqual(['record']);
    // The new tunnel's endpoint groups went again (its site connection could not: the fake refuses every site connection delete).
    expect(api.bodiesOf('endpointGroup')).toHaveLength(2);
  });

  it('needs no change when the tunnel matches (order of subnets and CIDRs does not matter)', () => {
    const tunnel = { localEndpointGroupId: 'l', peerEndpointGroupId: 'p', siteConnectionId: 's', localSubnetIds: ['a', 'b'], peerCidrs: ['1.0.0.0/8', '2.0.0.0/8'] };
    expect(tunnelMatches(tunnel, { ...wants(['2.0.0.0/8', '1.0.0.0/8'], ['b', 'a']) })).toBe(true);
    expect(tunnelMatches(tunnel, wants(['1.0.0.0/8'], ['a', 'b']))).toBe(false);
    expect(tunnelMatches(undefined, wants([]))).toBe(true);
    expect(tunnelMatches(undefined, wants(['1.0.0.0/8']))).toBe(false);
  });

  it('removes a connection in dependency order: site connection, groups, service, policies', async () => {
    const api = new FakeVpnaas();
    const tunnel = { localEndpointGroupId: 'l', peerEndpointGroupId: 'p', siteConnectionId: 's', localSubnetIds: ['a'], peerCidrs: ['1.0.0.0/8'] };
    await removeConnection(api, record({ tunnel }));
    expect(api.calls).toEqual(['delete siteConnection', 'delete endpointGroup', 'delete endpointGroup', 'delete service', 'delete ipsec', 'delete ike']);
  });
});

describe("EC2 states from vpnaas's", () => {
  it('is pending until an agent has acted, available after, and the tunnel is UP only when ACTIVE', () => {
    expect(connectionStatus('PENDING_CREATE', undefined)).toMatchObject({ state: 'pending', telemetry: 'DOWN' });
    expect(connectionStatus('ACTIVE', 'PENDING_CREATE')).toMatchObject({ state: 'pending', telemetry: 'DOWN' });
    expect(connectionStatus('ACTIVE', 'ACTIVE')).toMatchObject({ state: 'available', telemetry: 'UP' });
    expect(connectionStatus('ACTIVE', 'DOWN')).toMatchObject({ state: 'available', telemetry: 'DOWN' });
    expect(connectionStatus('ACTIVE', 'ERROR')).toMatchObject({ state: 'available', telemetry: 'DOWN', message: 'vpnaas status ERROR' });
    expect(connectionStatus('ACTIVE', 'PENDING_DELETE').state).toBe('deleting');
    // The VPN service deleted outside EC2.
    expect(connectionStatus(undefined, undefined)).toMatchObject({ state: 'deleted', telemetry: 'DOWN' });
  });
});

describe('a connection as DescribeVpnConnections shows it', () => {
  const tunnel = { localEndpointGroupId: 'l', peerEndpointGroupId: 'p', siteConnectionId: 'site-1', localSubnetIds: ['a'], peerCidrs: ['192.168.1.0/24'] };
  const connection = record({ tunnel, routes: ['192.168.1.0/24'] });
  const facts = (siteStatus: NeutronIpsecSiteConnection['status'] | undefined): ConnectionFacts => ({
    services: new Map([['service-1', { id: 'service-1', name: 'vpn', router_id: 'router-1', project_id: 'p', status: 'ACTIVE', external_v4_ip: '172.24.4.50' }]]),
    sites: new Map(
      siteStatus
        ? [['site-1', { id: 'site-1', status: siteStatus, peer_address: '203.0.113.9', psk: 'Secret_key.1234' } as NeutronIpsecSiteConnection]]
        : [],
    ),
    ike: new Map(),
    ipsec: new Map(),
    customerGateways: new Map([['cgw-0123456789abcdef0', { customerGatewayId: 'cgw-0123456789abcdef0', uuid: 'u', ipAddress: '203.0.113.9', bgpAsn: 65000, type: 'ipsec.1' }]]),
  });

  it("takes state, outside address and key from Neutron's objects", () => {
    const shown = formatVpnConnection(connection, facts('ACTIVE'), [{ Key: 'Name', Value: 'office' }]);
    expect(shown).toMatchObject({
      VpnConnectionId: connection.vpnConnectionId,
      State: 'available',
      Type: 'ipsec.1',
      Options: { StaticRoutesOnly: true, TunnelOptions: [{ OutsideIpAddress: '172.24.4.50', PreSharedKey: 'Secret_key.1234' }] },
      Routes: [{ DestinationCidrBlock: '192.168.1.0/24', Source: 'Static', State: 'available' }],
      VgwTelemetry: [{ OutsideIpAddress: '172.24.4.50', Status: 'UP', AcceptedRouteCount: 1 }],
      Tags: [{ Key: 'Name', Value: 'office' }],
    });
    expect(shown.CustomerGatewayConfiguration).toContain('<ip_address>172.24.4.50</ip_address>');
  });

  it('is pending while the site connection is, and falls back to our own key and policies when Neutron has none to show', () => {
    expect(formatVpnConnection(connection, facts('PENDING_CREATE')).State).toBe('pending');
    const withoutSite = formatVpnConnection(connection, facts(undefined));
    expect(withoutSite.State).toBe('available');
    expect(withoutSite.VgwTelemetry![0]!.Status).toBe('DOWN');
    expect(withoutSite.CustomerGatewayConfiguration).toContain('<pre_shared_key>Secret_key.1234</pre_shared_key>');
    expect(withoutSite.CustomerGatewayConfiguration).toContain('<ip_address>203.0.113.9</ip_address>');
  });
});

describe('route propagation', () => {
  const gateway = (over: Partial<VpnGatewayRecord>): VpnGatewayRecord => ({
    vpnGatewayId: 'vgw-1',
    uuid: 'u',
    type: 'ipsec.1',
    amazonSideAsn: 64512,
    vpcId: 'vpc-1',
    propagatingRouteTableIds: ['rtb-1'],
    ...over,
  });

  it("shows the gateway's connections' routes in the tables it propagates into, once each", () => {
    const context = {
      vpnGateways: [gateway({}), gateway({ vpnGatewayId: 'vgw-2', vpcId: 'vpc-2' })],
      vpnConnections: [
        record({ vpnGatewayId: 'vgw-1', routes: ['192.168.1.0/24', '10.9.0.0/16'] }),
        record({ vpnGatewayId: 'vgw-1', routes: ['10.9.0.0/16'] }),
        record({ vpnGatewayId: 'vgw-2', routes: ['172.16.0.0/12'] }),
      ],
    };
    expect(propagatedRoutes({ routeTableId: 'rtb-1', vpcId: 'vpc-1' }, context)).toEqual({
      gateways: [{ GatewayId: 'vgw-1' }],
      routes: [
        { DestinationCidrBlock: '192.168.1.0/24', GatewayId: 'vgw-1', Origin: 'EnableVgwRoutePropagation', State: 'active' },
        { DestinationCidrBlock: '10.9.0.0/16', GatewayId: 'vgw-1', Origin: 'EnableVgwRoutePropagation', State: 'active' },
      ],
    });
    expect(propagatedRoutes({ routeTableId: 'rtb-2', vpcId: 'vpc-1' }, context)).toEqual({ gateways: [], routes: [] });
    // A gateway detached from the table's VPC propagates nothing there.
    expect(propagatedRoutes({ routeTableId: 'rtb-1', vpcId: 'vpc-1' }, { ...context, vpnGateways: [gateway({ vpcId: undefined })] }).routes).toEqual([]);
  });
});

describe('whether the cloud has vpnaas', () => {
  const neutronWith = (answer: () => unknown) => {
    const fake = {
      calls: 0,
      options: { baseUrl: `http://neutron-${Math.random()}:9696/v2.0`, service: 'network', timeoutMs: 1000 },
      async get<T>(): Promise<T> {
        fake.calls++;
        return answer() as T;
      },
    };
    return fake;
  };
  const notFound = () => {
    throw new OpenStackError('network', 404, 'Extension vpnaas not found.', 'ExtensionNotFound', 'GET', 'extensions/vpnaas');
  };

  it('asks Neutron once per endpoint and answers UnsupportedOperation without it', async () => {
    forgetVpnaasVerdicts();
    const without = neutronWith(notFound);
    expect(await vpnaasAvailable(without)).toBe(false);
    expect(await codeOf(() => requireVpnaas(without as unknown as ServiceClient))).toBe('UnsupportedOperation');
    expect(without.calls).toBe(1);
    const withIt = neutronWith(() => ({ extension: { alias: 'vpnaas' } }));
    expect(await vpnaasAvailable(withIt)).toBe(true);
    expect(await vpnaasAvailable(withIt)).toBe(true);
    expect(withIt.calls).toBe(1);
  });

  it('asks again after a failed question instead of remembering it', async () => {
    forgetVpnaasVerdicts();
    let fail = true;
    const flaky = neutronWith(() => {
      if (fail) throw new OpenStackError('network', 503, 'busy', undefined, 'GET', 'extensions/vpnaas');
      return {};
    });
    expect(await codeOf(() => vpnaasAvailable(flaky))).toBe('Unavailable');
    fail = false;
    expect(await vpnaasAvailable(flaky)).toBe(true);
    expect(flaky.calls).toBe(2);
  });
});
