/**
 * Issue 16, fault-tolerance suite: the query parser and validator answer anything a client can
 * send with an Ec2Error of status 4xx, or a parsed input; never another exception (a 500).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { requestParams } from '../../../lib/http/gateway.js';
import { Ec2Error } from '../../../lib/protocol/errors.js';
import { model } from '../../../lib/protocol/model.js';
import { parseInput } from '../../../lib/protocol/query.js';
import { actionNames, pathsByAction } from '../support/model-paths.js';

const actions = actionNames();
const pathsByActionName = pathsByAction();

const hostileValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u00a05', '5\u00a0', '0x10', '1e400', '-1', '99999999999999999999', 'true ', 'NaN', 'i-12345678', '*a*a*a*ab'),
  fc.integer({ min: 0, max: 3 }).map((k) => ['a', '*', '\u0000', 'é'][k]!.repeat(100_000)),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 30 }),
);

function hostileKey(action: string) {
  const paths = pathsByActionName.get(action)!;
  return fc.oneof(
    paths.length ? fc.constantFrom(...paths) : fc.constant('Foo'),
    paths.length ? fc.tuple(fc.constantFrom(...paths), fc.constantFrom('.0', '.x', '.1.Foo', '.-1', '.99999999999999999999', '..', '.')).map(([p, s]) => p + s) : fc.constant('Foo.1'),
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'Filter.1.__proto__', 'Tag.__proto__.Key', 'toString', 'hasOwnProperty'),
    fc.string({ unit: 'binary', maxLength: 20 }),
  );
}

const request = fc
  .constantFrom(...actions)
  .chain((action) => fc.tuple(fc.constant(action), fc.array(fc.tuple(hostileKey(action), hostileValue), { maxLength: 8 })));

function expectClientErrorOrInput(run: () => unknown): void {
  try {
    expect(typeof run()).toBe('object');
  } catch (e) {
    if (!(e instanceof Ec2Error)) throw e;
    expect(e.status).toBeGreaterThanOrEqual(400);
    expect(e.status).toBeLessThan(500);
  }
}

describe('query parser under fuzzing', () => {
  it('parses or refuses with a 4xx Ec2Error, for every action', () => {
    fc.assert(
      fc.property(request, ([action, entries]) => {
        expectClientErrorOrInput(() => parseInput(action, Object.fromEntries(entries)));
      }),
      { numRuns: 3000 },
    );
  });

  it('does the same for the parameters read from a form body and a query string', () => {
    fc.assert(
      fc.property(request, fc.boolean(), ([action, entries], asQuery) => {
        const encoded = new URLSearchParams([['Action', action], ...entries]).toString();
        const params = asQuery
          ? requestParams({ method: 'GET', path: '/', query: Object.fromEntries(new URLSearchParams(encoded)), headers: {}, body: '' })
          : requestParams({ method: 'POST', path: '/', query: {}, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: encoded });
        expectClientErrorOrInput(() => parseInput(params['Action'] ?? action, params));
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('refuses unknown action names, whatever they are, as InvalidAction', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 50 }), (name) => {
        fc.pre(!Object.hasOwn(model.operations, name));
        try {
          parseInput(name, {});
          expect.unreachable();
        } catch (e) {
          expect((e as Ec2Error).code).toBe('InvalidAction');
        }
      }),
      { numRuns: 500 },
    );
  });
});
