/** The vpc family: VPCs, subnets, internet gateways, route tables and DHCP options on Neutron (see README.md). */
import { familyHandler } from '../../lib/family.js';
import AttachInternetGateway from './AttachInternetGateway.js';
import CreateDefaultSubnet from './CreateDefaultSubnet.js';
import CreateDefaultVpc from './CreateDefaultVpc.js';
import CreateInternetGateway from './CreateInternetGateway.js';
import CreateSubnet from './CreateSubnet.js';
import CreateVpc from './CreateVpc.js';
import DeleteInternetGateway from './DeleteInternetGateway.js';
import DeleteSubnet from './DeleteSubnet.js';
import DeleteVpc from './DeleteVpc.js';
import DescribeInternetGateways from './DescribeInternetGateways.js';
import DescribeSubnets from './DescribeSubnets.js';
import DescribeVpcAttribute from './DescribeVpcAttribute.js';
import DescribeVpcs from './DescribeVpcs.js';
import DetachInternetGateway from './DetachInternetGateway.js';
import ModifySubnetAttribute from './ModifySubnetAttribute.js';
import ModifyVpcAttribute from './ModifyVpcAttribute.js';

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
]);
