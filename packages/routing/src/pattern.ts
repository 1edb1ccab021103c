/**
 * The regular-expression subset route filters accept. JavaScript's backtracking engine can take
 * exponential time on patterns such as `(a+)+$`, and a route table is evaluated for every message, so a
 * pattern from the REST API must not be able to stall the router. This is a simple structural check,
 * not a proof; together with the short subjects it runs on (addresses, at most 254 characters) it keeps
 * the worst case small:
 *
 * - at most {@link MAX_PATTERN_LENGTH} characters, valid in Unicode mode (`u` flag: strict syntax);
 * - no backreferences (`\1`, `\k<name>`);
 * - no group that repeats (`*`, `+`, `{n,}`, `{n,m}` with m > 1) while containing a quantifier or an
 *   alternation (`(a+)+`, `(a|ab)*`, `(\d{2}){3,}`);
 * - at most {@link MAX_UNBOUNDED} unbounded quantifiers and {@link MAX_VARIABLE} variable ones in all.
 */

/** Longest pattern accepted. */
export const MAX_PATTERN_LENGTH = 200;
/** Most `*`, `+`, `{n,}` (and `{n,m}` spanning more than 32) in one pattern. */
export const MAX_UNBOUNDED = 3;
/** Most quantifiers of any variable kind (`?` included) in one pattern. */
export const MAX_VARIABLE = 8;

interface Frame {
  quantified: boolean;
  alternation: boolean;
}

interface Quantifier {
  /** Characters it spans (including a lazy `?`). */
  readonly length: number;
  readonly max: number;
  readonly variable: boolean;
}

function readQuantifier(p: string, i: number): Quantifier | undefined {
  const c = p[i];
  let q: Quantifier | undefined;
  if (c === '*') q = { length: 1, max: Number.POSITIVE_INFINITY, variable: true };
  else if (c === '+') q = { length: 1, max: Number.POSITIVE_INFINITY, variable: true };
  else if (c === '?') q = { length: 1, max: 1, variable: true };
  else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i, i + 24));
    if (m === null) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
    q = { length: m[0].length, max, variable: max !== min };
  }
  if (q === undefined) return undefined;
  return p[i + q.length] === '?' ? { ...q, length: q.length + 1 } : q;
}

/**
 * Checks `pattern` against the safe subset. Returns `undefined` when it is acceptable, otherwise the
 * reason (shown to the API caller, who should simplify the pattern, e.g. use a prefix filter).
 */
export function checkPattern(pattern: string): string | undefined {
  if (pattern.length === 0) return 'must not be empty';
  if (pattern.length > MAX_PATTERN_LENGTH) return `is longer than ${MAX_PATTERN_LENGTH} characters`;
  try {
    new RegExp(pattern, 'u');
  } catch (err) {
    return `is not a valid regular expression (${(err as Error).message})`;
  }
  const stack: Frame[] = [{ quantified: false, alternation: false }];
  let unbounded = 0;
  let variable = 0;
  // What the next quantifier would apply to: a plain atom, or a group just closed (with its body's traits).
  let lastGroup: Frame | undefined;
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i] as string;
    const q = readQuantifier(pattern, i);
    if (q !== undefined) {
      if (lastGroup !== undefined && q.max > 1 && (lastGroup.quantified || lastGroup.alternation)) {
        return 'repeats a group that itself contains a quantifier or an alternation (catastrophic backtracking risk)';
      }
      if (q.variable) variable += 1;
      if (q.max === Number.POSITIVE_INFINITY || (q.max > 32 && q.variable)) unbounded += 1;
      (stack[stack.length - 1] as Frame).quantified = true;
      lastGroup = undefined;
      i += q.length;
      continue;
    }
    lastGroup = undefined;
    if (c === '\\') {
      const n = pattern[i + 1] ?? '';
      if (/[1-9]/.test(n) || n === 'k') return 'uses a backreference, which is not supported';
      // \p{..}, \u{..}: skip the braces so that they are not read as a quantifier.
      if ((n === 'p' || n === 'P' || n === 'u') && pattern[i + 2] === '{') {
        const end = pattern.indexOf('}', i + 2);
        i = end < 0 ? pattern.length : end + 1;
      } else {
        i += 2;
      }
    } else if (c === '[') {
      i += 1;
      if (pattern[i] === ']') i += 1;
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
      i += 1;
    } else if (c === '(') {
      stack.push({ quantified: false, alternation: false });
      i += 1;
      // Group modifiers (?: (?= (?! (?<= (?<! (?<name> start with `?`, which is not a quantifier here.
      if (pattern[i] === '?') {
        const m = /^\?(<[A-Za-z_$][\w$]*>|<=|<!|[:=!])/.exec(pattern.slice(i, i + 72));
        i += m === null ? 1 : m[0].length;
      }
    } else if (c === ')') {
      const closed = stack.pop() as Frame;
      const parent = stack[stack.length - 1] as Frame;
      parent.quantified ||= closed.quantified;
      parent.alternation ||= closed.alternation;
      lastGroup = closed;
      i += 1;
    } else {
      if (c === '|') (stack[stack.length - 1] as Frame).alternation = true;
      i += 1;
    }
  }
  if (unbounded > MAX_UNBOUNDED) return `has more than ${MAX_UNBOUNDED} unbounded quantifiers (*, +, {n,})`;
  if (variable > MAX_VARIABLE) return `has more than ${MAX_VARIABLE} variable quantifiers`;
  return undefined;
}
