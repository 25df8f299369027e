/**
 * The sweeper's step for launches that stopped half-way, over a typed fake of the cloud it asks
 * (LaunchCloud) and the in-memory table.
 */
import { describe, expect, it } from 'vitest';
import { sweepLaunchJournals, type LaunchCloud } from '../../../functions/sweeper/launches.js';
import { doneJournalItem, journalKey, launchPortName, openLaunchJournal, tokenKey, JOURNAL_PREFIX, type LaunchJournal, type TokenClaim } from '../../../lib/domain/instances/launch-journal.js';
import { readLaunchRecords, writeLaunchRecord, type LaunchRecord } from '../../../lib/domain/instances/launch-record.js';
import { existingEc2Id, recordMappingAs, uuidOf } from '../../../lib/store/ids.js';
import { putTags, tagsOf } from '../../../lib/store/tags.js';
import { putAll } from '../../../lib/store/project-store.js';
import { MemoryStore } from '../support/memory-store.js';

const RID = 'r-0123456789abcdef0';
const AGE = { launches: 5, launchAgeSeconds: 300 };
const LATER = () => Date.now() + 301_000;

interface FakePort {
  id: string;
  name: string;
  deviceId: string;
  floatingIp?: string;
}

/** Nova's servers (with their reservation metadata) and Neutron's ports, as the step sees them. */
class FakeCloud implements LaunchCloud {
  servers = new Map<string, { name: string; reservationId: string }>();
  ports: FakePort[] = [];
  /** Servers Nova will not let go of (a delete that does not finish). */
  stuck = new Set<string>();
  deletedServers: string[] = [];
  deletedPorts: string[] = [];
  releasedIps: string[] = [];

  async serversOf(journal: LaunchJournal) {
    const named = new RegExp(`^${journal.name}(-[0-9]+)?$`);
    return [...this.servers].filter(([, s]) => named.test(s.name) && s.reservationId === journal.reservationId).map(([id]) => id);
  }
  async portsOf(journal: LaunchJournal, serverIds: string[]) {
    return this.ports.filter((p) => (p.deviceId === '' || serverIds.includes(p.deviceId)) && p.name.startsWith(`${journal.reservationId}-`)).map((p) => p.id);
  }
  async floatingIpsOf(portIds: string[]) {
    return this.ports.filter((p) => portIds.includes(p.id) && p.floatingIp).map((p) => p.floatingIp!);
  }
  async deleteServer(id: string) {
    this.deletedServers.push(id);
    if (this.stuck.has(id)) return false;
    this.servers.delete(id);
    for (const p of this.ports) if (p.deviceId === id) p.deviceId = '';
    return true;
  }
  async deletePort(id: string) {
    this.deletedPorts.push(id);
    this.ports = this.ports.filter((p) => p.id !== id);
  }
  async deleteFloatingIp(id: string) {
    this.releasedIps.push(id);
  }
}

const record = (serverId: string, instanceId: string, more: Partial<LaunchRecord> = {}): LaunchRecord => ({
  instanceId,
  serverId,
  origin: 'ec2',
  reservationId: RID,
  launchIndex: 0,
  ...more,
});

async function sweep(store: MemoryStore, cloud: FakeCloud, now = LATER()) {
  return sweepLaunchJournals(store, cloud, await store.query(JOURNAL_PREFIX), AGE, now);
}

/** A launch of two servers with a Name tag, stopped after Nova accepted them and before any record. */
async function stoppedAfterNova(store: MemoryStore, cloud: FakeCloud, token?: string) {
  const journal = await openLaunchJournal(store, { reservationId: RID, name: 'web', ...(token ? { clientToken: token } : {}) });
  cloud.servers.set('server-1', { name: 'web-1', reservationId: RID });
  cloud.servers.set('server-2', { name: 'web-2', reservationId: RID });
  cloud.ports.push(
    { id: 'port-1', name: launchPortName('web-1', RID, 0), deviceId: 'server-1', floatingIp: 'fip-1' },
    { id: 'port-2', name: launchPortName('web-2', RID, 0), deviceId: 'server-2' },
    // Made for a third server Nova never got: attached to nothing.
    { id: 'port-3', name: launchPortName('web-3', RID, 0), deviceId: '' },
  );
  return journal;
}

/** What else the project has: another launch's server and port with the same Name tag, an ENI. */
function neighbours(cloud: FakeCloud) {
  cloud.servers.set('other-server', { name: 'web-1', reservationId: 'r-0fedcba9876543210' });
  cloud.ports.push(
    { id: 'other-port', name: launchPortName('web-1', 'r-0fedcba9876543210', 0), deviceId: 'other-server' },
    { id: 'eni-port', name: 'eni-0123456789abcdef0', deviceId: '' },
    { id: 'eni-attached', name: 'eni-0123456789abcdef1', deviceId: 'server-1' },
  );
}

describe('the sweeper, for launches that stopped half-way', () => {
  it('leaves a journal younger than the function can run alone', async () => {
    const store = new MemoryStore();
    const cloud = new FakeCloud();
    await stoppedAfterNova(store, cloud);
    expect(await sweep(store, cloud, Date.now() + 10_000)).toEqual({ finished: 0, rolledBack: 0, waiting: 1 });
    expect(cloud.deletedServers).toEqual([]);
    expect(await store.get(journalKey(RID))).toBeDefined();
  });

  it('rolls back servers, ports and public addresses of a launch stopped after Nova, and nothing of anyone else', async () => {
    const store = new MemoryStore();
    const cloud = new FakeCloud();
    await stoppedAfterNova(store, cloud);
    neighbours(cloud);
    expect(await sweep(store, cloud)).toEqual({ finished: 0, rolledBack: 1, waiting: 0 });
    expect(cloud.deletedServers.sort()).toEqual(['server-1', 'server-2']);
    expect(cloud.deletedPorts.sort()).toEqual(['port-1', 'port-2', 'port-3']);
    expect(cloud.releasedIps).toEqual(['fip-1']);
    expect([...cloud.servers.keys()]).toEqual(['other-server']);
    expect(cloud.ports.map((p) => p.id).sort()).toEqual(['eni-attached', 'eni-port', 'other-port']);
    expect(await store.get(journalKey(RID))).toBeUndefined();
  });

  it('forgets what the table holds of them: ids claimed before the stop, records and tags of a server a describe adopted', async () => {
    const store = new MemoryStore();
    const cloud = new FakeCloud();
    await stoppedAfterNova(store, cloud);
    // RunInstances claimed server-1's id; DescribeInstances adopted server-2 and it was tagged.
    await recordMappingAs(store, 'instance', 'server-1', 'i-0000000000000000a');
    await recordMappingAs(store, 'instance', 'server-2', 'i-0000000000000000b');
    await writeLaunchRecord(store, record('server-2', 'i-0000000000000000b', { origin: 'adopted', reservationId: 'r-0aaaaaaaaaaaaaaaa' }));
    await putTags(store, ['i-0000000000000000b'], [{ Key: 'seen', Value: 'yes' }]);
    expect((await sweep(store, cloud)).rolledBack).toBe(1);
    expect(await existingEc2Id(store, 'instance', 'server-1')).toBeUndefined();
    expect(await uuidOf(store, 'i-0000000000000000a')).toBeUndefined();
    expect(await uuidOf(store, 'i-0000000000000000b')).toBeUndefined();
    expect((await readLaunchRecords(store, ['server-2'])).size).toBe(0);
    expect((await tagsOf(store, ['i-0000000000000000b'])).get('i-0000000000000000b') ?? []).toEqual([]);
  });

  it('releases a ClientToken claim left without outcome, so a retry launches afresh; never a later retry\'s claim', async () => {
    const store = new MemoryStore();
    const cloud = new FakeCloud();
    const claim: TokenClaim = { fingerprint: 'f', startedAt: Date.now() - 50 };
    await store.putJson(tokenKey('tok-1'), claim);
    await stoppedAfterNova(store, cloud, 'tok-1');
    await sweep(store, cloud);
    expect(await store.get(tokenKey('tok-1'))).toBeUndefined();

    // A retry already launched afresh (its claim is younger than the journal): its claim stays.
    const second = new MemoryStore();
    const cloud2 = new FakeCloud();
    await stoppedAfterNova(second, cloud2, 'tok-1');
    const retry: TokenClaim = { fingerprint: 'f', startedAt: Date.now() + 1000 };
    await second.putJson(tokenKey('tok-1'), retry);
    await sweep(second, cloud2);
    expect(await second.getJson(tokenKey('tok-1'))).toEqual(retry);
  });

  it('finishes a launch that recorded every server but stopped before completing its ClientToken claim', async () => {
    const store = new MemoryStore();
    const cloud = new FakeCloud();
    await store.putJson(tokenKey('tok-2'), { fingerprint: 'f', startedAt: Date.now() - 50 } satisfies TokenClaim);
    await stoppedAfterNova(store, cloud, 'tok-2');
    await writeLaunchRecord(store, record('server-2', 'i-0000000000000000b', { launchIndex: 1 }));
    await writeLaunchRecord(store, record('server-1', 'i-0000000000000000a', { launchIndex: 0 }));
    expect(await sweep(store, cloud)).toEqual({ finished: 1, rolledBack: 0, waiting: 0 });
    expect(cloud.deletedServers).toEqual([]);
    expect(cloud.deletedPorts).toEqual([]);
    expect(await store.getJson<TokenClaim>(tokenKey('tok-2'))).toMatchObject({ fingerprint: 'f', reservationId: RID, serverIds: ['server-1', 'server-2'] });
    expect(await store.get(journalKey(RID))).toBeUndefined();
  });

  it('completes the claim from a done journal, and only drops one whose claim has its outcome', async () => {
    const store = new MemoryStore();
    const cloud = new FakeCloud();
    await store.putJson(tokenKey('tok-3'), { fingerprint: 'f', startedAt: Date.now() - 50 } satisfies TokenClaim);
    const journal = await openLaunchJournal(store, { reservationId: RID, name: RID, clientToken: 'tok-3' });
    await putAll(store, [doneJournalItem(journal, ['server-9'])]);
    expect(await sweep(store, cloud)).toEqual({ finished: 1, rolledBack: 0, waiting: 0 });
    expect(await store.getJson<TokenClaim>(tokenKey('tok-3'))).toMatchObject({ reservationId: RID, serverIds: ['server-9'] });
    expect(await store.query(JOURNAL_PREFIX)).toEqual([]);
  });

  it('keeps the journal while a server will not go, and finishes the rollback on a later run', async () => {
    const store = new MemoryStore();
    const cloud = new FakeCloud();
    await stoppedAfterNova(store, cloud);
    cloud.stuck.add('server-2');
    expect(await sweep(store, cloud)).toEqual({ finished: 0, rolledBack: 0, waiting: 1 });
    expect(await store.get(journalKey(RID))).toBeDefined();
    cloud.stuck.clear();
    expect(await sweep(store, cloud)).toEqual({ finished: 0, rolledBack: 1, waiting: 0 });
    expect([...cloud.servers.keys()]).toEqual([]);
    expect(await store.get(journalKey(RID))).toBeUndefined();
  });

  it('settles only a few open journals per run, while journals of completed launches cost no such budget', async () => {
    const store = new MemoryStore();
    const cloud = new FakeCloud();
    const rid = (i: number) => `r-${i.toString(16).padStart(17, '0')}`;
    for (let i = 0; i < 10; i++) {
      const journal = await openLaunchJournal(store, { reservationId: rid(i), name: rid(i) });
      await putAll(store, [doneJournalItem(journal, [`server-${i}`])]);
    }
    for (let i = 10; i < 13; i++) await openLaunchJournal(store, { reservationId: rid(i), name: rid(i) });
    const page = await store.query(JOURNAL_PREFIX);
    expect(await sweepLaunchJournals(store, cloud, page, { launches: 2, launchAgeSeconds: 300 }, LATER())).toEqual({ finished: 10, rolledBack: 2, waiting: 1 });
    expect((await store.query(JOURNAL_PREFIX)).map((r) => r.key)).toEqual([journalKey(rid(12))]);
  });

  it('drops the journal of a launch that rolled back by itself once it finds nothing left', async () => {
    const store = new MemoryStore();
    const cloud = new FakeCloud();
    await openLaunchJournal(store, { reservationId: RID, name: RID });
    expect(await sweep(store, cloud)).toEqual({ finished: 0, rolledBack: 1, waiting: 0 });
    expect(await store.query(JOURNAL_PREFIX)).toEqual([]);
  });
});
