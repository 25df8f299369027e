/**
 * Issue 16, item 8: exact `name` and `image-id` filters go to Glance as query parameters only
 * while the URL stays short (Glance answers 414 to long ones, which reached clients as a 503).
 */
import { describe, expect, it } from 'vitest';
import { planListing } from '../../../functions/images/image-resource.js';
import { recordMapping } from '../../../lib/store/ids.js';
import { MemoryStore } from '../support/memory-store.js';

const names = (count: number, length: number) => Array.from({ length: count }, (_, i) => `${i}`.padEnd(length, 'n'));

describe('Glance push-down of image filters', () => {
  it('hands a few names to Glance', async () => {
    const plan = await planListing({ store: new MemoryStore() }, [{ Name: 'name', Values: names(3, 20) }], undefined, 'p');
    expect(plan.params['name']).toMatch(/^in:/);
    expect(plan.narrowed).toBe(true);
  });

  it('filters 200 long names itself instead of building a 26 KB URL', async () => {
    const plan = await planListing({ store: new MemoryStore() }, [{ Name: 'name', Values: names(200, 128) }], undefined, 'p');
    expect(plan.params['name']).toBeUndefined();
    expect(plan.narrowed).toBe(false);
  });

  it('lists by id only while the id list is short', async () => {
    const store = new MemoryStore();
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) ids.push(await recordMapping(store, 'image', `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`));
    const many = await planListing({ store }, [{ Name: 'image-id', Values: ids }], undefined, 'p');
    expect(many.params['id']).toBeUndefined();
    const few = await planListing({ store }, [{ Name: 'image-id', Values: ids.slice(0, 3) }], undefined, 'p');
    expect(few.params['id']).toMatch(/^in:/);
  });
});
