import { Errors, type HubError } from '@hub/errors';
import type { EncodedMm4 } from '@hub/mm4';
import { createTransport } from 'nodemailer';

/** Where and how to reach a peer MMSC's SMTP server. */
export interface SmtpTarget {
  readonly host: string;
  readonly port: number;
  /** Implicit TLS (port 465 style). */
  readonly secure?: boolean;
  /** Refuse to send unless STARTTLS succeeds. */
  readonly requireTls?: boolean;
  readonly auth?: { readonly user: string; readonly pass: string };
  /** Pooled connections to keep (default 5). */
  readonly maxConnections?: number;
  /**
   * Mails per pooled connection before it is closed and reopened (default {@link DEFAULT_PEER_MAX_MESSAGES};
   * nodemailer's own default of 100 reconnects, with a new greeting and maybe TLS, every 100 mails).
   */
  readonly maxMessages?: number;
  /** Verify the peer's certificate (default true). */
  readonly rejectUnauthorized?: boolean;
  /** Socket/greeting timeouts in ms (default 30 s). */
  readonly timeoutMs?: number;
}

/**
 * Default mails per pooled peer connection (the mm4 connector's `pool.maxMessages` default): reconnecting is
 * rare enough to cost nothing, yet below the per-connection caps some MTAs enforce (Exim: 1000).
 */
export const DEFAULT_PEER_MAX_MESSAGES = 1000;

/** What one SMTP transaction to a peer produced. */
export interface SmtpSendResult {
  /** RCPT TO addresses the peer accepted / refused. */
  readonly accepted: readonly string[];
  readonly rejected: readonly string[];
  /** The peer's reply to DATA. */
  readonly response: string;
}

/** A pooled SMTP client to one peer (nodemailer; always pooled: smtp-server delays each greeting 100 ms). */
export interface PeerTransport {
  /**
   * Sends one MM4 mail as is (exact bytes, given envelope). Throws `HUB_ERR_MM4GW_PEER_REJECTED`
   * (permanent) for a 5xx reply, `HUB_ERR_MM4GW_PEER_UNAVAILABLE` (temporary) for a 4xx reply, a
   * connection or TLS failure or a timeout: retry that one later.
   */
  send(mail: EncodedMm4): Promise<SmtpSendResult>;
  close(): void;
}

interface NodemailerError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

/** Maps a nodemailer failure to a HubError by recovery: 5xx (but 503) permanent, everything else temporary. */
export function classifySmtpError(err: unknown, peer: string): HubError {
  const e = err as NodemailerError;
  const code = typeof e?.responseCode === 'number' ? e.responseCode : undefined;
  const why = (e?.response ?? e?.message ?? String(err)).slice(0, 300);
  if (code !== undefined && code >= 500 && code !== 503) {
    return new Errors.HUB_ERR_MM4GW_PEER_REJECTED(peer, why, { cause: err, details: { smtpCode: code } });
  }
  return new Errors.HUB_ERR_MM4GW_PEER_UNAVAILABLE(peer, why, {
    cause: err,
    details: code === undefined ? { reason: e?.code ?? 'error' } : { smtpCode: code },
  });
}

/** Creates the pooled transport to `target`; `name` labels errors (connector or peer id). */
export function createPeerTransport(name: string, target: SmtpTarget): PeerTransport {
  const t = target.timeoutMs ?? 30_000;
  const transport = createTransport({
    pool: true,
    host: target.host,
    port: target.port,
    secure: target.secure ?? false,
    requireTLS: target.requireTls ?? false,
    maxConnections: target.maxConnections ?? 5,
    maxMessages: target.maxMessages ?? DEFAULT_PEER_MAX_MESSAGES,
    connectionTimeout: t,
    greetingTimeout: t,
    socketTimeout: t,
    ...(target.auth === undefined ? {} : { auth: { user: target.auth.user, pass: target.auth.pass } }),
    tls: { rejectUnauthorized: target.rejectUnauthorized ?? true },
  });
  return {
    async send(mail: EncodedMm4): Promise<SmtpSendResult> {
      try {
        const info = await transport.sendMail({
          envelope: { from: mail.envelope.from, to: [...mail.envelope.to] },
          raw: mail.mail,
        });
        return {
          accepted: (info.accepted ?? []).map(String),
          rejected: (info.rejected ?? []).map(String),
          response: info.response ?? '',
        };
      } catch (err) {
        throw classifySmtpError(err, name);
      }
    },
    close() {
      transport.close();
    },
  };
}
