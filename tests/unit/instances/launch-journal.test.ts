/**
 * RunInstances' launch over journalling fakes: the launch journal is written before Nova is asked
 * and marked done in the batch of records; the launch time is taken before Nova's POST, in Nova's
 * whole seconds (the ENI view's DeleteOnTermination compares it with port creation times); a
 * failed launch rolls back and removes its journal, or leaves it open if the rollback left something.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { launch, type LaunchPlan } from '../../../functions/instances/launch.js';
import { journalKey, launchPortName, type LaunchJournal } from '../../../lib/domain/instances/launch-journal.js';
import { readLaunchRecords } from '../../../lib/domain/instances/launch-record.js';
import type { OpenStack } from '../../../lib/openstack/clients.js';
import type { GlanceImage } from '../../../lib/openstack/glance.js';
import type { ServiceClient } from '../../../lib/openstack/http.js';
import type { Flavor } from '../../../lib/openstack/nova-flavors.js';
import type { PutEntry } from '../../../lib/store/project-store.js';
import type { RunInstancesRequest } from '../../../schemas/types.js';
import { fakeContext } from '../support/context.js';
import { calls, index, JournalledStore, service, type Journal } from './journal-fakes.js';

/** A JournalledStore with the batch write, journalled as one call. */
class BatchingStore extends JournalledStore {
  batches: PutEntry[][] = [];
  constructor(private readonly log: Journal) {
    super(log);
  }
  async putMany(entries: PutEntry[]) {
    this.batches.push(entries);
    this.log.push('start table batch', 'end table batch');
    for (const e of entries) await super.put(e.key, e.fields, { ttlSeconds: e.ttlSeconds });
  }
}

const plan = (more: Partial<LaunchPlan> = {}): LaunchPlan => ({
  min: 1,
  max: 1,
  image: { id: 'image-1', status: 'active', name: 'cirros' } as unknown as GlanceImage,
  imageConfirmed: () => Promise.resolve(),
  imageEc2Id: 'ami-0123456789abcdef0',
  flavor: { id: 'flavor-1', name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1, swap: '' } as unknown as Flavor,
  network: { novaPorts: true, auto: false, nics: [{ deviceIndex: 0, networkId: 'net-1', secondaryIps: [], secondaryCount: 0, deleteOnTermination: true, associatePublicIp: false }] },
  devices: { bdms: [], bootFromVolume: false, omitImageRef: false, rootDeviceName: '/dev/sda1', keepVolumes: [], deviceNames: [] },
  instanceTags: [],
  volumeTags: [],
  interfaceTags: [],
  name: undefined,
  ...more,
});

const input = { ImageId: 'ami-0123456789abcdef0', MinCount: 1, MaxCount: 1, ClientToken: 'token-1' } as RunInstancesRequest;

/** Nova answers one server; `onPost` runs when its POST arrives. */
function setup(onPost: () => void = () => undefined, failAfterNova = false) {
  const journal: Journal = [];
  const store = new BatchingStore(journal);
  if (failAfterNova) store.putMany = async () => Promise.reject(new Error('the table refused the batch'));
  const ctx = fakeContext(store);
  const nova = service('nova', journal, { '': { version: { version: '2.90' } }, servers: { server: { id: 'server-1' } }, 'servers/detail': { servers: [] } });
  const request = nova.request.bind(nova);
  nova.request = (async (method: string, path: string, options: unknown) => {
    if (method === 'POST' && path === 'servers') onPost();
    return request(method as 'GET', path, options as never);
  }) as ServiceClient['request'];
  ctx.openstack = { nova, neutron: service('neutron', journal), cinder: service('cinder', journal), glance: service('glance', journal) } as unknown as OpenStack;
  return { ctx, journal, store };
}

afterEach(() => vi.useRealTimers());

describe('the launch journal', () => {
  it('is written before Nova is asked, and marked done in the same batch as the launch records', async () => {
    const { ctx, journal, store } = setup();
    const result = await launch(ctx, input, plan());
    const key = journalKey(result.reservationId);
    expect(index(journal, `end table put ${key}`)).toBeLessThan(index(journal, 'start nova POST servers'));
    // The only table write before Nova is the journal's; it is done by the one batch of records.
    const beforeNova = journal.slice(0, index(journal, 'start nova POST servers'));
    expect(beforeNova.filter((e) => e.startsWith('start table'))).toEqual([`start table put ${key}`]);
    expect(store.batches).toHaveLength(1);
    expect(store.batches[0]!.map((e) => e.key)).toEqual(expect.arrayContaining([key, 'launch#server-1']));
    const done = await store.getJson<LaunchJournal>(key);
    expect(done).toMatchObject({ reservationId: result.reservationId, name: result.reservationId, clientToken: 'token-1', done: { serverIds: ['server-1'] } });
    expect((await store.get(key))?.expiresAt).toBeGreaterThan(Date.now() / 1000);
  });

  it('goes with a launch that failed and rolled back completely', async () => {
    const { ctx, journal, store } = setup(undefined, true);
    await expect(launch(ctx, input, plan())).rejects.toThrow('the table refused the batch');
    // The rollback made sure the server is gone (the fake Nova no longer shows it).
    expect(calls(journal)).toContain('nova GET servers/server-1');
    expect(await store.query('launch-journal#')).toEqual([]);
  });

  it('stays open, without a done mark, when a step of the rollback failed: the sweeper settles it', async () => {
    const { ctx, store } = setup(undefined, true);
    store.deleteMany = async () => Promise.reject(new Error('the table refused the deletes'));
    await expect(launch(ctx, input, plan())).rejects.toThrow('the table refused the batch');
    const [open] = await store.query('launch-journal#');
    const opened = JSON.parse(open!.data!) as LaunchJournal;
    expect(opened.done).toBeUndefined();
    expect(opened).toMatchObject({ name: opened.reservationId, clientToken: 'token-1' });
  }, 20_000);

  it('goes with a launch whose image Glance, read beside Nova, refused: the server is removed, the refusal answered', async () => {
    const { ctx, journal, store } = setup();
    let refuse: (error: Error) => void = () => undefined;
    const refusal = new Promise<void>((_, reject) => (refuse = reject));
    refusal.catch(() => undefined);
    // Glance answers after Nova has made the server (the confirmation runs beside the POST).
    const launching = launch(ctx, input, plan({ imageConfirmed: () => refusal }));
    await vi.waitFor(() => expect(calls(journal)).toContain('nova POST servers'));
    refuse(Object.assign(new Error('The image is not available'), { code: 'InvalidAMIID.Unavailable' }));
    await expect(launching).rejects.toMatchObject({ code: 'InvalidAMIID.Unavailable' });
    expect(calls(journal)).toContain('nova GET servers/server-1');
    expect(await store.query('launch-journal#')).toEqual([]);
    expect(await store.query('launch#')).toEqual([]);
  });

  it('names the ports a launch makes after its reservation, whatever the Name tag', () => {
    expect(launchPortName('r-0123456789abcdef0', 'r-0123456789abcdef0', 0)).toBe('r-0123456789abcdef0-eth0');
    expect(launchPortName('r-0123456789abcdef0-2', 'r-0123456789abcdef0', 1)).toBe('r-0123456789abcdef0-2-eth1');
    expect(launchPortName('web-3', 'r-0123456789abcdef0', 0)).toBe('r-0123456789abcdef0-web-3-eth0');
  });
});

describe("RunInstances' launch time", () => {
  it('is taken before the Nova POST, in whole seconds, however long Nova takes to answer', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-01T10:00:00.700Z'));
    let postedAt = 0;
    // A slow Nova: its answer comes 1.6 s after the POST (ports it makes are created in between).
    const { ctx, store } = setup(() => {
      postedAt = Date.now();
      vi.setSystemTime(postedAt + 1600);
    });
    await launch(ctx, input, plan());
    expect(postedAt).toBe(Date.parse('2026-03-01T10:00:00.700Z'));
    const record = (await readLaunchRecords(store, ['server-1'])).get('server-1');
    expect(record?.launchedAt).toBe('2026-03-01T10:00:00.000Z');
  });
});
