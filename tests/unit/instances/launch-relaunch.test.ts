/**
 * RunInstances on the project's default network as remembered past its freshness: a launch that
 * fails there is made once more on a fresh plan only when that network has changed since.
 */
import { describe, expect, it, vi } from 'vitest';
import { launchOnCurrentNetwork, relaunchOnChangedNetwork } from '../../../functions/instances/launch.js';
import type { ActionContext } from '../../../lib/context.js';
import type { RunInstancesRequest } from '../../../schemas/types.js';
import { MemoryStore } from '../support/memory-store.js';
import type { NetworkPlan, NicSpec } from '../../../functions/instances/launch-network.js';

const nic = (networkId: string, staleDefault?: boolean): NicSpec => ({
  deviceIndex: 0,
  networkId,
  secondaryIps: [],
  secondaryCount: 0,
  deleteOnTermination: true,
  associatePublicIp: false,
  ...(staleDefault ? { staleDefault } : {}),
});
const plan = (networkId: string, staleDefault?: boolean): { network: NetworkPlan } => ({
  network: { nics: [nic(networkId, staleDefault)], novaPorts: true, auto: false },
});
const refused = new Error('Network net-old could not be found.');

describe('launching again when the remembered default network has changed', () => {
  it('does nothing more when the launch succeeds', async () => {
    const changed = vi.fn(async () => true);
    const replan = vi.fn(async () => plan('net-new'));
    expect(await relaunchOnChangedNetwork(plan('net-old', true), async (p) => p.network.nics[0]!.networkId, replan, changed)).toBe('net-old');
    expect(changed).not.toHaveBeenCalled();
    expect(replan).not.toHaveBeenCalled();
  });

  it('answers the failure of a launch whose network was fresh, without looking again', async () => {
    const changed = vi.fn(async () => true);
    const replan = vi.fn(async () => plan('net-new'));
    await expect(relaunchOnChangedNetwork(plan('net-old'), async () => { throw refused; }, replan, changed)).rejects.toBe(refused);
    expect(changed).not.toHaveBeenCalled();
    expect(replan).not.toHaveBeenCalled();
  });

  it('answers the failure when the remembered network is still the one to use', async () => {
    const changed = vi.fn(async () => false);
    const replan = vi.fn(async () => plan('net-old'));
    await expect(relaunchOnChangedNetwork(plan('net-old', true), async () => { throw refused; }, replan, changed)).rejects.toBe(refused);
    expect(changed).toHaveBeenCalledWith('net-old');
    expect(replan).not.toHaveBeenCalled();
  });

  it('answers the first failure when the network cannot be read again', async () => {
    const changed = vi.fn(async (): Promise<boolean> => { throw new Error('Neutron unavailable'); });
    await expect(relaunchOnChangedNetwork(plan('net-old', true), async () => { throw refused; }, async () => plan('net-new'), changed)).rejects.toBe(refused);
  });

  it('plans afresh and launches once more when the network has changed; a second failure is the answer', async () => {
    const attempts: string[] = [];
    const attempt = async (p: { network: NetworkPlan }) => {
      attempts.push(p.network.nics[0]!.networkId);
      if (p.network.nics[0]!.networkId === 'net-old') throw refused;
      return 'launched';
    };
    expect(await relaunchOnChangedNetwork(plan('net-old', true), attempt, async () => plan('net-new'), async () => true)).toBe('launched');
    expect(attempts).toEqual(['net-old', 'net-new']);

    const second = new Error('quota');
    const failing = vi.fn(async (): Promise<string> => { throw second; });
    await expect(relaunchOnChangedNetwork(plan('net-old', true), failing, async () => plan('net-new', true), async () => true)).rejects.toBe(second);
    expect(failing).toHaveBeenCalledTimes(2);
  });
});

describe('the launch journal written while the plan is made', () => {
  it('is opened at once and closed again when the plan fails, nothing else written', async () => {
    const store = new MemoryStore();
    const keys: string[] = [];
    const put = store.put.bind(store);
    store.put = async (key, fields, options) => {
      keys.push(key);
      return put(key, fields, options);
    };
    const ctx = { store } as unknown as ActionContext;
    const input = { ImageId: 'ami-1', MinCount: 1, MaxCount: 1 } as RunInstancesRequest;
    const planFailure = new Error('InvalidAMIID.NotFound');
    await expect(launchOnCurrentNetwork(ctx, input, Promise.reject(planFailure))).rejects.toBe(planFailure);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^launch-journal#r-[0-9a-f]{17}$/);
    expect(store.items.size).toBe(0);
  });
});
