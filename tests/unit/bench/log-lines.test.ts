import { describe, expect, it } from 'vitest';
import { callsInLog, requestsFromLog } from '../../../bench/log-lines.js';

const trace = (service: string, ms: number, requestId = 'r') =>
  JSON.stringify({ level: 'INFO', message: 'openstack call', requestId, trace: 'openstack', api: service, method: 'GET', path: 'x', status: 200, callMs: ms });
const frontDoor = (ms: number, container: string, keystoneCalls: number, requestId = 'r') =>
  JSON.stringify({ message: 'request', requestId, action: 'DescribeVolumes', status: 200, ms, container, keystoneCalls, authMs: 0.4, parseMs: 0.1, dispatchMs: ms - 2, serializeMs: 0.3 });
const family = (ms: number, requestId = 'r') =>
  JSON.stringify({ message: 'request', requestId, family: 'volumes', action: 'DescribeVolumes', ms, openstackMs: ms - 5, openstackCalls: 1, tableMs: 3.5, tableCalls: 2 });
const lambda = (fn: string, ms: number) => `(λ: ${fn}) RequestId: 0b1c  Duration: ${ms} ms  Billed Duration: ${Math.ceil(ms)} ms`;

describe('requestsFromLog', () => {
  it('joins each request\'s front door, family and trace lines by request id, even when requests interleave', () => {
    const log = [
      trace('cinder', 20, 'one'),
      trace('cinder', 10, 'two'),
      `prefix ${family(30, 'one')}`,
      lambda('volumes', 31.5),
      trace('nova', 5, 'two'),
      frontDoor(36, 'a', 1, 'one'),
      'some emulator chatter',
      family(25, 'two'),
      frontDoor(29, 'a', 1, 'two'),
    ].join('\n');
    const requests = requestsFromLog(log);
    expect([...requests.keys()]).toEqual(['one', 'two']);
    expect(requests.get('one')).toEqual({
      requestId: 'one',
      action: 'DescribeVolumes',
      frontDoor: 36,
      auth: 0.4,
      parse: 0.1,
      dispatch: 34,
      serialize: 0.3,
      family: 30,
      openstack: 25,
      openstackCalls: 1,
      table: 3.5,
      tableCalls: 2,
      calls: [{ call: 'cinder GET x', ms: 20 }],
    });
    expect(requests.get('two')!.calls).toEqual([
      { call: 'cinder GET x', ms: 10 },
      { call: 'nova GET x', ms: 5 },
    ]);
  });

  it('leaves out requests without a front door line, and lines without a request id or with broken JSON', () => {
    const log = [family(12, 'unfinished'), '{"trace":"openstack", broken', JSON.stringify({ message: 'request', ms: 3 }), family(12), frontDoor(14, 'a', 1)].join('\n');
    expect([...requestsFromLog(log).keys()]).toEqual(['r']);
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
