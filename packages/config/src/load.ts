import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { Errors } from '@hub/errors';
import { parse as parseYaml } from 'yaml';
import { HubConfig } from './schema.js';

/** Where configuration comes from. Libraries pass these in; only apps read `process.env`. */
export interface LoadOptions {
  /** YAML or JSON file; omitted → defaults plus environment only. */
  readonly file?: string;
  /** Environment (for `${VAR}` references and `HUB_*` overrides). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Already-parsed object to use instead of a file (tests, `hub start --config-json`). */
  readonly object?: unknown;
}

/**
 * Loads, interpolates, overrides, validates and freezes the configuration.
 *
 * - `${NAME}` / `${NAME:-default}` in any string is replaced from the environment (secrets live there).
 * - `HUB_REDIS_URL`, `HUB_DATA_DIR`, `HUB_INSTANCE` override the matching settings; any setting can be
 *   overridden as `HUB__path__to__key=value` (value parsed as JSON when it parses, else a string).
 *
 * Throws `HUB_ERR_CONFIG` naming the path (`accounts.0.smpp.passwordHash`) and the reason; the app prints
 * it and exits non-zero.
 */
export function loadConfig(opts: LoadOptions = {}): Readonly<HubConfig> {
  const env = opts.env ?? {};
  let raw: unknown = opts.object ?? {};
  const source = opts.file === undefined ? 'config' : resolve(opts.file);
  if (opts.file !== undefined) raw = readConfigFile(opts.file);
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Errors.HUB_ERR_CONFIG(source, 'the top level must be a mapping of settings');
  }
  const interpolated = interpolate(raw, env, '') as Record<string, unknown>;
  applyOverrides(interpolated, env);
  const r = HubConfig.safeParse(interpolated);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw new Errors.HUB_ERR_CONFIG(`${source}: ${path}`, issue.message, {
      details: { path, issues: r.error.issues.slice(0, 10).map((i) => `${i.path.join('.')}: ${i.message}`) },
    });
  }
  crossCheck(r.data, source);
  return deepFreeze(r.data);
}

function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Errors.HUB_ERR_CONFIG(
      resolve(file),
      `cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      {
        cause: err,
      },
    );
  }
  try {
    return extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new Errors.HUB_ERR_CONFIG(
      resolve(file),
      `not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`,
      {
        cause: err,
      },
    );
  }
}

const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function interpolate(v: unknown, env: LoadOptions['env'] & object, path: string): unknown {
  if (typeof v === 'string') {
    const whole = /^\$\{[^}]+\}$/.test(v);
    const out = v.replace(REF, (_m, name: string, dflt: string | undefined) => {
      const val = env[name];
      if (val !== undefined) return val;
      if (dflt !== undefined) return dflt;
      throw new Errors.HUB_ERR_CONFIG(path || '(root)', `environment variable ${name} is not set`);
    });
    // `port: ${SMPP_PORT}` should give a number, as YAML would have.
    if (whole && /^(-?[0-9]+(\.[0-9]+)?|true|false)$/.test(out)) return JSON.parse(out) as unknown;
    return out;
  }
  if (Array.isArray(v)) return v.map((x, i) => interpolate(x, env, path ? `${path}.${i}` : String(i)));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = interpolate(x, env, path ? `${path}.${k}` : k);
    return out;
  }
  return v;
}

function setPath(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur: Record<string, unknown> = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const next = cur[key];
    if (next === null || typeof next !== 'object') cur[key] = /^[0-9]+$/.test(path[i + 1]!) ? [] : {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

function applyOverrides(
  obj: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): void {
  const named: Record<string, readonly string[]> = {
    HUB_REDIS_URL: ['redis', 'url'],
    HUB_DATA_DIR: ['dataDir'],
    HUB_INSTANCE: ['instance'],
  };
  for (const [name, path] of Object.entries(named)) {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(obj, path, v);
  }
  for (const [name, v] of Object.entries(env)) {
    if (!name.startsWith('HUB__') || v === undefined) continue;
    const path = name
      .slice(5)
      .split('__')
      .filter((s) => s.length > 0);
    if (path.length === 0) continue;
    let value: unknown = v;
    try {
      value = JSON.parse(v);
    } catch {
      // plain string
    }
    setPath(obj, path, value);
  }
}

function crossCheck(c: HubConfig, source: string): void {
  const dup = <T>(
    items: readonly T[],
    key: (t: T) => string | undefined,
    what: string,
    path: string,
  ): void => {
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      const k = key(item);
      if (k === undefined) return;
      if (seen.has(k))
        throw new Errors.HUB_ERR_CONFIG(
          `${source}: ${path}.${i}`,
          `duplicate ${what} '${k}' (also at ${path}.${seen.get(k)})`,
        );
      seen.set(k, i);
    });
  };
  dup(c.accounts, (a) => a.id, 'account id', 'accounts');
  dup(c.accounts, (a) => a.smpp?.systemId, 'SMPP system_id', 'accounts');
  dup(c.accounts, (a) => a.mm7?.username, 'MM7 username', 'accounts');
  dup(c.connectors, (x) => x.id, 'connector id', 'connectors');
  dup(c.apiKeys, (k) => k.id, 'API key id', 'apiKeys');
  const l = c.listeners;
  const ports: Array<[string, number, boolean]> = [
    ['listeners.smpp.port', l.smpp.port, l.smpp.enabled],
    ['listeners.smpp.tls.port', l.smpp.tls?.port ?? 0, l.smpp.enabled && l.smpp.tls !== undefined],
    ['listeners.mm7.port', l.mm7.port, l.mm7.enabled],
    ['listeners.mm4.port', l.mm4.port, l.mm4.enabled],
    ['listeners.api.port', l.api.port, l.api.enabled],
  ];
  const used = new Map<number, string>();
  for (const [path, port, on] of ports) {
    if (!on || port === 0) continue;
    const other = used.get(port);
    if (other !== undefined)
      throw new Errors.HUB_ERR_CONFIG(`${source}: ${path}`, `port ${port} is already used by ${other}`);
    used.set(port, path);
  }
}

function deepFreeze<T>(v: T): Readonly<T> {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
