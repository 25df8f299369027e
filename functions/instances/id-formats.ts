/**
 * EC2's resource id formats. This cloud only ever makes long ids (prefix + 17 hex digits), so
 * every resource type that had the choice reports long ids, and nothing can turn them off.
 */
import { invalidParameterValue } from '../../lib/protocol/errors.js';

/** The resource types DescribeIdFormat / ModifyIdFormat know (the EC2 API reference's list). */
export const ID_FORMAT_RESOURCES = [
  'bundle',
  'conversion-task',
  'customer-gateway',
  'dhcp-options',
  'elastic-ip-allocation',
  'elastic-ip-association',
  'export-task',
  'flow-log',
  'image',
  'import-task',
  'instance',
  'internet-gateway',
  'network-acl',
  'network-acl-association',
  'network-interface',
  'network-interface-attachment',
  'prefix-list',
  'reservation',
  'route-table',
  'route-table-association',
  'security-group',
  'snapshot',
  'subnet',
  'subnet-cidr-block-association',
  'volume',
  'vpc',
  'vpc-cidr-block-association',
  'vpc-endpoint',
  'vpc-peering-connection',
  'vpn-connection',
  'vpn-gateway',
] as const;

/** ModifyIdFormat also takes "all-current": every type still in its opt-in period. */
const ALL_CURRENT = 'all-current';

export function requireIdFormatResource(resource: string, options: { allowAllCurrent?: boolean } = {}): void {
  if ((ID_FORMAT_RESOURCES as readonly string[]).includes(resource)) return;
  if (options.allowAllCurrent && resource === ALL_CURRENT) return;
  throw invalidParameterValue(
    `Invalid value '${resource}' for resource. Valid values: ${[...ID_FORMAT_RESOURCES, ...(options.allowAllCurrent ? [ALL_CURRENT] : [])].join(', ')}`,
  );
}
