/**
 * EC2 filter wildcards: `*` matches any run of characters, `?` exactly one, `\` makes the next
 * character literal (a trailing `\` is itself literal). Matched without regular expressions: a
 * pattern comes from the request, and a backtracking regex built from `*a*a*a*a*ab` takes
 * exponential time, while a long value overflows the regex compiler.
 *
 * The matcher is the greedy two-pointer walk with a backtrack to the last `*` only: when a literal
 * run after a star fails, the star absorbs one more character and the run is retried. Earlier stars
 * never need to be revisited (the last star can absorb anything they could), so the walk takes at
 * most (text length + 1) × (pattern length + 1) steps, whatever the input.
 */

type Token = { kind: 'char'; char: string } | { kind: 'one' } | { kind: 'star' };

export interface WildcardMatcher {
  readonly pattern: string;
  /** True when the pattern has no `*` or `?`: the value is compared as it is (after unescaping). */
  readonly exact: boolean;
  matches(text: string): boolean;
  /** The same answer, with the number of steps the walk took (for tests of the bound). */
  matchesCounting(text: string): { matched: boolean; steps: number };
}

function tokenize(pattern: string): Token[] {
  const chars = Array.from(pattern);
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\' && i + 1 < chars.length) tokens.push({ kind: 'char', char: chars[++i]! });
    else if (c === '*') {
      // Consecutive stars match what one star matches.
      if (tokens[tokens.length - 1]?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') tokens.push({ kind: 'one' });
    else tokens.push({ kind: 'char', char: c });
  }
  return tokens;
}

function walk(tokens: Token[], text: ArrayLike<string>): { matched: boolean; steps: number } {
  let t = 0; // position in text
  let p = 0; // position in tokens
  let starAt = -1; // token index of the last star seen
  let starText = 0; // text position that star's match currently ends at
  let steps = 0;
  while (t < text.length) {
    steps++;
    const token = tokens[p];
    if (token && (token.kind === 'one' || (token.kind === 'char' && token.char === text[t]))) {
      t++;
      p++;
    } else if (token?.kind === 'star') {
      starAt = p++;
      starText = t;
    } else if (starAt >= 0) {
      p = starAt + 1;
      t = ++starText;
    } else {
      return { matched: false, steps };
    }
  }
  while (tokens[p]?.kind === 'star') {
    steps++;
    p++;
  }
  return { matched: p === tokens.length, steps };
}

const SURROGATE = /[\ud800-\udfff]/;
/** One entry per character: a string's code units, unless it has characters outside the BMP. */
const charsOf = (text: string): ArrayLike<string> => (SURROGATE.test(text) ? Array.from(text) : text);

export function wildcardMatcher(pattern: string): WildcardMatcher {
  const tokens = tokenize(pattern);
  const exact = tokens.every((t) => t.kind === 'char');
  const literal = exact ? tokens.map((t) => (t as { char: string }).char).join('') : undefined;
  return {
    pattern,
    exact,
    matches: (text) => (literal !== undefined ? text === literal : walk(tokens, charsOf(text)).matched),
    matchesCounting: (text) => walk(tokens, charsOf(text)),
  };
}
