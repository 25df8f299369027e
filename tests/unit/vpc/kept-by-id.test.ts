import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeptById } from '../../../lib/domain/vpc/kept-by-id.js';

interface Named {
  id: string;
  name: string;
}

/** A Neutron-like listing by id over `objects`, recording the ids of each request. */
function listing(objects: Named[]) {
  const requests: string[][] = [];
  const read = async (ids: string[]) => {
    requests.push([...ids]);
    return objects.filter((o) => ids.includes(o.id));
  };
  return { read, requests };
}

describe('KeptById', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('reads the ids it does not keep in one request, then answers them without asking again', async () => {
    const kept = new KeptById<Named>(16);
    const neutron = listing([
      { id: 'a', name: 'web' },
      { id: 'b', name: 'db' },
    ]);
    expect(await kept.get('p1', ['a', 'b', 'a'], neutron.read)).toEqual([
      { id: 'a', name: 'web' },
      { id: 'b', name: 'db' },
    ]);
    expect(neutron.requests).toEqual([['a', 'b']]);
    expect(await kept.get('p1', ['b'], neutron.read)).toEqual([{ id: 'b', name: 'db' }]);
    expect(neutron.requests).toHaveLength(1);
  });

  it('leaves out ids the caller cannot see, and keeps projects apart', async () => {
    const kept = new KeptById<Named>(16);
    const first = listing([{ id: 'a', name: 'web' }]);
    expect(await kept.get('p1', ['a', 'gone'], first.read)).toEqual([{ id: 'a', name: 'web' }]);
    const other = listing([]);
    expect(await kept.get('p2', ['a'], other.read)).toEqual([]);
    expect(other.requests).toEqual([['a']]);
  });

  it('shows a change made in Neutron after the minute it keeps an object, refreshing behind the old answer', async () => {
    const kept = new KeptById<Named>(16);
    const objects = [{ id: 'a', name: 'web' }];
    const neutron = listing(objects);
    await kept.get('p1', ['a'], neutron.read);
    objects[0] = { id: 'a', name: 'renamed' };
    vi.advanceTimersByTime(61_000);
    expect(await kept.get('p1', ['a'], neutron.read)).toEqual([{ id: 'a', name: 'web' }]);
    await vi.waitFor(() => expect(neutron.requests).toHaveLength(2));
    await vi.waitFor(async () => expect(await kept.get('p1', ['a'], neutron.read)).toEqual([{ id: 'a', name: 'renamed' }]));
  });

  it('keeps no failed read: the next call asks again', async () => {
    const kept = new KeptById<Named>(16);
    await expect(kept.get('p1', ['a'], () => Promise.reject(new Error('neutron down')))).rejects.toThrow('neutron down');
    const neutron = listing([{ id: 'a', name: 'web' }]);
    expect(await kept.get('p1', ['a'], neutron.read)).toEqual([{ id: 'a', name: 'web' }]);
  });
});
