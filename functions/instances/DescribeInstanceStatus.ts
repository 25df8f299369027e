/**
 * DescribeInstanceStatus: state and status checks of instances, running ones only unless
 * IncludeAllInstances. OpenStack has no reachability probes: the instance check is what Nova knows
 * of the guest (its power state), the system check what it knows of the host (host_status, where
 * policy shows it). Only the servers are read, not their ports or volumes.
 */
import { describe, type ResourceDescriptor } from '../../lib/describe/engine.js';
import { action } from '../../lib/family.js';
import type { NovaServer } from '../../lib/openstack/nova.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import type { InstanceStatus, InstanceStatusSummary } from '../../schemas/types.js';
import { listInstances, type InstanceRaw } from './instance-resource.js';
import { novaTime, stateNamed, stateNameOf } from '../../lib/domain/instances/instance-state.js';

const POWER_RUNNING = 1;

function instanceCheck(server: NovaServer, running: boolean): InstanceStatusSummary {
  if (!running) return { Status: 'not-applicable', Details: [] };
  if (server['OS-EXT-STS:power_state'] !== undefined && server['OS-EXT-STS:power_state'] !== POWER_RUNNING) {
    return { Status: 'impaired', Details: [{ Name: 'reachability', Status: 'failed', ImpairedSince: novaTime(server.updated) }] };
  }
  return { Status: 'ok', Details: [{ Name: 'reachability', Status: 'passed' }] };
}

function systemCheck(server: NovaServer, running: boolean): InstanceStatusSummary {
  if (!running) return { Status: 'not-applicable', Details: [] };
  switch (server.host_status) {
    case 'DOWN':
      return { Status: 'impaired', Details: [{ Name: 'reachability', Status: 'failed', ImpairedSince: novaTime(server.updated) }] };
    case 'UNKNOWN':
      return { Status: 'insufficient-data', Details: [{ Name: 'reachability', Status: 'insufficient-data' }] };
    default:
      return { Status: 'ok', Details: [{ Name: 'reachability', Status: 'passed' }] };
  }
}

function statusOf(server: NovaServer, ec2Id: string): InstanceStatus {
  const name = server.status === 'DELETED' ? 'terminated' : stateNameOf(server);
  const running = name === 'running';
  return {
    InstanceId: ec2Id,
    AvailabilityZone: server['OS-EXT-AZ:availability_zone'] ?? '',
    InstanceState: stateNamed(name),
    InstanceStatus: instanceCheck(server, running),
    SystemStatus: systemCheck(server, running),
    Events: [],
  };
}

const statusDescriptor = (includeAll: boolean): ResourceDescriptor<InstanceRaw, InstanceStatus> => ({
  type: 'instance',
  idErrors: ID_ERRORS.instance,
  list: (ctx, query) => listInstances(ctx, query, false),
  uuidOf: (raw) => raw.server.id,
  format: async (_ctx, entries) =>
    entries.map((e) => statusOf(e.raw.server, e.ec2Id)).filter((s) => includeAll || s.InstanceState?.Name === 'running'),
  idOf: (s) => s.InstanceId!,
  filters: {
    'availability-zone': (s) => s.AvailabilityZone,
    'event.code': () => undefined,
    'event.description': () => undefined,
    'event.instance-event-id': () => undefined,
    'event.not-after': () => undefined,
    'event.not-before': () => undefined,
    'event.not-before-deadline': () => undefined,
    'instance-state-code': (s) => s.InstanceState?.Code,
    'instance-state-name': (s) => s.InstanceState?.Name,
    'instance-status.reachability': (s) => s.InstanceStatus?.Details?.map((d) => d.Status),
    'instance-status.status': (s) => s.InstanceStatus?.Status,
    'system-status.reachability': (s) => s.SystemStatus?.Details?.map((d) => d.Status),
    'system-status.status': (s) => s.SystemStatus?.Status,
  },
  paging: { min: 5, max: 1000, exclusiveWithIds: 'instanceIds' },
});

export default action('DescribeInstanceStatus', async (input, ctx) => {
  const { items, nextToken } = await describe(ctx, 'DescribeInstanceStatus', statusDescriptor(input.IncludeAllInstances ?? false), {
    ids: input.InstanceIds,
    filters: input.Filters,
    maxResults: input.MaxResults,
    nextToken: input.NextToken,
  });
  return { InstanceStatuses: items, NextToken: nextToken };
});
