/**
 * How long a string parameter may be, checked by the parser before any action runs, so no value
 * reaches the state table (a sort key holds at most 1,024 bytes) or an OpenStack URL (Glance
 * answers 414, Nova and Cinder reset the connection) at a size AWS itself would refuse.
 *
 * The limits are AWS's where AWS documents one (ClientToken 64, tag keys 128 and values 256, key
 * pair names 255, descriptions 255, AMI names 128); the finer rules of a value (an AMI name's
 * characters, an id's form) stay with the action that gives AWS's own error code for them. Every
 * other string is bounded by GENERIC_STRING_MAX: 64,000 characters is the largest string AWS's own
 * EC2 model declares (StringType), above the base64 of the 16 KB of user data AWS accepts.
 */
import { Ec2Error, echo, invalidValueFor } from './errors.js';

export const GENERIC_STRING_MAX = 64_000;

/** Keyed by `<structure shape>.<member>` first, then by member name alone. */
const MAX_LENGTH: Record<string, number> = {
  'Tag.Key': 128,
  'Tag.Value': 256,
  // Filter values are bounded again (with their count) by FILTER_LIMITS below.
  'Filter.Name': 255,
  ClientToken: 64,
  KeyName: 255,
  KeyNames: 255,
  AvailabilityZone: 255,
  AvailabilityZoneId: 255,
  ZoneNames: 255,
  ZoneIds: 255,
  Description: 255,
  Name: 128,
  GroupName: 255,
  GroupNames: 255,
  Groups: 255,
  SecurityGroups: 255,
  SourceSecurityGroupName: 255,
  // Owners are AWS account ids (12 digits), aliases (self, amazon…) or OpenStack project ids (≤ 64).
  Owners: 64,
  OwnerIds: 64,
  ExecutableUsers: 64,
  UserIds: 64,
  UserId: 64,
  RestorableByUserIds: 64,
  UserGroups: 64,
  SourceSecurityGroupOwnerId: 64,
  RegionNames: 64,
  InstanceType: 64,
  InstanceTypes: 64,
  DeviceName: 255,
  RootDeviceName: 255,
  VirtualName: 255,
  Device: 255,
  PrivateIpAddress: 64,
  PrivateIpAddresses: 64,
  PublicIp: 64,
  PublicIps: 64,
  ImageLocation: 2048,
  KmsKeyId: 2048,
  NextToken: 4096,
};

/** EC2 ids are at most 21 characters (`eipalloc-` + 17 hex); 255 still refuses nothing AWS accepts. */
const ID_MAX = 255;
const ARN_MAX = 2048;

/** The longest value AWS accepts for a string member (or the strings of a list member). */
export function maxLengthOf(structureShape: string | undefined, member: string | undefined): number {
  if (!member) return GENERIC_STRING_MAX;
  const qualified = structureShape ? MAX_LENGTH[`${structureShape}.${member}`] : undefined;
  if (qualified !== undefined) return qualified;
  if (Object.hasOwn(MAX_LENGTH, member)) return MAX_LENGTH[member]!;
  if (/Arns?$/.test(member)) return ARN_MAX;
  if (/(Id|Ids|Resources?)$/.test(member)) return ID_MAX;
  return GENERIC_STRING_MAX;
}

/** Counts characters as AWS does (code points), looking closer only when the UTF-16 length is over. */
const tooLong = (value: string, max: number) => value.length > max && [...value].length > max;

export function checkLength(path: string, value: string, max: number): void {
  if (tooLong(value, max)) throw invalidValueFor(path, value, `Length exceeds maximum of ${max} characters.`);
}

/**
 * AWS refuses more than 200 filter values in one call (FilterLimitExceeded). It documents no length
 * for one value; 1,024 characters is four times the longest value AWS stores for any filterable
 * field (a tag value: 256), so no real filter is refused, and no value can grow a table key or an
 * OpenStack query string beyond what they take.
 */
export const FILTER_LIMITS = { values: 200, valueLength: 1024, nameLength: 255 } as const;

export interface FilterLike {
  Name?: string;
  Values?: string[];
}

/** Refuses filters over AWS's limits before anything is compiled or sent anywhere. */
export function checkFilterLimits(filters: FilterLike[] | undefined): void {
  let count = 0;
  for (const filter of filters ?? []) {
    const name = filter.Name ?? '';
    if (tooLong(name, FILTER_LIMITS.nameLength)) throw new Ec2Error('InvalidParameterValue', `The filter '${echo(name)}' is invalid`);
    for (const value of filter.Values ?? []) {
      if (++count > FILTER_LIMITS.values) {
        throw new Ec2Error('FilterLimitExceeded', `The maximum number of filter values specified on a single call is ${FILTER_LIMITS.values}`);
      }
      if (tooLong(value, FILTER_LIMITS.valueLength)) {
        throw new Ec2Error(
          'InvalidParameterValue',
          `The value '${echo(value)}' of filter '${echo(name)}' is too long: at most ${FILTER_LIMITS.valueLength} characters`,
        );
      }
    }
  }
}
