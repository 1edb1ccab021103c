/**
 * The one error type of Hub. Every failure that crosses a package boundary is a {@link HubError}
 * with a stable `code` from the catalog (`HUB_ERR_<AREA>_<WHAT>`). The wire status for each protocol
 * is declared once, beside the code, and read by the protocol layers through {@link toSmppStatus},
 * {@link toMm7Status}, {@link toSmtpReply} and {@link toHttpStatus}: handlers never pick statuses.
 *
 * Modelled on fastify's `lib/errors.js`: a factory returns one class per code.
 */

/** How a caller should react: retry later, give up, or slow down. */
export type Recovery = 'temporary' | 'permanent' | 'throttled';

/** What one catalog entry declares. */
export interface ErrorSpec {
  /** Message template; `%s` placeholders are filled from the constructor's arguments in order. */
  readonly message: string;
  /** SMPP command_status to answer with (default ESME_RSYSERR 0x08). */
  readonly smpp?: number;
  /** MM7 StatusCode (2xxx client, 3xxx server, 4xxx service; default 3000). */
  readonly mm7?: number;
  /** SMTP reply code and enhanced status code (default 451 4.3.0). */
  readonly smtp?: readonly [number, string];
  /** HTTP status for the REST API (default 500). */
  readonly http?: number;
  /** How a sender should react (default `permanent`). */
  readonly recovery?: Recovery;
}

/** A Hub error: stable `code`, rendered `message`, wire statuses from the catalog, optional `details`. */
export class HubError extends Error {
  readonly code: string;
  readonly spec: ErrorSpec;
  /** Structured extra data safe to show to the peer (never secrets). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: string, spec: ErrorSpec, message: string, options?: HubErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HubError';
    this.code = code;
    this.spec = spec;
    this.details = options?.details;
  }

  get recovery(): Recovery {
    return this.spec.recovery ?? 'permanent';
  }

  toJSON(): { code: string; message: string; details?: Readonly<Record<string, unknown>> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export interface HubErrorOptions {
  readonly cause?: unknown;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The constructor a catalog entry becomes: `new Errors.SMPP_INVALID_DCS(dc)`. */
export interface HubErrorClass {
  new (...args: Array<string | number | HubErrorOptions | undefined>): HubError;
  readonly code: string;
  readonly spec: ErrorSpec;
}

function render(template: string, args: ReadonlyArray<string | number>): string {
  let i = 0;
  return template.replace(/%s/g, () => (i < args.length ? String(args[i++]) : '%s'));
}

/**
 * Declares one error class. Arguments are template values; a trailing object is {@link HubErrorOptions}.
 * Not exported from the package: entries live in `catalog/*.ts` so the catalog stays the single list.
 */
export function createError(code: string, spec: ErrorSpec): HubErrorClass {
  const Cls = class extends HubError {
    static readonly code = code;
    static readonly spec = spec;
    constructor(...args: Array<string | number | HubErrorOptions | undefined>) {
      const last = args[args.length - 1];
      const opts = typeof last === 'object' && last !== null ? (last as HubErrorOptions) : undefined;
      const values = args.filter((a): a is string | number => typeof a === 'string' || typeof a === 'number');
      super(code, spec, render(spec.message, values), opts);
    }
  };
  Object.defineProperty(Cls, 'name', { value: code });
  return Cls;
}

/** True when `err` is a HubError (optionally: with this code). Works across package copies. */
export function isHubError(err: unknown, code?: string): err is HubError {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { name?: unknown }).name === 'HubError' &&
    typeof (err as { code?: unknown }).code === 'string' &&
    (code === undefined || (err as HubError).code === code)
  );
}
