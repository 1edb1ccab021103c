/**
 * Bounded fuzz of the live MM4 SMTP listener (127.0.0.1, private Redis, the shared test rig): mutated
 * MM4 mails in full SMTP transactions from a known peer, random SMTP command sequences (with random
 * AUTH) from an unknown address. Every reply must be a proper SMTP reply (`NNN` + text, 2xx–5xx, the
 * same code on every line), every step has a timeout, nothing with wrong credentials is accepted, the
 * server keeps serving and its heap stays bounded. Inputs come from fast-check with a fixed seed.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { encodeMm4 } from '@hub/mm4';
import { hasRedisServer } from '@hub/testkit';
import fc from 'fast-check';
import {
  HUB_DOMAIN,
  PEER_B_PASSWORD,
  PEER_DOMAIN,
  PEER_SYSTEM,
  type Rig,
  sendRaw,
  startRig,
} from './testing.fixture.js';

const SEED = 0x5eed_0444;
const VECTORS = new URL('../../../../shared/vectors/mm4/', import.meta.url).pathname;
const RCPT = `+4915112345678/TYPE=PLMN@${HUB_DOMAIN}`;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

// ---------------------------------------------------------------------------------------------
// A tiny raw SMTP client: replies are read and checked line by line, every wait bounded
// ---------------------------------------------------------------------------------------------

interface Reply {
  readonly code: number;
  readonly lines: readonly string[];
}

class RawSmtp {
  #buf = '';
  #closed = false;
  #waiters: Array<() => void> = [];
  private constructor(readonly socket: Socket) {
    socket.on('data', (c: Buffer) => {
      this.#buf += c.toString('latin1');
      this.#wake();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
  }

  static async open(port: number, localAddress?: string): Promise<RawSmtp> {
    const socket = connect({
      host: '127.0.0.1',
      port,
      ...(localAddress === undefined ? {} : { localAddress }),
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawSmtp(socket);
  }

  get closed(): boolean {
    return this.#closed;
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** The next complete reply, or `undefined` when the server closed first. Throws after `timeoutMs`. */
  async reply(timeoutMs = 5_000): Promise<Reply | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines: string[] = [];
      let rest = this.#buf;
      let done = false;
      for (;;) {
        const nl = rest.indexOf('\r\n');
        if (nl < 0) break;
        const line = rest.slice(0, nl);
        rest = rest.slice(nl + 2);
        lines.push(line);
        if (line[3] !== '-') {
          done = true;
          break;
        }
      }
      if (done) {
        this.#buf = rest;
        return checkReply(lines);
      }
      if (this.#closed) return undefined;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no SMTP reply within ${timeoutMs} ms (have ${JSON.stringify(this.#buf.slice(0, 100))})`,
        );
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Sends a command line and reads its reply. */
  async cmd(line: string | Buffer): Promise<Reply | undefined> {
    if (this.#closed) return undefined;
    this.socket.write(Buffer.isBuffer(line) ? Buffer.concat([line, Buffer.from('\r\n')]) : `${line}\r\n`);
    return await this.reply();
  }

  close(): void {
    this.socket.destroy();
  }
}

/** RFC 5321 §4.2: `NNN` then SP/`-` and text; every line of one reply carries the same code. */
function checkReply(lines: readonly string[]): Reply {
  assert.ok(lines.length > 0);
  const code = Number(lines[0]?.slice(0, 3));
  for (const l of lines) {
    assert.match(l, /^[2-5]\d\d([ -].*)?$/, `malformed SMTP reply line ${JSON.stringify(l)}`);
    assert.equal(Number(l.slice(0, 3)), code, `mixed codes in ${JSON.stringify(lines)}`);
  }
  return { code, lines };
}

/** Dot-stuffs and terminates DATA (RFC 5321 §4.5.2). */
function dataPayload(mail: Buffer): Buffer {
  let s = mail.toString('latin1');
  if (!s.endsWith('\r\n')) s += '\r\n';
  s = s.replace(/(^|\n)\./g, '$1..');
  return Buffer.from(`${s}.\r\n`, 'latin1');
}

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

function forward(tx: string): Buffer {
  return encodeMm4({
    type: 'MM4_forward.REQ',
    transactionId: tx,
    messageId: `${tx}-mid@${PEER_DOMAIN}`,
    from: '+972590000028',
    to: ['+4915112345678'],
    subject: 'Hello fuzz ✓',
    originatorSystem: PEER_SYSTEM,
    senderDomain: PEER_DOMAIN,
    recipientDomain: HUB_DOMAIN,
    // No .RES traffic to the test peer for every mutant: the listener is what is fuzzed here.
    ackRequest: false,
    parts: [
      { contentType: 'application/smil', body: '<smil><body/></smil>', contentId: 's.smil' },
      { contentType: 'text/plain', body: 'Grüße', contentId: 't.txt' },
      { contentType: 'image/png', body: Buffer.alloc(120, 0x89), contentId: 'a.png' },
    ],
    start: 's.smil',
  }).mail;
}

const vectorMails = existsSync(VECTORS)
  ? readdirSync(VECTORS)
      .filter((f) => f.endsWith('.eml'))
      .sort()
      .map((f) => readFileSync(VECTORS + f))
  : [];
const mailSeeds = [forward('fz-seed'), ...vectorMails];

const TOKENS = [
  '\r\n',
  '\n',
  '\r\n\r\n',
  '\r\n.\r\n',
  '\n.\n',
  '.',
  ':',
  '<',
  '>',
  '"',
  '=?utf-8?B?',
  '?=',
  '/TYPE=PLMN',
  '--',
  'X-Mms-Message-Type: MM4_forward.RES\r\n',
  'X-Mms-Message-Type: MM4_nope.REQ\r\n',
  'Content-Transfer-Encoding: x-uue\r\n',
  'Content-Type: multipart/mixed; boundary=""\r\n',
  '\0',
  '\xff',
  'x'.repeat(1500),
].map((t) => Buffer.from(t, 'latin1'));

const mutation = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.constantFrom(...TOKENS) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 60 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(body: Buffer, muts: readonly Mutation[]): Buffer {
  let b = Buffer.from(body);
  for (const m of muts) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1);
    if (m.op === 'set') {
      if (at < b.length) b[at] = m.byte;
    } else if (m.op === 'insert') b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
    else if (m.op === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
    else b = b.subarray(0, at);
  }
  return b;
}

const printable = (max: number) => fc.string({ maxLength: max }).filter((s) => /^[\x20-\x7e]*$/.test(s));
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const smtpLine: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.constantFrom(
    'EHLO fuzz.example',
    'HELO x',
    'RSET',
    'NOOP',
    'QUIT',
    'DATA',
    'VRFY postmaster',
    'EXPN list',
    'HELP',
    'STARTTLS',
    'AUTH LOGIN',
    'AUTH CRAM-MD5',
    'BDAT 10 LAST',
    'TURN',
    `MAIL FROM:<x@${PEER_DOMAIN}>`,
    `RCPT TO:<${RCPT}>`,
    'MAIL FROM:<>',
    'RCPT TO:<>',
    'MAIL FROM:<a@b> SIZE=999999999999',
    'MAIL FROM:<a@b> BODY=8BITMIME SMTPUTF8',
    'RCPT TO:<postmaster>',
  ),
  printable(30).map((s) => `MAIL FROM:<${s}>`),
  printable(30).map((s) => `RCPT TO:<${s}>`),
  fc.tuple(printable(12), printable(12)).map(([u, p]) => `AUTH PLAIN ${b64(`\0${u}\0${p}`)}`),
  fc.constantFrom(
    `AUTH PLAIN ${b64('\0peer-b\0wrong')}`,
    `AUTH PLAIN ${b64('\0peer-b\0')}`,
    'AUTH PLAIN !!!',
    'AUTH PLAIN =',
    `AUTH PLAIN ${b64(`\0PEER-B\0${PEER_B_PASSWORD}x`)}`,
  ),
  printable(80),
  fc
    .uint8Array({ maxLength: 60 })
    .map((b) => Buffer.from(b).filter((c) => c !== 0x0a && c !== 0x0d))
    .map((b) => Buffer.from(b)),
  fc.constant('A'.repeat(3000)),
);

// ---------------------------------------------------------------------------------------------

describe('MM4 SMTP listener fuzz', { skip: hasRedisServer() ? false : 'redis-server not installed' }, () => {
  let rig: Rig;
  let heapBefore = 0;

  before(async () => {
    rig = await startRig();
    const warm = await sendRaw(rig.port, forward('fz-warm'), { from: `x@${PEER_DOMAIN}`, to: [RCPT] });
    assert.equal(warm.code, 250, warm.response);
    heapBefore = heapAfterGc();
  });
  after(async () => {
    await rig.close();
  });

  test('150 mutated mails from a known peer: every reply a proper SMTP code, 250 or 4xx/5xx at the end of DATA', async (t) => {
    const inputs = fc.sample(
      fc.record({
        seed: fc.nat({ max: mailSeeds.length - 1 }),
        muts: fc.array(mutation, { minLength: 1, maxLength: 5 }),
      }),
      { seed: SEED, numRuns: 150 },
    );
    const finals = new Map<number, number>();
    // Ten mails per connection with RSET between them, as a pooled peer does.
    for (let i = 0; i < inputs.length; i += 10) {
      const c = await RawSmtp.open(rig.port);
      assert.equal((await c.reply())?.code, 220);
      assert.equal((await c.cmd('EHLO fuzz.peer-a.example'))?.code, 250);
      for (const [k, x] of inputs.slice(i, i + 10).entries()) {
        const label = `mail ${i + k}`;
        const mail = mutate(mailSeeds[x.seed] as Buffer, x.muts);
        assert.equal((await c.cmd(`MAIL FROM:<x@${PEER_DOMAIN}>`))?.code, 250, label);
        assert.equal((await c.cmd(`RCPT TO:<${RCPT}>`))?.code, 250, label);
        assert.equal((await c.cmd('DATA'))?.code, 354, label);
        c.socket.write(dataPayload(mail));
        const final = await c.reply(10_000);
        assert.ok(final !== undefined, `${label}: connection closed instead of a reply to DATA`);
        assert.ok(
          final.code === 250 || (final.code >= 400 && final.code < 600),
          `${label}: ${final.lines.join(' | ')}`,
        );
        // A refusal says why with an enhanced status code (RFC 3463), as peers log and alert on those.
        if (final.code >= 500) assert.match(final.lines[0] ?? '', /^5\d\d[ -]5\.\d{1,3}\.\d{1,3} /, label);
        finals.set(final.code, (finals.get(final.code) ?? 0) + 1);
        assert.equal((await c.cmd('RSET'))?.code, 250, label);
      }
      const bye = await c.cmd('QUIT');
      assert.ok(bye === undefined || bye.code === 221);
      c.close();
    }
    t.diagnostic(JSON.stringify(Object.fromEntries(finals)));
    assert.ok((finals.get(250) ?? 0) > 5, 'some mutants must still be accepted');
    assert.ok(
      [...finals.keys()].some((k) => k >= 500),
      'some mutants must be refused',
    );
  });

  test('100 random SMTP dialogues from an unknown address: proper replies, no wrong AUTH accepted, no mail taken', async (t) => {
    const dialogues = fc.sample(fc.array(smtpLine, { minLength: 1, maxLength: 12 }), {
      seed: SEED + 1,
      numRuns: 100,
    });
    const codes = new Map<number, number>();
    for (let i = 0; i < dialogues.length; i += 10) {
      await Promise.all(
        dialogues.slice(i, i + 10).map(async (lines, k) => {
          const label = `dialogue ${i + k}`;
          // 127.0.0.2 is no peer's allowed IP: only a successful AUTH could make it one, and none may succeed.
          const c = await RawSmtp.open(rig.port, '127.0.0.2');
          try {
            assert.equal((await c.reply())?.code, 220, label);
            for (const line of lines) {
              const r = await c.cmd(line);
              if (r === undefined) break; // the server closed (QUIT, too many errors): fine
              codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
              assert.notEqual(r.code, 235, `${label}: ${String(line)} authenticated`);
              if (r.code === 334) {
                // AUTH LOGIN / CRAM-MD5 challenge: answer with junk, it must fail.
                const r2 = await c.cmd(b64('peer-b'));
                if (r2?.code === 334) {
                  const r3 = await c.cmd(b64('not-the-password'));
                  assert.ok(r3 === undefined || r3.code >= 500, `${label}: ${r3?.lines.join(' | ')}`);
                } else assert.ok(r2 === undefined || r2.code >= 500, `${label}: ${r2?.lines.join(' | ')}`);
              }
              if (r.code === 354) {
                c.socket.write(dataPayload(forward(`fz-unknown-${i + k}`)));
                const final = await c.reply(10_000);
                assert.ok(
                  final === undefined || final.code >= 400,
                  `${label}: mail taken from an unknown peer`,
                );
              }
            }
          } finally {
            c.close();
          }
        }),
      );
    }
    t.diagnostic(JSON.stringify(Object.fromEntries([...codes].sort())));
    assert.ok([...codes.keys()].some((k) => k >= 500));
  });

  test('after the fuzz run: a clean forward.REQ gets 250, and the heap stayed bounded', async (t) => {
    const r = await sendRaw(rig.port, forward('fz-final'), { from: `x@${PEER_DOMAIN}`, to: [RCPT] });
    assert.equal(r.code, 250, r.response);
    const grewBy = heapAfterGc() - heapBefore;
    t.diagnostic(`heap after GC grew by ${(grewBy / 1048576).toFixed(2)} MiB`);
    assert.ok(grewBy < 32 * 1024 * 1024, `heap grew by ${(grewBy / 1048576).toFixed(1)} MiB`);
  });
});
