import { describe, expect, it } from 'vitest';
import { serversAdmitted, type NovaAbsoluteLimits } from '../../../lib/openstack/nova.js';

const limits = (over: Partial<NovaAbsoluteLimits>): NovaAbsoluteLimits => ({
  maxTotalInstances: 10,
  totalInstancesUsed: 0,
  maxTotalCores: 20,
  totalCoresUsed: 0,
  maxTotalRAMSize: 51200,
  totalRAMUsed: 0,
  ...over,
});

describe('how many servers the quota admits', () => {
  it('is the tightest of instances, cores and RAM for the flavor', () => {
    expect(serversAdmitted(limits({ totalInstancesUsed: 7 }), { vcpus: 1, ram: 512 })).toBe(3);
    expect(serversAdmitted(limits({ totalCoresUsed: 15 }), { vcpus: 2, ram: 512 })).toBe(2);
    expect(serversAdmitted(limits({ totalRAMUsed: 50000 }), { vcpus: 1, ram: 512 })).toBe(2);
  });

  it('treats -1 as unlimited and never goes below zero', () => {
    expect(serversAdmitted(limits({ maxTotalInstances: -1, maxTotalCores: -1, maxTotalRAMSize: -1 }), { vcpus: 4, ram: 8192 })).toBe(Infinity);
    expect(serversAdmitted(limits({ totalInstancesUsed: 12 }), { vcpus: 1, ram: 512 })).toBe(0);
  });
});
