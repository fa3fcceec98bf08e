/**
 * Strings with holes, and whether two of them can describe the same string.
 *
 * A value the check cannot know at synth (a parameter, an attribute of a resource, a pseudo
 * parameter of an unknown environment) becomes HOLE: any text. IAM's wildcards are `*` (any text)
 * and `?` (one character). "Can match" is decided conservatively: a rule reports only what no
 * value of the holes can rescue.
 */

/** Stands for text the check cannot know at synth. A private-use character: never in a template. */
export const HOLE = '\uE000';

/** True when the string holds a hole. */
export function hasHole(s: string): boolean {
  return s.includes(HOLE);
}

type Token = { readonly star: true } | { readonly star: false; readonly ch: string; readonly any: boolean };

function tokenize(pattern: string, wildcards: boolean): Token[] {
  const out: Token[] = [];
  for (const ch of pattern) {
    if (ch === HOLE || (wildcards && ch === '*')) {
      // consecutive stars are one star
      if (out.length === 0 || !out[out.length - 1].star) out.push({ star: true });
    } else if (wildcards && ch === '?') {
      out.push({ star: false, ch, any: true });
    } else {
      out.push({ star: false, ch, any: false });
    }
  }
  return out;
}

/**
 * Whether some string matches both patterns. `*` and HOLE match any text, `?` one character
 * (when `wildcards` is false, only HOLE is special: `*` and `?` are literal characters).
 */
export function globsIntersect(a: string, b: string, options: { wildcardsA?: boolean; wildcardsB?: boolean; ignoreCase?: boolean } = {}): boolean {
  const norm = (s: string) => (options.ignoreCase ? s.toLowerCase() : s);
  const ta = tokenize(norm(a), options.wildcardsA ?? true);
  const tb = tokenize(norm(b), options.wildcardsB ?? true);
  const width = tb.length + 1;
  const seen = new Uint8Array((ta.length + 1) * width);
  const stack: Array<[number, number]> = [[0, 0]];
  while (stack.length > 0) {
    const [i, j] = stack.pop()!;
    const key = i * width + j;
    if (seen[key]) continue;
    seen[key] = 1;
    if (i === ta.length && j === tb.length) return true;
    const x = ta[i];
    const y = tb[j];
    if (x && x.star) {
      stack.push([i + 1, j]);
      if (y) stack.push([i, j + 1]);
    }
    if (y && y.star) {
      stack.push([i, j + 1]);
      if (x) stack.push([i + 1, j]);
    }
    if (x && y && !x.star && !y.star && (x.any || y.any || x.ch === y.ch)) {
      stack.push([i + 1, j + 1]);
    }
  }
  return false;
}

/** Whether a pattern (IAM wildcards and holes) matches the literal text. */
export function globMatches(pattern: string, text: string, ignoreCase = false): boolean {
  return globsIntersect(pattern, text, { wildcardsA: true, wildcardsB: false, ignoreCase });
}

/** The text before the first wildcard or hole. */
export function literalPrefix(pattern: string): string {
  const m = /[*?\uE000]/.exec(pattern);
  return m ? pattern.slice(0, m.index) : pattern;
}

/** Whether the pattern holds an IAM wildcard or a hole. */
export function isPattern(s: string): boolean {
  return /[*?\uE000]/.test(s);
}

/** Readable form of a string with holes, for messages: each hole is written `…`. */
export function show(s: string): string {
  return s.split(HOLE).join('…');
}
