/**
 * Redis's glob matcher (`stringmatchlen` in util.c, 7.0), byte for byte: `*`, `?`, `[...]` with
 * `^` negation and `a-z` ranges, `\` escapes. ACL key and channel patterns are matched with it.
 */
const encoder = new TextEncoder();

export function redisGlobMatch(pattern: string, subject: string): boolean {
  return matchFrom(encoder.encode(pattern), 0, encoder.encode(subject), 0, { skipLonger: false }, 0);
}

function matchFrom(
  p: Uint8Array,
  pi: number,
  s: Uint8Array,
  si: number,
  search: { skipLonger: boolean },
  nesting: number,
): boolean {
  // Redis's guard against abusive patterns.
  if (nesting > 1000) return false;
  const STAR = 0x2a;
  while (pi < p.length && si < s.length) {
    const c = p[pi];
    if (c === STAR) {
      while (pi + 1 < p.length && p[pi + 1] === STAR) pi += 1;
      if (pi + 1 === p.length) return true;
      while (si < s.length) {
        if (matchFrom(p, pi + 1, s, si, search, nesting + 1)) return true;
        if (search.skipLonger) return false;
        si += 1;
      }
      // The rest of the pattern matches nowhere in the rest of the subject: no earlier `*`
      // can help by consuming more, so every caller can stop.
      search.skipLonger = true;
      return false;
    } else if (c === 0x3f /* ? */) {
      si += 1;
    } else if (c === 0x5b /* [ */) {
      pi += 1;
      const negate = p[pi] === 0x5e; /* ^ */
      if (negate) pi += 1;
      let matched = false;
      const ch = s[si] ?? -1;
      for (;;) {
        if (p[pi] === 0x5c /* \ */ && p.length - pi >= 2) {
          pi += 1;
          if (p[pi] === ch) matched = true;
        } else if (p[pi] === 0x5d /* ] */) {
          break;
        } else if (pi >= p.length) {
          pi -= 1;
          break;
        } else if (p.length - pi >= 3 && p[pi + 1] === 0x2d /* - */) {
          let start = p[pi] ?? 0;
          let end = p[pi + 2] ?? 0;
          if (start > end) [start, end] = [end, start];
          pi += 2;
          if (ch >= start && ch <= end) matched = true;
        } else if (p[pi] === ch) {
          matched = true;
        }
        pi += 1;
      }
      if (negate) matched = !matched;
      if (!matched) return false;
      si += 1;
    } else {
      if (c === 0x5c /* \ */ && p.length - pi >= 2) pi += 1;
      if (p[pi] !== s[si]) return false;
      si += 1;
    }
    pi += 1;
    if (si === s.length) {
      while (p[pi] === STAR) pi += 1;
      break;
    }
  }
  return pi >= p.length && si === s.length;
}
