/**
 * `smpp://user:pass@host:port` and `smpps://…` (TLS) URLs of Hub's SMPP interface. No I/O.
 */
import { Errors } from '@hub/errors';

/** What a URL names: where to connect and whom to bind as. */
export interface SmppTarget {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly systemId: string;
  /** Undefined when the URL carries none (the CLI then takes HUB_SEND_PASSWORD). */
  readonly password: string | undefined;
  /** `system_type` from `?system_type=` (default empty). */
  readonly systemType: string;
}

/** Default ports: 2775 (smpp, IANA) and 3550 (ssmpp, IANA). */
export const DEFAULT_PORTS = { smpp: 2775, smpps: 3550 } as const;

/**
 * Parses `url`. Throws `HUB_ERR_SEND_INVALID_OPTION` for another scheme, no host, no user, or a bad port.
 * User and password are percent-decoded (`p%40ss` is `p@ss`).
 */
export function parseSmppUrl(url: string): SmppTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Errors.HUB_ERR_SEND_INVALID_OPTION(
      '--smpp',
      `'${redact(url)}' is not a URL (smpp://user:pass@host:2775)`,
    );
  }
  const scheme = u.protocol.replace(/:$/, '');
  if (scheme !== 'smpp' && scheme !== 'smpps')
    throw new Errors.HUB_ERR_SEND_INVALID_OPTION('--smpp', `scheme '${scheme}:' (use smpp:// or smpps://)`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host.length === 0) throw new Errors.HUB_ERR_SEND_INVALID_OPTION('--smpp', 'no host');
  const port = u.port === '' ? DEFAULT_PORTS[scheme] : Number(u.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Errors.HUB_ERR_SEND_INVALID_OPTION('--smpp', `port ${u.port}`);
  const systemId = decodeURIComponent(u.username);
  if (systemId.length === 0)
    throw new Errors.HUB_ERR_SEND_INVALID_OPTION('--smpp', 'no system_id (smpp://user:pass@host:2775)');
  return {
    host,
    port,
    tls: scheme === 'smpps',
    systemId,
    password: u.password === '' ? undefined : decodeURIComponent(u.password),
    systemType: u.searchParams.get('system_type') ?? '',
  };
}

/** `url` with its password replaced by `***`, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}
