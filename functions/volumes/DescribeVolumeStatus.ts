/**
 * DescribeVolumeStatus from Cinder's status (states.ts): I/O is enabled on every usable volume and
 * failed on one in error. No scheduled events or actions exist on this cloud, so those lists are
 * empty and filters on them match nothing.
 */
import { describe, type ResourceDescriptor } from '../../lib/describe/engine.js';
import type { FilterSpec } from '../../lib/describe/filters.js';
import { clampMaxResults } from '../../lib/describe/paging.js';
import { action } from '../../lib/family.js';
import type { CinderVolume } from '../../lib/openstack/cinder.js';
import type { VolumeStatusItem } from '../../schemas/types.js';
import { volumeStatus } from './states.js';
import { listProjectVolumes, volumeDescriptor } from './volume-resource.js';

const PAGE_LIMIT = 1000;

const FILTERS: FilterSpec<VolumeStatusItem> = {
  'action.code': (v) => (v.Actions ?? []).map((a) => a.Code),
  'action.description': (v) => (v.Actions ?? []).map((a) => a.Description),
  'action.event-id': (v) => (v.Actions ?? []).map((a) => a.EventId),
  'availability-zone': (v) => v.AvailabilityZone,
  'event.description': (v) => (v.Events ?? []).map((e) => e.Description),
  'event.event-id': (v) => (v.Events ?? []).map((e) => e.EventId),
  'event.event-type': (v) => (v.Events ?? []).map((e) => e.EventType),
  'event.not-after': (v) => (v.Events ?? []).map((e) => e.NotAfter as Date | undefined),
  'event.not-before': (v) => (v.Events ?? []).map((e) => e.NotBefore as Date | undefined),
  'volume-status.details-name': (v) => (v.VolumeStatus?.Details ?? []).map((d) => d.Name),
  'volume-status.details-status': (v) => (v.VolumeStatus?.Details ?? []).map((d) => d.Status),
  'volume-status.status': (v) => v.VolumeStatus?.Status,
};

const descriptor: ResourceDescriptor<CinderVolume, VolumeStatusItem> = {
  type: 'volume',
  idErrors: volumeDescriptor.idErrors,
  // Of what the volume listing pushes down to Cinder, only availability-zone is a filter here too.
  // Attachments' facts are not shown here: none is read.
  list: (ctx, query) => listProjectVolumes(ctx, query),
  uuidOf: (v) => v.id,
  format: async (_ctx, entries) =>
    entries.map(({ raw, ec2Id }) => {
      const { status, ioEnabled } = volumeStatus(raw.status, raw.attachments.length > 0);
      return {
        VolumeId: ec2Id,
        AvailabilityZone: raw.availability_zone,
        VolumeStatus: {
          Status: status,
          Details: [
            { Name: 'io-enabled', Status: ioEnabled },
            // AWS measures this only for Provisioned IOPS volumes, which this cloud does not offer.
            { Name: 'io-performance', Status: 'not-applicable' },
          ],
        },
        Actions: [],
        Events: [],
      };
    }),
  idOf: (v) => v.VolumeId!,
  filters: FILTERS,
  paging: { min: 5, max: PAGE_LIMIT, exclusiveWithIds: 'volumeSet' },
};

export default action('DescribeVolumeStatus', async (input, ctx) => {
  const { items, nextToken } = await describe(ctx, 'DescribeVolumeStatus', descriptor, {
    ids: input.VolumeIds,
    filters: input.Filters,
    maxResults: clampMaxResults(input.MaxResults, PAGE_LIMIT),
    nextToken: input.NextToken,
  });
  return { VolumeStatuses: items, NextToken: nextToken };
});
