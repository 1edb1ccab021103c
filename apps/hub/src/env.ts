/**
 * The only place the hub CLI reads the process environment. Validated once and frozen; everything below
 * receives these values as arguments.
 */
export interface Env {
  /** Config file (HUB_CONFIG), overridden by --config. */
  readonly configFile: string | undefined;
  /** pino level (HUB_LOG_LEVEL, default info). */
  readonly logLevel: string;
  /** Password for `hub send` (HUB_SEND_PASSWORD), used when the --smpp URL carries none. */
  readonly sendPassword: string | undefined;
  /** The raw environment, handed to the config loader for ${VAR} references and HUB_* overrides. */
  readonly vars: Readonly<Record<string, string | undefined>>;
}

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const level = source.HUB_LOG_LEVEL ?? 'info';
  if (!LEVELS.has(level)) {
    throw new Error(`HUB_LOG_LEVEL must be one of ${[...LEVELS].join(', ')} (got '${level}')`);
  }
  return Object.freeze({
    configFile: source.HUB_CONFIG === '' ? undefined : source.HUB_CONFIG,
    logLevel: level,
    sendPassword: source.HUB_SEND_PASSWORD === '' ? undefined : source.HUB_SEND_PASSWORD,
    vars: Object.freeze({ ...source }),
  });
}
