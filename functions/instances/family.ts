/** The instances family: instances, key pairs, zones, regions, account attributes, tags, types. */
import { familyHandler } from '../../lib/family.js';
import CreateTags from './CreateTags.js';
import DeleteTags from './DeleteTags.js';
import DescribeAccountAttributes from './DescribeAccountAttributes.js';
import DescribeAvailabilityZones from './DescribeAvailabilityZones.js';
import DescribeRegions from './DescribeRegions.js';
import DescribeTags from './DescribeTags.js';
import CreateKeyPair from './CreateKeyPair.js';
import DeleteKeyPair from './DeleteKeyPair.js';
import DescribeIdFormat from './DescribeIdFormat.js';
import DescribeInstanceTypes from './DescribeInstanceTypes.js';
import DescribeKeyPairs from './DescribeKeyPairs.js';
import ImportKeyPair from './ImportKeyPair.js';
import ModifyIdFormat from './ModifyIdFormat.js';
import DescribeInstances from './DescribeInstances.js';
import RunInstances from './RunInstances.js';
import TerminateInstances from './TerminateInstances.js';
import StopInstances from './StopInstances.js';
import StartInstances from './StartInstances.js';
import RebootInstances from './RebootInstances.js';
import DescribeInstanceAttribute from './DescribeInstanceAttribute.js';
import ModifyInstanceAttribute from './ModifyInstanceAttribute.js';
import ResetInstanceAttribute from './ResetInstanceAttribute.js';
import GetConsoleOutput from './GetConsoleOutput.js';
import GetPasswordData from './GetPasswordData.js';
import DescribeInstanceStatus from './DescribeInstanceStatus.js';

export const handle = familyHandler('instances', [
  DescribeRegions,
  DescribeAvailabilityZones,
  DescribeAccountAttributes,
  CreateTags,
  DeleteTags,
  DescribeTags,
  CreateKeyPair,
  DeleteKeyPair,
  DescribeIdFormat,
  DescribeInstanceTypes,
  DescribeKeyPairs,
  ImportKeyPair,
  ModifyIdFormat,
  DescribeInstances,
  RunInstances,
  TerminateInstances,
  StopInstances,
  StartInstances,
  RebootInstances,
  DescribeInstanceAttribute,
  ModifyInstanceAttribute,
  ResetInstanceAttribute,
  GetConsoleOutput,
  GetPasswordData,
  DescribeInstanceStatus,
]);
