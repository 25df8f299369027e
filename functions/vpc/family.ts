/** The vpc family: VPCs, subnets, internet gateways, route tables, DHCP options, security groups and VPN on Neutron (see README.md). */
import { familyHandler } from '../../lib/family.js';
import AssociateDhcpOptions from './AssociateDhcpOptions.js';
import AssociateRouteTable from './AssociateRouteTable.js';
import AttachInternetGateway from './AttachInternetGateway.js';
import CreateDefaultSubnet from './CreateDefaultSubnet.js';
import CreateDefaultVpc from './CreateDefaultVpc.js';
import CreateDhcpOptions from './CreateDhcpOptions.js';
import CreateInternetGateway from './CreateInternetGateway.js';
import CreateRoute from './CreateRoute.js';
import CreateRouteTable from './CreateRouteTable.js';
import CreateSubnet from './CreateSubnet.js';
import CreateVpc from './CreateVpc.js';
import DeleteDhcpOptions from './DeleteDhcpOptions.js';
import DeleteInternetGateway from './DeleteInternetGateway.js';
import DeleteRoute from './DeleteRoute.js';
import DeleteRouteTable from './DeleteRouteTable.js';
import DeleteSubnet from './DeleteSubnet.js';
import DeleteVpc from './DeleteVpc.js';
import DescribeDhcpOptions from './DescribeDhcpOptions.js';
import DescribeInternetGateways from './DescribeInternetGateways.js';
import DescribeRouteTables from './DescribeRouteTables.js';
import DescribeSubnets from './DescribeSubnets.js';
import DescribeVpcAttribute from './DescribeVpcAttribute.js';
import DescribeVpcs from './DescribeVpcs.js';
import DetachInternetGateway from './DetachInternetGateway.js';
import DisassociateRouteTable from './DisassociateRouteTable.js';
import ModifySubnetAttribute from './ModifySubnetAttribute.js';
import ModifyVpcAttribute from './ModifyVpcAttribute.js';
import ReplaceRoute from './ReplaceRoute.js';
import ReplaceRouteTableAssociation from './ReplaceRouteTableAssociation.js';
// Elastic IP addresses (issue 12, part 2).
import AllocateAddress from './AllocateAddress.js';
import AssociateAddress from './AssociateAddress.js';
import DescribeAddresses from './DescribeAddresses.js';
import DisassociateAddress from './DisassociateAddress.js';
import ReleaseAddress from './ReleaseAddress.js';
// security groups (VPC part 2)
import AuthorizeSecurityGroupEgress from './AuthorizeSecurityGroupEgress.js';
import AuthorizeSecurityGroupIngress from './AuthorizeSecurityGroupIngress.js';
import CreateSecurityGroup from './CreateSecurityGroup.js';
import DeleteSecurityGroup from './DeleteSecurityGroup.js';
import DescribeSecurityGroupRules from './DescribeSecurityGroupRules.js';
import DescribeSecurityGroups from './DescribeSecurityGroups.js';
import RevokeSecurityGroupEgress from './RevokeSecurityGroupEgress.js';
import RevokeSecurityGroupIngress from './RevokeSecurityGroupIngress.js';
// VPN (VPC part 3, docs/vpn.md)
import AttachVpnGateway from './AttachVpnGateway.js';
import CreateCustomerGateway from './CreateCustomerGateway.js';
import CreateVpnConnection from './CreateVpnConnection.js';
import CreateVpnConnectionRoute from './CreateVpnConnectionRoute.js';
import CreateVpnGateway from './CreateVpnGateway.js';
import DeleteCustomerGateway from './DeleteCustomerGateway.js';
import DeleteVpnConnection from './DeleteVpnConnection.js';
import DeleteVpnConnectionRoute from './DeleteVpnConnectionRoute.js';
import DeleteVpnGateway from './DeleteVpnGateway.js';
import DescribeCustomerGateways from './DescribeCustomerGateways.js';
import DescribeVpnConnections from './DescribeVpnConnections.js';
import DescribeVpnGateways from './DescribeVpnGateways.js';
import DetachVpnGateway from './DetachVpnGateway.js';
import DisableVgwRoutePropagation from './DisableVgwRoutePropagation.js';
import EnableVgwRoutePropagation from './EnableVgwRoutePropagation.js';
// security group rules changed in place (ModifySecurityGroupRules, Update…Descriptions)
import ModifySecurityGroupRules from './ModifySecurityGroupRules.js';
import UpdateSecurityGroupRuleDescriptionsEgress from './UpdateSecurityGroupRuleDescriptionsEgress.js';
import UpdateSecurityGroupRuleDescriptionsIngress from './UpdateSecurityGroupRuleDescriptionsIngress.js';
// network interfaces (VPC part 2)
import AssignPrivateIpAddresses from './AssignPrivateIpAddresses.js';
import AttachNetworkInterface from './AttachNetworkInterface.js';
import CreateNetworkInterface from './CreateNetworkInterface.js';
import DeleteNetworkInterface from './DeleteNetworkInterface.js';
import DescribeNetworkInterfaceAttribute from './DescribeNetworkInterfaceAttribute.js';
import DescribeNetworkInterfaces from './DescribeNetworkInterfaces.js';
import DetachNetworkInterface from './DetachNetworkInterface.js';
import ModifyNetworkInterfaceAttribute from './ModifyNetworkInterfaceAttribute.js';
import ResetNetworkInterfaceAttribute from './ResetNetworkInterfaceAttribute.js';
import UnassignPrivateIpAddresses from './UnassignPrivateIpAddresses.js';

export const handle = familyHandler('vpc', [
  CreateVpc,
  DeleteVpc,
  DescribeVpcs,
  DescribeVpcAttribute,
  ModifyVpcAttribute,
  CreateDefaultVpc,
  CreateSubnet,
  DeleteSubnet,
  DescribeSubnets,
  ModifySubnetAttribute,
  CreateDefaultSubnet,
  CreateInternetGateway,
  DeleteInternetGateway,
  DescribeInternetGateways,
  AttachInternetGateway,
  DetachInternetGateway,
  CreateRouteTable,
  DeleteRouteTable,
  DescribeRouteTables,
  AssociateRouteTable,
  DisassociateRouteTable,
  ReplaceRouteTableAssociation,
  CreateRoute,
  ReplaceRoute,
  DeleteRoute,
  CreateDhcpOptions,
  DeleteDhcpOptions,
  DescribeDhcpOptions,
  AssociateDhcpOptions,
  AllocateAddress,
  AssociateAddress,
  DisassociateAddress,
  ReleaseAddress,
  DescribeAddresses,
  // security groups (VPC part 2)
  CreateSecurityGroup,
  DeleteSecurityGroup,
  DescribeSecurityGroups,
  DescribeSecurityGroupRules,
  AuthorizeSecurityGroupIngress,
  AuthorizeSecurityGroupEgress,
  RevokeSecurityGroupIngress,
  RevokeSecurityGroupEgress,
  // VPN (VPC part 3)
  CreateCustomerGateway,
  DeleteCustomerGateway,
  DescribeCustomerGateways,
  CreateVpnGateway,
  DeleteVpnGateway,
  DescribeVpnGateways,
  AttachVpnGateway,
  DetachVpnGateway,
  CreateVpnConnection,
  DeleteVpnConnection,
  DescribeVpnConnections,
  CreateVpnConnectionRoute,
  DeleteVpnConnectionRoute,
  EnableVgwRoutePropagation,
  DisableVgwRoutePropagation,
  // security group rules changed in place
  ModifySecurityGroupRules,
  UpdateSecurityGroupRuleDescriptionsIngress,
  UpdateSecurityGroupRuleDescriptionsEgress,
  // network interfaces (VPC part 2)
  AssignPrivateIpAddresses,
  AttachNetworkInterface,
  CreateNetworkInterface,
  DeleteNetworkInterface,
  DescribeNetworkInterfaceAttribute,
  DescribeNetworkInterfaces,
  DetachNetworkInterface,
  ModifyNetworkInterfaceAttribute,
  ResetNetworkInterfaceAttribute,
  UnassignPrivateIpAddresses,
]);
