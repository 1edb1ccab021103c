import pino, { type Logger } from 'pino';

/** The one logger constructor: JSON lines on stderr (one line per event; message ids as fields). */
export function createLogger(opts: { level?: string; name?: string } = {}): Logger {
  return pino(
    { level: opts.level ?? 'info', base: opts.name === undefined ? {} : { app: opts.name } },
    pino.destination(2),
  );
}
export type { Logger };
