/**
 * Filter wildcard matching: the linear-time matcher (lib/describe/wildcard.ts) against the
 * backtracking regex it replaced, on ordinary patterns (ratio: the cost of not using a regex) and
 * on the adversarial ones (where the regex is only run for small star counts: five stars
 * took it 81 s in Node, six did not finish).
 *
 *   npx tsx bench/wildcard.ts [rounds=2000]
 */
import { wildcardMatcher } from '../lib/describe/wildcard.js';

const rounds = Number(process.argv[2] ?? 2000);

/** The regex the matcher replaced (as it was: `*` → `.*`, `?` → `.`), for comparison only. */
function regexOf(value: string): RegExp {
  let source = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && i + 1 < value.length) source += value[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

function time(fn: () => void): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) fn();
  return Number(process.hrtime.bigint() - started) / 1e3 / rounds; // µs per call
}

const ordinary: Array<[string, string]> = [
  ['web-*', 'web-frontend-01'],
  ['i-0123*', 'i-0123456789abcdef0'],
  ['*prod*', 'eu-west-1 production database'],
  ['m1.?iny', 'm1.tiny'],
  ['running', 'running'],
];
for (const [pattern, text] of ordinary) time(() => wildcardMatcher(pattern).matches(text) && regexOf(pattern).test(text)); // warm-up
console.log('ordinary patterns, µs: compile+match (matcher, regex, ratio) | match only, compiled once per filter (matcher, regex, ratio)');
for (const [pattern, text] of ordinary) {
  const m = time(() => wildcardMatcher(pattern).matches(text));
  const r = time(() => regexOf(pattern).test(text));
  const matcher = wildcardMatcher(pattern);
  const re = regexOf(pattern);
  const m1 = time(() => matcher.matches(text));
  const r1 = time(() => re.test(text));
  const f = (n: number) => n.toFixed(2).padStart(7);
  console.log(`  ${pattern.padEnd(10)} ${f(m)} ${f(r)} ${f(m / r)}× | ${f(m1)} ${f(r1)} ${f(m1 / r1)}×`);
}

const value = 'a'.repeat(255);
console.log("adversarial: tag value of 255 'a's, pattern ('*a' × k) + 'b' (matcher µs and steps; regex ms where it finishes)");
for (const k of [2, 3, 4, 6, 20, 120, 500]) {
  const pattern = '*a'.repeat(k) + 'b';
  const matcher = wildcardMatcher(pattern);
  const m = time(() => matcher.matches(value));
  const { steps } = matcher.matchesCounting(value);
  let regex = '(not run: exponential)';
  if (k <= 3) {
    const re = regexOf(pattern);
    const started = process.hrtime.bigint();
    re.test(value);
    regex = `${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(1)} ms`;
  }
  console.log(`  k=${String(k).padEnd(4)} matcher ${m.toFixed(1).padStart(9)} µs, ${String(steps).padStart(7)} steps; regex ${regex}`);
}
