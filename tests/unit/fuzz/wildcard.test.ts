/**
 * Issue 16, item 5: `*`/`?` filter values are matched without backtracking blow-up. The matcher
 * must agree with a plain recursive reference on small inputs, and its step count must stay within
 * (text + 1) × (pattern + 2) on adversarial ones (steps, not time: no speed assertions in tests).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFilters, matchesAll } from '../../../lib/describe/filters.js';
import { wildcardMatcher } from '../../../lib/describe/wildcard.js';

type Token = { char: string } | 'one' | 'star';

function tokensOf(pattern: string): Token[] {
  const chars = Array.from(pattern);
  const out: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] === '\\' && i + 1 < chars.length) out.push({ char: chars[++i]! });
    else if (chars[i] === '*') out.push('star');
    else if (chars[i] === '?') out.push('one');
    else out.push({ char: chars[i]! });
  }
  return out;
}

/** The definition, directly: exponential in the worst case, fine for a few characters. */
function reference(tokens: Token[], text: string[]): boolean {
  if (tokens.length === 0) return text.length === 0;
  const [head, ...rest] = tokens;
  if (head === 'star') return Array.from({ length: text.length + 1 }, (_, k) => k).some((k) => reference(rest, text.slice(k)));
  if (text.length === 0) return false;
  if (head === 'one' || head!.char === text[0]) return reference(rest, text.slice(1));
  return false;
}

const alphabet = fc.constantFrom('a', 'b', '*', '?', '\\', '😀');
const textAlphabet = fc.constantFrom('a', 'b', '*', '?', '\\', '😀');

describe('wildcard matcher', () => {
  it('agrees with the reference definition on small inputs', () => {
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 8 }), fc.string({ unit: textAlphabet, maxLength: 10 }), (pattern, text) => {
        expect(wildcardMatcher(pattern).matches(text)).toBe(reference(tokensOf(pattern), Array.from(text)));
      }),
      { numRuns: 3000 },
    );
  });

  it('takes at most (text + 1) × (pattern + 2) steps, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 300 }), fc.string({ unit: textAlphabet, maxLength: 300 }), (pattern, text) => {
        const { steps } = wildcardMatcher(pattern).matchesCounting(text);
        expect(steps).toBeLessThanOrEqual((Array.from(text).length + 1) * (Array.from(pattern).length + 2));
      }),
      { numRuns: 500 },
    );
  });

  it('stays within the bound on the patterns that took a backtracking regex minutes', () => {
    const value = 'a'.repeat(255);
    for (const stars of [5, 6, 20, 120]) {
      const pattern = '*a'.repeat(stars) + 'b';
      const { matched, steps } = wildcardMatcher(pattern).matchesCounting(value);
      expect(matched).toBe(false);
      expect(steps).toBeLessThanOrEqual((value.length + 1) * (pattern.length + 2));
    }
    const hit = wildcardMatcher('*a*a*a*a*a').matchesCounting(value);
    expect(hit.matched).toBe(true);
  });

  it('answers the issue case through compileFilters', () => {
    const spec = { 'tag-value': () => undefined };
    const [filter] = compileFilters([{ Name: 'tag-value', Values: ['*a'.repeat(6) + 'b'] }], spec);
    expect(matchesAll([filter!], {}, [{ Key: 'k', Value: 'a'.repeat(255) }])).toBe(false);
    const [literal] = compileFilters([{ Name: 'tag-value', Values: ['a\\*b?'] }], spec);
    expect(matchesAll([literal!], {}, [{ Key: 'k', Value: 'a*bc' }])).toBe(true);
    expect(matchesAll([literal!], {}, [{ Key: 'k', Value: 'axbc' }])).toBe(false);
  });

  it('compiles any filter value without throwing anything but an Ec2Error', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), (value) => {
        try {
          compileFilters([{ Name: 'tag-value', Values: [value] }], {});
        } catch (e) {
          expect((e as Error).name).toBe('Ec2Error');
        }
      }),
      { numRuns: 300 },
    );
  });
});
