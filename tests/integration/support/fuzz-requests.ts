/**
 * Malformed EC2 requests for the integration fuzz and the soak script: every action of the model,
 * each with a few of its real parameters (and some that are not) set to hostile values — huge,
 * control characters, lone surrogates, wildcards that blow up a regex, numbers with a non-breaking
 * space, ids that cannot be ids, prototype names.
 *
 * None of them may change anything: a call that could (anything but a Describe or Get action) either carries
 * DryRun=true, so the action's checks run all the way but nothing is made, or carries a parameter
 * the parser must refuse. What the endpoint must show is that no input makes it answer ≥ 500 or
 * write an invalid document, and that nothing appears in OpenStack or the table.
 */
import fc from 'fast-check';
import { model, shape } from '../../../lib/protocol/model.js';
import { actionNames, pathsByAction, takesDryRun } from '../../unit/support/model-paths.js';

export interface FuzzRequest {
  action: string;
  params: Array<[string, string]>;
}

const ID_PREFIXES = ['i', 'vol', 'snap', 'ami', 'aki', 'ari', 'sg', 'subnet', 'vpc', 'eni', 'r', 'key'];

/** Values of the right kind that name nothing: they take requests past validation to the actions' own checks. */
const PLAUSIBLE = [
  'i-0123456789abcdef0',
  'vol-0123456789abcdef0',
  'snap-0123456789abcdef0',
  'ami-12345678',
  'sg-0123456789abcdef0',
  'subnet-0123456789abcdef0',
  'true',
  'false',
  '1',
  '10',
  'nova',
  'RegionOne',
  'm1.tiny',
  'default',
  '/dev/sdb',
  'gp2',
  'running',
  'available',
  'self',
  'instance',
];

const hostileValue: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...PLAUSIBLE), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 3 },
  {
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '\u00a05',
      '5\u00a0',
      '0x10',
      '1e400',
      '-1',
      '0',
      '99999999999999999999',
      'true ',
      'NaN',
      'null',
      '../../etc/passwd',
      '%00',
      '<x>&amp;</x>',
      "' OR 1=1 --",
      '*a*a*a*a*a*a*ab',
      '*'.repeat(300),
      '?'.repeat(300),
    ),
    weight: 3,
  },
  { arbitrary: fc.constantFrom(...ID_PREFIXES).chain((p) => fc.string({ unit: fc.constantFrom('0', 'f', 'g', '-', '*'), minLength: 0, maxLength: 24 }).map((h) => `${p}-${h}`)), weight: 2 },
  { arbitrary: fc.tuple(fc.constantFrom('a', '*a', '\u0000', 'é', '😀', 'i-0'), fc.constantFrom(300, 2_000, 100_000)).map(([s, n]) => s.repeat(Math.ceil(n / s.length))), weight: 2 },
  { arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), maxLength: 10 }), weight: 1 },
);

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'Filter.1.__proto__', 'Tag.__proto__.Key', 'toString'];

function hostileKey(paths: string[]): fc.Arbitrary<string> {
  const real = paths.length ? fc.constantFrom(...paths) : fc.constant('Foo');
  return fc.oneof(
    { arbitrary: real, weight: 16 },
    { arbitrary: fc.tuple(real, fc.constantFrom('.0', '.x', '.1.Foo', '.-1', '.99999999999999999999', '..')).map(([p, s]) => p + s), weight: 1 },
    { arbitrary: fc.constantFrom(...PROTOTYPE_KEYS), weight: 1 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 20 }), weight: 1 },
  );
}

const readOnly = (action: string) => /^(Describe|Get)/.test(action);

/** A parameter the parser always refuses, for calls that could change something and take no DryRun. */
const refusedByParser = fc.constantFrom<[string, string]>(['NoSuchParameter', 'x'], ['__proto__', 'v'], ['DryRun', 'maybe']);

/** Required members, each given a hostile value most of the time, so requests get past MissingParameter. */
function requiredPaths(action: string): string[] {
  const input = model.operations[action]!.input;
  if (!input) return [];
  const s = shape(input);
  return (s.required ?? []).map((name) => {
    const m = s.members![name]!;
    const query = m.queryName ?? (m.locationName ? m.locationName.charAt(0).toUpperCase() + m.locationName.slice(1) : name);
    return shape(m.shape).type === 'list' ? `${query}.1` : query;
  });
}

/** A documented filter of the action with a hostile value: reaches filter compilation and push-downs. */
function filterOf(action: string): fc.Arbitrary<Array<[string, string]>> {
  const names = [...(model.operations[action]!.filters ?? []), 'tag:Name', 'tag-key', 'tag-value'];
  return fc.tuple(fc.constantFrom(...names), fc.array(hostileValue, { minLength: 1, maxLength: 3 })).map(([name, values]) => [
    ['Filter.1.Name', name],
    ...values.map((v, i): [string, string] => [`Filter.1.Value.${i + 1}`, v]),
  ]);
}

/** Many hostile values at once: what a careless or malicious client sends. */
function scattered(action: string, paths: string[], required: string[]): fc.Arbitrary<Array<[string, string]>> {
  const takesFilters = paths.includes('Filter.1.Name');
  return fc
    .tuple(
      fc.array(fc.tuple(hostileKey(paths), hostileValue), { minLength: 0, maxLength: 3 }),
      fc.array(hostileValue, { minLength: required.length, maxLength: required.length }),
      fc.array(fc.boolean(), { minLength: required.length, maxLength: required.length }),
      takesFilters ? fc.option(filterOf(action), { freq: 2 }) : fc.constant(null),
    )
    .map(([random, requiredValues, keep, filter]) => [
      ...required.flatMap((path, i): Array<[string, string]> => (keep[i] || random.length === 0 ? [[path, requiredValues[i]!]] : [])),
      ...(filter ?? []),
      ...random,
    ]);
}

/** A plausible request with one hostile value in a real parameter: gets past validation into the action. */
function focused(paths: string[], required: string[]): fc.Arbitrary<Array<[string, string]>> {
  const plausible = fc.constantFrom(...PLAUSIBLE);
  const real = paths.length ? fc.constantFrom(...paths) : fc.constant('Foo');
  return fc
    .tuple(
      fc.array(plausible, { minLength: required.length, maxLength: required.length }),
      fc.array(fc.tuple(real, plausible), { maxLength: 2 }),
      fc.tuple(real, hostileValue),
    )
    .map(([requiredValues, extra, hostile]) => [
      ...required.map((path, i): [string, string] => [path, requiredValues[i]!]),
      ...extra,
      hostile,
    ]);
}

function requestFor(action: string, paths: string[]): fc.Arbitrary<FuzzRequest> {
  const required = requiredPaths(action);
  const params = fc.oneof(scattered(action, paths, required), focused(paths, required)).filter((p) => p.length > 0);
  if (readOnly(action)) return params.map((p) => ({ action, params: p }));
  if (takesDryRun(action)) {
    // DryRun last, under its exact name, so no fuzzed value can override it.
    return params.map((p) => ({ action, params: [...p.filter(([k]) => k.toLowerCase() !== 'dryrun'), ['DryRun', 'true']] }));
  }
  return fc.tuple(params, refusedByParser).map(([p, bad]) => ({ action, params: [...p.filter(([k]) => k !== bad[0]), bad] }));
}

/** `count` requests spread evenly over every action of the model, reproducible from `seed`. */
export function fuzzRequests(count: number, seed: number): FuzzRequest[] {
  const byAction = pathsByAction();
  const actions = actionNames();
  const out: FuzzRequest[] = [];
  actions.forEach((action, i) => {
    const n = Math.floor(count / actions.length) + (i < count % actions.length ? 1 : 0);
    if (n > 0) out.push(...fc.sample(requestFor(action, byAction.get(action)!), { numRuns: n, seed: seed + i }));
  });
  // Interleave actions so concurrent requests hit different families.
  return out.sort((a, b) => hash(a, seed) - hash(b, seed));
}

function hash(r: FuzzRequest, seed: number): number {
  let h = seed | 0;
  for (const c of r.action + JSON.stringify(r.params).slice(0, 200)) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  return h;
}
