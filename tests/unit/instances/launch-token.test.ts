import { describe, expect, it } from 'vitest';
import { fingerprintOf, withClientToken } from '../../../functions/instances/launch-token.js';
import { Ec2Error } from '../../../lib/protocol/errors.js';
import { putAll } from '../../../lib/store/project-store.js';
import { MemoryStore } from '../support/memory-store.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RunInstances client tokens', () => {
  it('fingerprints the parameters, not their order, the token or DryRun', () => {
    const a = fingerprintOf({ ImageId: 'ami-1', MinCount: 1, MaxCount: 2, ClientToken: 'x', Tags: [{ Key: 'k', Value: 'v' }] });
    const b = fingerprintOf({ Tags: [{ Value: 'v', Key: 'k' }], MaxCount: 2, MinCount: 1, ImageId: 'ami-1', DryRun: false, ClientToken: 'y' });
    expect(a).toBe(b);
    expect(fingerprintOf({ ImageId: 'ami-1', MinCount: 1, MaxCount: 3 })).not.toBe(a);
  });

  it('launches once however many requests race with the same token', async () => {
    const store = new MemoryStore();
    let launches = 0;
    const launch = async () => {
      launches++;
      await sleep(50);
      return { launched: { reservationId: 'r-1', serverIds: ['s1', 's2'] }, answer: 'first' };
    };
    const replay = async (l: { reservationId: string }) => `replayed ${l.reservationId}`;
    const answers = await Promise.all(Array.from({ length: 10 }, () => withClientToken(store, 'tok', 'fp', launch, replay)));
    expect(launches).toBe(1);
    expect(answers.filter((a) => a === 'first')).toHaveLength(1);
    expect(answers.filter((a) => a === 'replayed r-1')).toHaveLength(9);
    // Later retries replay too.
    expect(await withClientToken(store, 'tok', 'fp', launch, replay)).toBe('replayed r-1');
    expect(launches).toBe(1);
  });

  it('refuses the token with other parameters', async () => {
    const store = new MemoryStore();
    const launch = async () => ({ launched: { reservationId: 'r-1', serverIds: ['s1'] }, answer: 'first' });
    await withClientToken(store, 'tok', 'fp1', launch, async () => 'replayed');
    await expect(withClientToken(store, 'tok', 'fp2', launch, async () => 'replayed')).rejects.toMatchObject({ code: 'IdempotentParameterMismatch' });
  });

  it('releases the token when the launch fails, so a retry launches again', async () => {
    const store = new MemoryStore();
    await expect(
      withClientToken(store, 'tok', 'fp', async () => {
        throw new Ec2Error('InstanceLimitExceeded', 'no');
      }, async () => 'replayed'),
    ).rejects.toMatchObject({ code: 'InstanceLimitExceeded' });
    expect(store.items.size).toBe(0);
    const answer = await withClientToken(store, 'tok', 'fp', async () => ({ launched: { reservationId: 'r-2', serverIds: ['s'] }, answer: 'second' }), async () => 'replayed');
    expect(answer).toBe('second');
  });

  it('takes the outcome written in the launch\'s own batch: no write after it, and a retry replays it', async () => {
    const store = new MemoryStore();
    const writes: string[] = [];
    const put = store.put.bind(store);
    store.put = async (key, fields, options) => {
      writes.push(key);
      return put(key, fields, options);
    };
    const answer = await withClientToken(
      store,
      'tok',
      'fp',
      async (outcomeItem) => {
        const launched = { reservationId: 'r-3', serverIds: ['s1', 's2'] };
        writes.length = 0;
        await putAll(store, [{ key: 'launch#s1', fields: { data: '{}' } }, outcomeItem(launched)]);
        return { launched, answer: 'first', outcomeWritten: true };
      },
      async () => 'replayed',
    );
    expect(answer).toBe('first');
    expect(writes).toEqual(['launch#s1', 'runtoken#tok']);
    let replayed: unknown;
    await withClientToken(store, 'tok', 'fp', async () => ({ launched: { reservationId: 'r-x', serverIds: [] }, answer: 'again' }), async (l) => {
      replayed = l;
      return 'replayed';
    });
    expect(replayed).toEqual({ reservationId: 'r-3', serverIds: ['s1', 's2'] });
  });
});
