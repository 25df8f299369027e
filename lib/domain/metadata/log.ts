/**
 * One JSON line per metadata request, like the front door's: which container (Lambda instance)
 * answered, whether the instance came from its cache, and its running count of OpenStack calls,
 * so a benchmark can read calls per request from the logs.
 */
import { randomUUID } from 'node:crypto';
import { keystoneCalls } from '../../openstack/keystone.js';
import { logger } from '../../log.js';

/** Names this process (one Lambda container) in the logs. */
export const container = randomUUID().slice(0, 8);

/** OpenStack calls made by this process's instance lookups, by service. */
export const openstackCalls: Record<string, number> = {};
/** Those calls plus the service user's own Keystone logins. */
export const openstackCallCount = () => Object.values(openstackCalls).reduce((a, b) => a + b, keystoneCalls.passwordAuth);

export function logRequest(fields: Record<string, unknown>): void {
  logger.info('metadata request', { ...fields, container, openstackCalls: openstackCallCount() });
}
