import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One SMTP transaction as {@link SmtpPeer} received it. */
export interface SmtpMail {
  /** MAIL FROM (empty for the null sender). */
  readonly from: string;
  /** RCPT TO, in order. */
  readonly to: string[];
  /** The DATA bytes. */
  readonly mail: Buffer;
}

/**
 * A peer's SMTP server on 127.0.0.1 (no STARTTLS, no AUTH) that records every mail it accepts in
 * {@link mails}, mapped through `record` (e.g. to add a decoded PDU; an exception there escapes the stream
 * handler, so keep it for mails the test controls). {@link replies} scripts the next DATA answers: each entry
 * (e.g. `[451, '4.4.1 busy']`) answers one mail, which is then not recorded.
 */
export class SmtpPeer<M extends SmtpMail = SmtpMail> {
  /** Accepted mails, in arrival order. */
  readonly mails: M[] = [];
  /** Scripted answers for the next DATA commands, consumed first to last. */
  readonly replies: Array<readonly [number, string]> = [];
  /** The underlying smtp-server, for tests that need its events. */
  readonly server: SMTPServer;

  constructor(record: (mail: SmtpMail) => M = (m) => m as M) {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      disableReverseLookup: true,
      logger: false,
      closeTimeout: 200,
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const scripted = this.replies.shift();
          if (scripted !== undefined) {
            cb(Object.assign(new Error(scripted[1]), { responseCode: scripted[0] }));
            return;
          }
          const mf = session.envelope.mailFrom;
          this.mails.push(
            record({
              from: mf === false ? '' : mf.address,
              to: session.envelope.rcptTo.map((r) => r.address),
              mail: Buffer.concat(chunks),
            }),
          );
          cb(null);
        });
      },
    });
  }

  /** Listens on an ephemeral port of 127.0.0.1 and returns it. */
  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    return (this.server.server.address() as AddressInfo).port;
  }

  /** Stops listening; open connections get smtp-server's close timeout (200 ms). */
  async close(): Promise<void> {
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
