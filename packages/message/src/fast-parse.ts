import { z } from 'zod';

/**
 * A fast path for zod objects built only from plain blocks: objects, arrays, strings, numbers, booleans, enums,
 * literals, optional, default, discriminated unions on a string key, string-keyed records, unknown.
 *
 * zod 4 runs every value through its generic machinery (a result object and an issue list per value, checks
 * dispatched one at a time): the ~100 fields of a Hub message cost 5-8 µs. {@link compileObjectParse} turns the
 * schema tree into one straight-line function that either returns exactly what zod returns for a valid input
 * (same values, same keys in the same order, defaults applied, unknown keys dropped), or gives up on anything
 * invalid or unusual so that zod parses it and reports the issues. The generated checks are zod's own
 * conditions (never looser); a schema using anything else (refinements, transforms, coercion, passthrough or
 * strict objects, plain unions, string formats...) is not compiled at all.
 */

/** Parses `value` as zod would, or returns {@link GIVE_UP}. */
export type FastParse = (value: unknown) => unknown;

/** What a {@link FastParse} returns when zod must decide (and report). */
export const GIVE_UP: unique symbol = Symbol('give up');

/** The parts of zod's (internal, pinned-version) definitions read here. */
interface Def {
  readonly type: string;
  readonly checks?: readonly z.core.$ZodCheck[];
  readonly coerce?: boolean;
  readonly format?: string;
  readonly shape?: Record<string, z.core.$ZodType>;
  readonly catchall?: z.core.$ZodType;
  readonly element?: z.core.$ZodType;
  readonly innerType?: z.core.$ZodType;
  readonly defaultValue?: unknown;
  readonly options?: readonly z.core.$ZodType[];
  readonly discriminator?: string;
  readonly unionFallback?: boolean;
  readonly keyType?: z.core.$ZodType;
  readonly valueType?: z.core.$ZodType;
}

interface CheckDef {
  readonly check: string;
  readonly maximum?: unknown;
  readonly minimum?: unknown;
  readonly value?: unknown;
  readonly inclusive?: boolean;
  readonly format?: string;
  readonly pattern?: unknown;
}

/** Raised while compiling a schema this fast path does not handle. */
class Unsupported extends Error {}

/** zod's `isPlainObject`: what a record accepts. */
function isPlainObject(v: object): boolean {
  const ctor = (v as { constructor?: unknown }).constructor;
  if (ctor === undefined) return true;
  const proto: unknown = (ctor as { prototype?: unknown }).prototype;
  return (
    typeof proto === 'object' &&
    proto !== null &&
    !Array.isArray(proto) &&
    Object.hasOwn(proto, 'isPrototypeOf')
  );
}

const isLiteralNumber = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);

class Compiler {
  /** Values the generated code reads as `c[i]` (regexes, sets, default definitions). */
  readonly consts: unknown[] = [];
  #vars = 0;
  /** Schemas being compiled: a recursive schema (a getter in a shape) would never finish. */
  readonly #open = new Set<z.core.$ZodType>();

  fresh(prefix: string): string {
    return `${prefix}${this.#vars++}`;
  }

  constant(v: unknown): string {
    this.consts.push(v);
    return `c[${this.consts.length - 1}]`;
  }

  /**
   * Code that reads `src`, assigns zod's output for it to the (declared) variable `dst`, or returns GIVE_UP.
   * `src` is always a plain variable name (read more than once).
   */
  node(schema: z.core.$ZodType, src: string, dst: string): string {
    if (this.#open.has(schema)) throw new Unsupported('recursive schema');
    this.#open.add(schema);
    try {
      return this.#node(schema, src, dst);
    } finally {
      this.#open.delete(schema);
    }
  }

  #node(schema: z.core.$ZodType, src: string, dst: string): string {
    const d = schema._zod.def as unknown as Def;
    const checks = d.checks ?? [];
    // A schema that is itself a check (z.int(), z.email()...) runs as its own first check: not handled.
    if (schema._zod.traits.has('$ZodCheck') || d.coerce === true) throw new Unsupported(d.type);
    switch (d.type) {
      case 'string': {
        if (d.format !== undefined) throw new Unsupported('string format');
        const conds = [`typeof ${src} === 'string'`, ...this.#lengthChecks(checks, src, true)];
        return `if (!(${conds.join(' && ')})) return F; ${dst} = ${src};\n`;
      }
      case 'number': {
        if (d.format !== undefined) throw new Unsupported('number format');
        // Number.isFinite is false for NaN too, as zod's number requires.
        const conds = [
          `typeof ${src} === 'number'`,
          `Number.isFinite(${src})`,
          ...this.#numberChecks(checks, src),
        ];
        return `if (!(${conds.join(' && ')})) return F; ${dst} = ${src};\n`;
      }
      case 'boolean':
        this.#noChecks(checks);
        return `if (typeof ${src} !== 'boolean') return F; ${dst} = ${src};\n`;
      case 'literal':
      case 'enum': {
        this.#noChecks(checks);
        const values = schema._zod.values;
        if (values === undefined) throw new Unsupported(d.type);
        return `if (!(${this.#oneOf([...values], src)})) return F; ${dst} = ${src};\n`;
      }
      case 'unknown':
      case 'any':
        this.#noChecks(checks);
        return `${dst} = ${src};\n`;
      case 'optional': {
        this.#noChecks(checks);
        const inner = d.innerType;
        // An inner schema that takes `undefined` itself (a default...) runs even when absent: not handled.
        if (inner === undefined || inner._zod.optin === 'optional') throw new Unsupported('optional');
        return `if (${src} === undefined) ${dst} = undefined; else {\n${this.node(inner, src, dst)}}\n`;
      }
      case 'default': {
        this.#noChecks(checks);
        if (d.innerType === undefined) throw new Unsupported('default');
        // `defaultValue` is a getter on the definition: a fresh (shallow-cloned) default each time, like zod.
        const def = this.constant(d);
        const t = this.fresh('t');
        return (
          `if (${src} === undefined) ${dst} = ${def}.defaultValue; else {\nlet ${t};\n${this.node(d.innerType, src, t)}` +
          `${dst} = ${t} === undefined ? ${def}.defaultValue : ${t};\n}\n`
        );
      }
      case 'array':
        return this.#array(d, checks, src, dst);
      case 'object':
        this.#noChecks(checks);
        return this.object(d, src, dst);
      case 'union':
        this.#noChecks(checks);
        return this.#discriminated(d, src, dst);
      case 'record':
        this.#noChecks(checks);
        return this.#record(d, src, dst);
      default:
        throw new Unsupported(d.type);
    }
  }

  #noChecks(checks: readonly unknown[]): void {
    if (checks.length > 0) throw new Unsupported('checks');
  }

  /** `v === a || v === b ...` where that is what Set#has means (strings, booleans, finite numbers). */
  #oneOf(values: readonly unknown[], src: string): string {
    const inline = values.every((v) => typeof v === 'string' || typeof v === 'boolean' || isLiteralNumber(v));
    if (!inline || values.length > 8) return `${this.constant(new Set(values))}.has(${src})`;
    if (values.length === 0) return 'false';
    // -0 and 0 are the same to Set#has and to ===; JSON.stringify(-0) is "0".
    return values.map((v) => `${src} === ${JSON.stringify(v)}`).join(' || ');
  }

  /** Length checks (strings and arrays) and regexes (strings). */
  #lengthChecks(checks: readonly z.core.$ZodCheck[], src: string, strings: boolean): string[] {
    const out: string[] = [];
    for (const c of checks) {
      const d = c._zod.def as unknown as CheckDef;
      if (d.check === 'max_length' && isLiteralNumber(d.maximum)) out.push(`${src}.length <= ${d.maximum}`);
      else if (d.check === 'min_length' && isLiteralNumber(d.minimum))
        out.push(`${src}.length >= ${d.minimum}`);
      else if (
        strings &&
        d.check === 'string_format' &&
        d.format === 'regex' &&
        d.pattern instanceof RegExp
      ) {
        const re = this.constant(d.pattern);
        // As zod: reset lastIndex (matters for /g and /y patterns) before testing.
        out.push(`(${re}.lastIndex = 0, ${re}.test(${src}))`);
      } else throw new Unsupported(`check ${d.check}`);
    }
    return out;
  }

  #numberChecks(checks: readonly z.core.$ZodCheck[], src: string): string[] {
    const out: string[] = [];
    for (const c of checks) {
      const d = c._zod.def as unknown as CheckDef;
      // .int(): an integer within ±(2^53 − 1), which is exactly what Number.isSafeInteger tests.
      if (d.check === 'number_format' && d.format === 'safeint') out.push(`Number.isSafeInteger(${src})`);
      else if ((d.check === 'greater_than' || d.check === 'less_than') && isLiteralNumber(d.value)) {
        const op = d.check === 'greater_than' ? (d.inclusive ? '>=' : '>') : d.inclusive ? '<=' : '<';
        out.push(`${src} ${op} ${d.value}`);
      } else throw new Unsupported(`check ${d.check}`);
    }
    return out;
  }

  #array(d: Def, checks: readonly z.core.$ZodCheck[], src: string, dst: string): string {
    if (d.element === undefined) throw new Unsupported('array');
    const conds = [`Array.isArray(${src})`, ...this.#lengthChecks(checks, src, false)];
    const [n, a, i, e, t] = ['n', 'a', 'i', 'e', 't'].map((p) => this.fresh(p)) as [
      string,
      string,
      string,
      string,
      string,
    ];
    // The output has the input's length, so checking lengths on the input first is the same test.
    return (
      `if (!(${conds.join(' && ')})) return F;\n` +
      `const ${n} = ${src}.length; const ${a} = new Array(${n});\n` +
      `for (let ${i} = 0; ${i} < ${n}; ${i}++) {\nconst ${e} = ${src}[${i}]; let ${t};\n` +
      `${this.node(d.element, e, t)}${a}[${i}] = ${t};\n}\n${dst} = ${a};\n`
    );
  }

  object(d: Def, src: string, dst: string): string {
    if (d.catchall !== undefined || d.shape === undefined) throw new Unsupported('object');
    const o = this.fresh('o');
    let code = `if (typeof ${src} !== 'object' || ${src} === null || Array.isArray(${src})) return F;\nconst ${o} = {};\n`;
    // As zod: keys in shape order, unknown keys dropped, an optional key given as `undefined` kept.
    for (const [key, field] of Object.entries(d.shape)) {
      const k = JSON.stringify(key);
      const [v, r] = [this.fresh('v'), this.fresh('r')];
      code +=
        `const ${v} = ${src}[${k}]; let ${r};\n${this.node(field, v, r)}` +
        `if (${r} !== undefined) ${o}[${k}] = ${r}; else if (${k} in ${src}) ${o}[${k}] = undefined;\n`;
    }
    return `${code}${dst} = ${o};\n`;
  }

  #discriminated(d: Def, src: string, dst: string): string {
    const disc = d.discriminator;
    if (disc === undefined || d.options === undefined) throw new Unsupported('union');
    let code = `if (typeof ${src} !== 'object' || ${src} === null || Array.isArray(${src})) return F;\n`;
    code += `switch (${src}[${JSON.stringify(disc)}]) {\n`;
    for (const option of d.options) {
      const values = option._zod.propValues?.[disc];
      // switch compares with ===, zod's Map with SameValueZero: the same for strings.
      if (values === undefined || values.size === 0 || ![...values].every((v) => typeof v === 'string'))
        throw new Unsupported('discriminator');
      for (const v of values) code += `case ${JSON.stringify(v)}:\n`;
      code += `{\n${this.node(option, src, dst)}break;\n}\n`;
    }
    // No option matches (zod's unionFallback would try them all): let zod decide.
    return `${code}default: return F;\n}\n`;
  }

  #record(d: Def, src: string, dst: string): string {
    const key = d.keyType;
    if (key === undefined || d.valueType === undefined) throw new Unsupported('record');
    const kd = key._zod.def as unknown as Def;
    // Plain string keys only (enum or literal keys take another branch in zod).
    if (kd.type !== 'string' || kd.format !== undefined || kd.coerce === true || (kd.checks ?? []).length > 0)
      throw new Unsupported('record key');
    if (key._zod.values !== undefined || key._zod.traits.has('$ZodCheck'))
      throw new Unsupported('record key');
    const plain = this.constant(isPlainObject);
    const [o, k, e, t] = ['o', 'k', 'e', 't'].map((p) => this.fresh(p)) as [string, string, string, string];
    // As zod: every own key, in Reflect.ownKeys order; symbol keys fail the key schema; `__proto__` is skipped.
    return (
      `if (typeof ${src} !== 'object' || ${src} === null || Array.isArray(${src}) || !${plain}(${src})) return F;\n` +
      `const ${o} = {};\nfor (const ${k} of Reflect.ownKeys(${src})) {\n` +
      `if (typeof ${k} !== 'string') return F;\nif (${k} === '__proto__') continue;\n` +
      `const ${e} = ${src}[${k}]; let ${t};\n${this.node(d.valueType, e, t)}${o}[${k}] = ${t};\n}\n${dst} = ${o};\n`
    );
  }
}

/**
 * Compiles a fast parser for the fields of an object schema (its `parse` step: the object's own checks, such
 * as a refinement, are left to zod, which runs them after parse). Returns `undefined` when the tree uses
 * something not handled here, or when the runtime refuses `new Function`: zod then parses alone. The parser
 * returns {@link GIVE_UP} for anything it does not accept; otherwise what zod's forward parse returns.
 */
export function compileObjectParse(def: z.core.$ZodObjectDef): FastParse | undefined {
  const compiler = new Compiler();
  let body: string;
  try {
    body = compiler.object(def as unknown as Def, 'input', 'out');
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
  try {
    const make = new Function(
      'c',
      'F',
      `'use strict';\nreturn function fastParse(input) {\nlet out;\n${body}return out;\n};`,
    );
    return make(compiler.consts, GIVE_UP) as FastParse;
  } catch {
    return undefined; // no eval here (CSP-like restrictions): zod alone
  }
}

/**
 * A zod object schema that parses through {@link compileObjectParse} first (compiled on first use, per
 * instance: clones made by `.extend()`, `.refine()`, `.strict()`... get their own, or none). Encoding
 * (`direction: 'backward'`) and every input the fast path gives up on go to zod unchanged, so results and
 * issues are zod's. Relies on zod's internal `_zod.parse` protocol: zod is pinned to an exact version.
 */
const FastObject = z.core.$constructor('HubFastObject', (inst: z.ZodObject, def: z.core.$ZodObjectDef) => {
  z.ZodObject.init(inst, def);
  const zodParse = inst._zod.parse;
  let fast: FastParse | null | undefined;
  inst._zod.parse = (payload, ctx) => {
    if (ctx.direction !== 'backward') {
      if (fast === undefined) fast = compileObjectParse(def) ?? null;
      if (fast !== null) {
        let out: unknown = GIVE_UP;
        try {
          out = fast(payload.value);
        } catch {
          // A throwing getter or proxy in the input: zod meets it again and throws (or reports) as it would.
        }
        if (out !== GIVE_UP) {
          payload.value = out;
          return payload;
        }
      }
    }
    return zodParse(payload, ctx);
  };
});

/**
 * Returns a schema with the definition and type of `schema` whose parse tries a compiled fast path first (see
 * {@link FastObject}): results and issues stay exactly zod's, so callers handle them as before. A schema the
 * compiler does not handle parses through zod alone. Use for object schemas parsed on hot paths.
 */
export function withFastParse<T extends z.ZodObject>(schema: T): T {
  return new FastObject(schema._zod.def) as unknown as T;
}
