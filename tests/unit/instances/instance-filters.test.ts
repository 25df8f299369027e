import { describe, expect, it } from 'vitest';
import { compileFilters, matchesAll } from '../../../lib/describe/filters.js';
import { operation } from '../../../lib/protocol/model.js';
import { INSTANCE_FILTERS } from '../../../functions/instances/instance-resource.js';
import type { InstanceView } from '../../../lib/domain/instances/instance-model.js';
import { reservationsOf } from '../../../functions/instances/reservations.js';

const view = (id: string, reservationId: string, extra: Partial<InstanceView['instance']> = {}): InstanceView =>
  ({
    instance: {
      InstanceId: id,
      State: { Code: 16, Name: 'running' },
      KeyName: 'k1',
      InstanceType: 'm1.tiny',
      AmiLaunchIndex: 0,
      Placement: { AvailabilityZone: 'nova' },
      SubnetId: 'subnet-1',
      BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { VolumeId: 'vol-1', DeleteOnTermination: true, Status: 'attached' } }],
      NetworkInterfaces: [
        {
          NetworkInterfaceId: 'eni-1',
          SubnetId: 'subnet-1',
          Groups: [{ GroupId: 'sg-1', GroupName: 'default' }],
          PrivateIpAddresses: [{ PrivateIpAddress: '10.0.0.5', Primary: true }],
          Attachment: { DeviceIndex: 0, DeleteOnTermination: true },
        },
      ],
      SecurityGroups: [{ GroupId: 'sg-1', GroupName: 'default' }],
      ...extra,
    },
    reservationId,
    ownerId: 'p1',
  }) as InstanceView;

const matching = (views: InstanceView[], filters: Array<{ Name: string; Values: string[] }>) => {
  const compiled = compileFilters(filters, INSTANCE_FILTERS, operation('DescribeInstances').filters);
  return views.filter((v) => matchesAll(compiled, v, [])).map((v) => v.instance.InstanceId);
};

describe('DescribeInstances filters and reservations', () => {
  const views = [view('i-1', 'r-a'), view('i-2', 'r-a', { KeyName: 'k2', State: { Code: 80, Name: 'stopped' } }), view('i-3', 'r-b')];

  it('reads every documented filter we serve from the instance', () => {
    expect(matching(views, [{ Name: 'key-name', Values: ['k1'] }])).toEqual(['i-1', 'i-3']);
    expect(matching(views, [{ Name: 'instance-state-name', Values: ['stopped'] }])).toEqual(['i-2']);
    expect(matching(views, [{ Name: 'instance-state-code', Values: ['16'] }])).toEqual(['i-1', 'i-3']);
    expect(matching(views, [{ Name: 'reservation-id', Values: ['r-a'] }])).toEqual(['i-1', 'i-2']);
    expect(matching(views, [{ Name: 'block-device-mapping.delete-on-termination', Values: ['true'] }])).toHaveLength(3);
    expect(matching(views, [{ Name: 'network-interface.addresses.private-ip-address', Values: ['10.0.0.*'] }])).toHaveLength(3);
    expect(matching(views, [{ Name: 'instance.group-name', Values: ['default'] }, { Name: 'owner-id', Values: ['p1'] }])).toHaveLength(3);
    expect(matching(views, [{ Name: 'spot-instance-request-id', Values: ['*'] }])).toEqual([]);
  });

  it('refuses the documented filters it cannot serve, and unknown ones', () => {
    expect(() => matching(views, [{ Name: 'network-interface.association.allocation-id', Values: ['x'] }])).toThrow(/not supported/);
    expect(() => matching(views, [{ Name: 'no-such', Values: ['x'] }])).toThrow(/invalid/);
  });

  it('groups instances into their reservations, in order', () => {
    const reservations = reservationsOf(views);
    expect(reservations.map((r) => [r.ReservationId, r.Instances!.map((i) => i.InstanceId)])).toEqual([
      ['r-a', ['i-1', 'i-2']],
      ['r-b', ['i-3']],
    ]);
    expect(reservations[0]).toMatchObject({ OwnerId: 'p1', Groups: [] });
  });
});
