import { describe, expect, it } from 'vitest';
import { allInOrder } from '../../lib/deferred.js';

const later = <T>(ms: number, value: T, fail = false) =>
  new Promise<T>((resolve, reject) => setTimeout(() => (fail ? reject(new Error(String(value))) : resolve(value)), ms));

describe('allInOrder', () => {
  it('answers every value, in order', async () => {
    const [a, b] = await allInOrder([later(5, 'a'), later(1, 2)]);
    expect([a, b]).toEqual(['a', 2]);
  });

  it("throws the first check's error in the given order, whichever failed first", async () => {
    // The second check fails first; the first one's error is still the one reported.
    await expect(allInOrder([later(20, 'InvalidAllocationID.NotFound', true), later(1, 'InvalidInstanceID.NotFound', true)])).rejects.toThrow(
      'InvalidAllocationID.NotFound',
    );
    await expect(allInOrder([later(5, 'fine'), later(1, 'InvalidInstanceID.NotFound', true)])).rejects.toThrow('InvalidInstanceID.NotFound');
  });
});
