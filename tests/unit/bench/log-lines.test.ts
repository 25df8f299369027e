import { describe, expect, it } from 'vitest';
import { callsInLog, stagesFromLog } from '../../../bench/log-lines.js';

const trace = (service: string, ms: number) => JSON.stringify({ trace: 'openstack', service, method: 'GET', path: 'x', status: 200, ms });
const frontDoor = (ms: number, container: string, keystoneCalls: number) =>
  JSON.stringify({ requestId: 'r', action: 'DescribeVolumes', status: 200, ms, container, keystoneCalls });
const family = (ms: number) => JSON.stringify({ requestId: 'r', family: 'volumes', action: 'DescribeVolumes', ms });
const lambda = (fn: string, ms: number) => `(λ: ${fn}) RequestId: 0b1c  Duration: ${ms} ms  Billed Duration: ${Math.ceil(ms)} ms`;

describe('stagesFromLog', () => {
  it('gives each request the trace, family and Duration lines before its front door line, and the front door Duration after it', () => {
    const log = [
      trace('cinder', 20),
      family(30),
      lambda('volumes', 31.5),
      frontDoor(36, 'a', 1),
      lambda('ec2', 37.2),
      'some emulator chatter',
      trace('cinder', 10),
      trace('nova', 5),
      family(25),
      lambda('volumes', 26),
      frontDoor(29, 'a', 1),
      lambda('ec2', 30),
    ].join('\n');
    expect(stagesFromLog(log, [40, 33], 'volumes')).toEqual([
      { client: 40, openstack: 20, openstackCalls: 1, family: 30, familyLambda: 31.5, frontDoor: 36, frontDoorLambda: 37.2 },
      { client: 33, openstack: 15, openstackCalls: 2, family: 25, familyLambda: 26, frontDoor: 29, frontDoorLambda: 30 },
    ]);
  });

  it('ignores another family\'s Duration lines and broken JSON', () => {
    const log = [lambda('instances', 9), '{"trace":"openstack", broken', family(12), frontDoor(14, 'a', 1)].join('\n');
    expect(stagesFromLog(log, [20], 'volumes')).toEqual([{ client: 20, openstack: 0, openstackCalls: 0, family: 12, frontDoor: 14 }]);
  });
});

describe('callsInLog', () => {
  it('counts trace lines by service, and front door Keystone calls against each container\'s count before the run', () => {
    const before = [frontDoor(5, 'old', 3), frontDoor(5, 'old', 4)].join('\n');
    const during = [
      trace('nova', 1),
      trace('nova', 1),
      trace('neutron', 1),
      trace('keystone', 1),
      frontDoor(5, 'old', 4),
      frontDoor(5, 'old', 6),
      // a container started during the run: its first line already counts its first validation
      `prefix ${frontDoor(5, 'new', 1)}`,
    ].join('\n');
    const calls = callsInLog(before, during);
    expect(Object.fromEntries(calls.byService)).toEqual({ nova: 2, neutron: 1, keystone: 1 });
    expect(calls.frontDoorKeystone).toBe(2 + 1);
  });
});
