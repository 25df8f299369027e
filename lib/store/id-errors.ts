/** AWS's error codes for malformed and unknown ids, per resource type. */
import { Ec2Error } from '../protocol/errors.js';
import { resourceTypeOf, type IdErrors, type ResourceType } from './ids.js';

export const ID_ERRORS: Record<ResourceType, IdErrors> = {
  instance: { malformed: 'InvalidInstanceID.Malformed', notFound: 'InvalidInstanceID.NotFound', noun: 'instance' },
  volume: { malformed: 'InvalidVolumeID.Malformed', notFound: 'InvalidVolume.NotFound', noun: 'volume' },
  snapshot: { malformed: 'InvalidSnapshotID.Malformed', notFound: 'InvalidSnapshot.NotFound', noun: 'snapshot' },
  image: { malformed: 'InvalidAMIID.Malformed', notFound: 'InvalidAMIID.NotFound', noun: 'image' },
  vpc: { malformed: 'InvalidVpcID.Malformed', notFound: 'InvalidVpcID.NotFound', noun: 'vpc' },
  subnet: { malformed: 'InvalidSubnetID.Malformed', notFound: 'InvalidSubnetID.NotFound', noun: 'subnet' },
  'route-table': { malformed: 'InvalidRouteTableID.Malformed', notFound: 'InvalidRouteTableID.NotFound', noun: 'route table' },
  'internet-gateway': {
    malformed: 'InvalidInternetGatewayID.Malformed',
    notFound: 'InvalidInternetGatewayID.NotFound',
    noun: 'internet gateway',
  },
  'network-interface': {
    malformed: 'InvalidNetworkInterfaceID.Malformed',
    notFound: 'InvalidNetworkInterfaceID.NotFound',
    noun: 'network interface',
  },
  'elastic-ip': { malformed: 'InvalidAllocationID.Malformed', notFound: 'InvalidAllocationID.NotFound', noun: 'allocation' },
  'security-group': { malformed: 'InvalidGroupId.Malformed', notFound: 'InvalidGroup.NotFound', noun: 'security group' },
  'security-group-rule': {
    malformed: 'InvalidSecurityGroupRuleId.Malformed',
    notFound: 'InvalidSecurityGroupRuleId.NotFound',
    noun: 'security group rule',
  },
  'dhcp-options': { malformed: 'InvalidDhcpOptionsID.Malformed', notFound: 'InvalidDhcpOptionID.NotFound', noun: 'dhcp options' },
  'vpn-gateway': { malformed: 'InvalidVpnGatewayID.Malformed', notFound: 'InvalidVpnGatewayID.NotFound', noun: 'vpn gateway' },
  'customer-gateway': {
    malformed: 'InvalidCustomerGatewayID.Malformed',
    notFound: 'InvalidCustomerGatewayID.NotFound',
    noun: 'customer gateway',
  },
  'vpn-connection': {
    malformed: 'InvalidVpnConnectionID.Malformed',
    notFound: 'InvalidVpnConnectionID.NotFound',
    noun: 'vpn connection',
  },
  'key-pair': { malformed: 'InvalidKeyPair.Malformed', notFound: 'InvalidKeyPair.NotFound', noun: 'key pair' },
  reservation: { malformed: 'InvalidReservationID.Malformed', notFound: 'InvalidReservationID.NotFound', noun: 'reservation' },
};

/** The resource type of any EC2 id, or AWS's InvalidID when it is no id we know. */
export function requireResourceType(ec2Id: string): ResourceType {
  const type = resourceTypeOf(ec2Id);
  if (!type) throw new Ec2Error('InvalidID', `The ID '${ec2Id}' is not valid`);
  return type;
}
