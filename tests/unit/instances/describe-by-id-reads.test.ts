/**
 * DescribeInstances of a few ids (HTCondor's poll): the servers' ports are asked of Neutron beside
 * Nova's GET of each server, not after it, and the answer still shows the port's address and groups.
 */
import { describe, expect, it } from 'vitest';
import DescribeInstances from '../../../functions/instances/DescribeInstances.js';
import { writeLaunchRecord } from '../../../lib/domain/instances/launch-record.js';
import type { OpenStack } from '../../../lib/openstack/clients.js';
import type { NeutronPort } from '../../../lib/openstack/neutron.js';
import type { NovaServer } from '../../../lib/openstack/nova.js';
import { recordMappingAs } from '../../../lib/store/ids.js';
import { fakeContext } from '../support/context.js';
import { index, JournalledStore, service, type Journal } from './journal-fakes.js';

const INSTANCE = 'i-0000000000000001e';

const server = {
  id: 's-poll',
  status: 'BUILD',
  'OS-EXT-STS:vm_state': 'building',
  flavor: { original_name: 'm1.tiny', vcpus: 1 },
  created: '2026-11-29T07:00:00Z',
  addresses: {},
  'os-extended-volumes:volumes_attached': [],
} as unknown as NovaServer;

const port: NeutronPort = {
  id: 'p-poll',
  name: '',
  network_id: 'net-poll',
  project_id: 'p',
  mac_address: 'fa:16:3e:00:00:1e',
  admin_state_up: true,
  status: 'DOWN',
  device_id: 's-poll',
  device_owner: 'compute:nova',
  fixed_ips: [{ subnet_id: 'sub-poll', ip_address: '10.9.0.30' }],
  security_groups: ['g-poll'],
  created_at: '2026-11-29T07:00:01Z',
};

describe('DescribeInstances by id', () => {
  it('reads the ports while Nova answers the server, and shows them', async () => {
    const journal: Journal = [];
    const store = new JournalledStore(journal);
    const ctx = fakeContext(store);
    ctx.openstack = {
      nova: service('nova', journal, { '': { version: { version: '2.90' } }, 'servers/s-poll': { server } }),
      neutron: service('neutron', journal, {
        ports: { ports: [port] },
        floatingips: { floatingips: [] },
        'security-groups': { security_groups: [{ id: 'g-poll', name: 'poll-web', project_id: store.projectId }] },
        networks: { networks: [] },
      }),
      cinder: service('cinder', journal),
      glance: service('glance', journal),
    } as unknown as OpenStack;
    await recordMappingAs(store, 'instance', 's-poll', INSTANCE);
    await recordMappingAs(store, 'security-group', 'g-poll', 'sg-0000000000000001e');
    await writeLaunchRecord(store, { instanceId: INSTANCE, serverId: 's-poll', origin: 'ec2', reservationId: 'r-0000000000000001e', launchIndex: 0 });
    journal.length = 0;

    const out = await DescribeInstances.run({ InstanceIds: [INSTANCE] }, ctx);

    expect(index(journal, 'start neutron GET ports')).toBeLessThan(index(journal, 'end nova GET servers/s-poll'));
    const instance = out.Reservations?.[0]?.Instances?.[0];
    expect(instance?.InstanceId).toBe(INSTANCE);
    expect(instance?.State?.Name).toBe('pending');
    expect(instance?.PrivateIpAddress).toBe('10.9.0.30');
    expect(instance?.SecurityGroups).toEqual([{ GroupId: 'sg-0000000000000001e', GroupName: 'poll-web' }]);
  });
});
