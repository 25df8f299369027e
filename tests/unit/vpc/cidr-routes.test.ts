/** CIDR arithmetic and what a route table means for a Neutron subnet (lib/domain/vpc). */
import { describe, expect, it } from 'vitest';
import { addressAt, checkPrefix, contains, covering, firstFreeBlock, overlaps, parseCidr, requireCidr } from '../../../lib/domain/vpc/cidr.js';
import { METADATA_ROUTE, dnsServersOf, subnetSettings, tableOfSubnet } from '../../../lib/domain/vpc/network-config.js';
import type { RouteTableRecord, SubnetRecord, VpcRecord } from '../../../lib/domain/vpc/records.js';
import { codeOf } from '../support/ec2-error.js';

const cidr = (text: string) => parseCidr(text)!;

describe('CIDR blocks', () => {
  it('parses network blocks and refuses host bits, bad addresses and leading zeros', () => {
    expect(parseCidr('10.0.0.0/16')).toEqual({ base: 10 * 2 ** 24, prefix: 16, text: '10.0.0.0/16' });
    for (const bad of ['10.0.0.1/16', '10.0.0.300/16', '10.0.0.0', '10.0.0.0/33', '010.0.0.0/16', 'ten/8', '']) {
      expect(parseCidr(bad), bad).toBeUndefined();
    }
    expect(codeOf(() => requireCidr('10.0.0.1/16', 'cidrBlock'))).toBe('InvalidParameterValue');
  });

  it("keeps AWS's /16 to /28 range", () => {
    expect(codeOf(() => checkPrefix(cidr('10.0.0.0/8'), 'InvalidVpc.Range'))).toBe('InvalidVpc.Range');
    expect(codeOf(() => checkPrefix(cidr('10.0.0.0/29'), 'InvalidSubnet.Range'))).toBe('InvalidSubnet.Range');
    expect(codeOf(() => checkPrefix(cidr('10.0.0.0/28'), 'InvalidSubnet.Range'))).toBe('accepted');
  });

  it('tells containment and overlap', () => {
    expect(contains(cidr('10.0.0.0/16'), cidr('10.0.255.0/24'))).toBe(true);
    expect(contains(cidr('10.0.0.0/16'), cidr('10.1.0.0/24'))).toBe(false);
    expect(overlaps(cidr('10.0.1.0/24'), cidr('10.0.1.128/25'))).toBe(true);
    expect(overlaps(cidr('10.0.1.0/24'), cidr('10.0.2.0/24'))).toBe(false);
  });

  it("finds addresses, covering blocks and free blocks", () => {
    expect(addressAt(cidr('10.0.1.0/24'), 1)).toBe('10.0.1.1');
    expect(addressAt(cidr('10.0.1.0/24'), 4)).toBe('10.0.1.4');
    expect(addressAt(cidr('10.0.1.0/24'), -2)).toBe('10.0.1.254');
    expect(covering([cidr('10.0.0.0/24')], 16).text).toBe('10.0.0.0/16');
    expect(covering([cidr('10.0.0.0/24'), cidr('10.1.0.0/24')], 16).text).toBe('10.0.0.0/15');
    expect(firstFreeBlock(cidr('172.31.0.0/16'), 20, [cidr('172.31.0.0/20'), cidr('172.31.32.0/24')])?.text).toBe('172.31.16.0/20');
    expect(firstFreeBlock(cidr('10.0.0.0/20'), 20, [cidr('10.0.0.0/24')])).toBeUndefined();
  });
});

describe('route tables as Neutron subnet settings', () => {
  const subnet: SubnetRecord = {
    subnetId: 'subnet-1', vpcId: 'vpc-1', subnetUuid: 'u1', networkId: 'n1', cidr: '10.0.1.0/24', routerIp: '10.0.1.1',
    availabilityZone: 'nova', mapPublicIpOnLaunch: false, defaultForAz: false, adopted: false,
  };
  const table = (routes: RouteTableRecord['routes'], associations: RouteTableRecord['associations'] = [], id = 'rtb-1'): RouteTableRecord => ({
    routeTableId: id, uuid: id, vpcId: 'vpc-1', associations,
    routes: [{ destination: '10.0.0.0/16', gatewayId: 'local', origin: 'CreateRouteTable' }, ...routes],
  });

  it('makes the router the gateway for a default route to an attached internet gateway', () => {
    const t = table([{ destination: '0.0.0.0/0', gatewayId: 'igw-1', origin: 'CreateRoute' }]);
    expect(subnetSettings(subnet, t, new Set(['igw-1']), [])).toEqual({ gateway_ip: '10.0.1.1', host_routes: [], dns_nameservers: [] });
  });

  it('gives no gateway without one (or with a detached gateway), only the metadata route', () => {
    const t = table([{ destination: '0.0.0.0/0', gatewayId: 'igw-1', origin: 'CreateRoute' }]);
    expect(subnetSettings(subnet, t, new Set(), ['9.9.9.9'])).toEqual({
      gateway_ip: null,
      host_routes: [{ destination: METADATA_ROUTE, nexthop: '10.0.1.1' }],
      dns_nameservers: ['9.9.9.9'],
    });
  });

  it('routes through an instance as a host route to its address', () => {
    const t = table([
      { destination: '0.0.0.0/0', gatewayId: 'igw-1', origin: 'CreateRoute' },
      { destination: '192.168.0.0/16', instanceId: 'i-1', nexthop: '10.0.1.9', origin: 'CreateRoute' },
    ]);
    expect(subnetSettings(subnet, t, new Set(['igw-1']), []).host_routes).toEqual([{ destination: '192.168.0.0/16', nexthop: '10.0.1.9' }]);
  });

  it("applies a subnet's explicit table, else the VPC's main table", () => {
    const vpc = { mainRouteTableId: 'rtb-main' } as VpcRecord;
    const main = table([], [], 'rtb-main');
    const explicit = table([], [{ associationId: 'rtbassoc-1', subnetId: 'subnet-1' }], 'rtb-2');
    expect(tableOfSubnet('subnet-1', vpc, [main, explicit])?.routeTableId).toBe('rtb-2');
    expect(tableOfSubnet('subnet-2', vpc, [main, explicit])?.routeTableId).toBe('rtb-main');
  });

  it("hands out DHCP options' DNS servers, leaving AmazonProvidedDNS to Neutron", () => {
    expect(dnsServersOf(undefined)).toEqual([]);
    const options = { dhcpOptionsId: 'dopt-1', uuid: 'u', configurations: [{ Key: 'domain-name-servers', Values: ['AmazonProvidedDNS', '10.0.0.2'] }] };
    expect(dnsServersOf(options)).toEqual(['10.0.0.2']);
  });
});
