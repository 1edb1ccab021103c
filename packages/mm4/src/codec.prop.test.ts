/**
 * Property-based tests (fast-check) of the MM4 codec: decodeMm4 on mutated mails only throws HubErrors
 * whose SMTP reply is 5xx; encodeMm4 → decodeMm4 round-trips generated headers (unicode subjects,
 * many recipients) and part bytes. Seeded and bounded.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isHubError, toSmtpReply } from '@hub/errors';
import fc from 'fast-check';
import { parseMm4Address } from './address.js';
import { encodeMm4, type Mm4ForwardReqInit, type Mm4PartInit } from './encode.js';
import { decodeEncodedWords, encodeEncodedWords } from './mime/rfc2047.js';
import { decodeMm4, type Mm4Part } from './pdu.js';

const SEED = 0x5eed_0404;
const params = (numRuns: number) => ({ seed: SEED, numRuns });

// ---------------------------------------------------------------------------------------------
// Seeds: an encoded forward.REQ, an encoded RES, and the shared real-world vectors (read in place)
// ---------------------------------------------------------------------------------------------

const encodedForward = encodeMm4({
  type: 'MM4_forward.REQ',
  transactionId: 'prop-tx',
  messageId: 'prop-mid@mms.hub.example',
  from: '+447700900001',
  to: ['+972590000003', 'a@b.example'],
  cc: ['+972590000004/TYPE=PLMN'],
  subject: 'Grüße 👋',
  date: new Date('2024-03-01T10:20:30Z'),
  originatorSystem: 'system-user@mms.hub.example',
  senderDomain: 'mms.hub.example',
  recipientDomain: 'mms.peer.example',
  boundary: 'prop-boundary',
  parts: [
    { contentType: 'application/smil', body: '<smil><body/></smil>', contentId: 'smil' },
    { contentType: 'text/plain', body: 'héllo', contentId: 't' },
    { contentType: 'image/jpeg', body: Buffer.alloc(200, 0xd8), contentId: 'i', filename: 'a.jpg' },
  ],
}).mail;
const encodedRes = encodeMm4({
  type: 'MM4_forward.RES',
  transactionId: 'prop-tx',
  messageId: 'prop-mid',
  requestStatus: 'Ok',
  statusText: 'fine ✓',
  to: 'system-user@mms.peer.example',
  originatorSystem: 'system-user@mms.hub.example',
  date: new Date('2024-03-01T10:20:30Z'),
}).mail;

const vectorDir = path.resolve(
  fileURLToPath(new URL('.', import.meta.url)),
  '../../../../shared/vectors/mm4',
);
const vectors = existsSync(vectorDir)
  ? readdirSync(vectorDir)
      .filter((f) => f.endsWith('.eml'))
      .sort()
      .map((f) => readFileSync(path.join(vectorDir, f)))
  : [];
const seeds: readonly Buffer[] = [encodedForward, encodedRes, ...vectors];

// ---------------------------------------------------------------------------------------------
// decodeMm4 on mutated mails
// ---------------------------------------------------------------------------------------------

const TOKENS = [
  '\r\n',
  '\n',
  '\r\n\r\n',
  '\r\n ',
  ':',
  ';',
  ',',
  '"',
  '<',
  '>',
  '@',
  '/TYPE=PLMN',
  '/TYPE=IPv4',
  '/TYPE=IPv6',
  '=?utf-8?B?',
  '=?utf-8?Q?=C3=',
  '?=',
  '=?bogus?X?zz?=',
  'X-Mms-Message-Type: MM4_forward.REQ\r\n',
  'X-Mms-Message-Type: MM4_unknown.REQ\r\n',
  'X-Mms-Transaction-ID:\r\n',
  'Content-Type: multipart/mixed; boundary=x\r\n',
  'Content-Transfer-Encoding: uuencode\r\n',
  'Content-Transfer-Encoding: quoted-printable\r\n',
  '--',
  '--prop-boundary',
  '--prop-boundary--',
  'boundary=',
  "charset*=utf-8''%ZZ",
  '\0',
  '\xff',
  '.\r\nQUIT\r\n',
  'To: ,,,,\r\n',
  'x'.repeat(1200),
].map((t) => Buffer.from(t, 'latin1'));

type Mutation =
  | { op: 'set'; at: number; byte: number }
  | { op: 'insert'; at: number; bytes: Buffer }
  | { op: 'delete'; at: number; len: number }
  | { op: 'dup'; at: number; len: number; to: number }
  | { op: 'truncate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.oneof(
      fc.constantFrom(...TOKENS),
      fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => Buffer.from(b)),
    ),
  }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({
    op: fc.constant('dup' as const),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 200 }),
    to: fc.nat(),
  }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

function applyMutations(body: Buffer, muts: readonly Mutation[]): Buffer {
  let b = Buffer.from(body);
  for (const m of muts) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1);
    if (m.op === 'set') {
      if (at < b.length) b[at] = m.byte;
    } else if (m.op === 'insert') b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
    else if (m.op === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
    else if (m.op === 'dup') {
      const to = b.length === 0 ? 0 : m.to % (b.length + 1);
      b = Buffer.concat([b.subarray(0, to), Buffer.from(b.subarray(at, at + m.len)), b.subarray(to)]);
    } else b = b.subarray(0, at);
  }
  return b;
}

/** decodeMm4's contract on one input; returns whether it decoded. */
function decodeOr5xx(mail: Buffer): boolean {
  try {
    decodeMm4(mail, { maxSize: 1 << 20 });
    return true;
  } catch (e) {
    assert.ok(isHubError(e), `non-Hub error: ${String(e)}`);
    assert.ok(e.code.startsWith('HUB_ERR_MM4_'), e.code);
    const [code, enhanced] = toSmtpReply(e);
    assert.ok(code >= 500 && code <= 599, `${e.code} → ${code}`);
    assert.match(enhanced, /^5\.\d{1,3}\.\d{1,3}$/);
    // decodeMm4 wraps non-Hub failures as a last resort; reaching that wrapper means an unguarded path.
    assert.ok(!(e.cause !== undefined && !isHubError(e.cause)), `defensive wrapper hit: ${String(e.cause)}`);
    return false;
  }
}

test('the shared MM4 vectors are present to seed mutations', (t) => {
  if (vectors.length === 0) t.diagnostic('vectors folder absent: mutating encoded mails only');
  for (const v of seeds) assert.equal(decodeOr5xx(v), true);
});

test('decodeMm4 on mutated mails throws only HubErrors carrying a 5xx SMTP reply', () => {
  let decoded = 0;
  let refused = 0;
  fc.assert(
    fc.property(
      fc.constantFrom(...seeds),
      fc.array(mutation, { minLength: 1, maxLength: 6 }),
      (seed, muts) => {
        if (decodeOr5xx(applyMutations(seed, muts))) decoded++;
        else refused++;
      },
    ),
    params(1500),
  );
  assert.ok(decoded > 50 && refused > 50, `decoded ${decoded}, refused ${refused}`);
});

test('decodeMm4 on random bytes and random header soups throws only 5xx HubErrors', () => {
  const headerLine = fc
    .tuple(
      fc.constantFrom(
        'X-Mms-Message-Type',
        'X-Mms-Transaction-ID',
        'X-Mms-Message-ID',
        'From',
        'To',
        'Cc',
        'Subject',
        'Content-Type',
        'Content-Transfer-Encoding',
        'X-Mms-Expiry',
        'Date',
        'X-Mms-Forward-Counter',
        'X-Mms-Request-Status-Code',
      ),
      fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.constantFrom(
          'MM4_forward.REQ',
          'MM4_forward.RES',
          'multipart/related; boundary=b',
          'base64',
          '+1555/TYPE=PLMN',
          '=?utf-8?B?w6k=?=',
          'Ok',
          '99999999999999999999',
        ),
      ),
    )
    .map(([k, v]) => `${k}: ${v}\r\n`);
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 500 }).map((b) => Buffer.from(b)),
        fc
          .tuple(fc.array(headerLine, { maxLength: 15 }), fc.string({ maxLength: 200 }))
          .map(([h, body]) => Buffer.from(`${h.join('')}\r\n${body}`, 'utf8')),
      ),
      (mail) => {
        decodeOr5xx(mail);
      },
    ),
    params(800),
  );
});

// ---------------------------------------------------------------------------------------------
// encodeMm4 → decodeMm4
// ---------------------------------------------------------------------------------------------

const digits = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: min, maxLength: max });
const msisdn = fc.tuple(fc.boolean(), digits(3, 15)).map(([plus, d]) => `${plus ? '+' : ''}${d}`);
const word = fc.string({ unit: fc.constantFrom(...'abcdefxyz0129'.split('')), minLength: 1, maxLength: 10 });
const email = fc.tuple(word, word).map(([l, d]) => `${l}.x@${d}.example`);
const recipient = fc.oneof(
  msisdn,
  msisdn.map((m) => `${m}/TYPE=PLMN`),
  email,
);

const subjectUnit = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }) },
  fc.constantFrom(
    '=?',
    '?=',
    '=?utf-8?B?w6k=?=',
    '_',
    '"',
    '  ',
    '\t',
    '😀',
    'e\u0301',
    '한국어',
    'שלום',
    'x'.repeat(90),
  ),
);
/** Any Unicode except CR/LF/NUL, which the encoder refuses in a Subject. */
const subject = fc.array(subjectUnit, { maxLength: 25 }).map((a) => a.join('').replace(/[\r\n\0]/g, ' '));
const idish = fc.string({ unit: fc.constantFrom(...'abcXYZ0189-_.'.split('')), minLength: 1, maxLength: 40 });

const part: fc.Arbitrary<Mm4PartInit> = fc
  .record({
    contentType: fc.constantFrom('image/jpeg', 'text/plain', 'application/smil', 'audio/amr', 'video/3gpp'),
    body: fc.oneof(
      fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.constantFrom('line1\r\nline2\r\n', 'bare\nlf', '.\r\n.leading dot\r\n', 'x'.repeat(1200), ''),
    ),
    contentId: fc.option(idish, { nil: undefined }),
    filename: fc.option(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map((s) => s.replace(/[\r\n\0<>]/g, '_')),
      {
        nil: undefined,
      },
    ),
  })
  .map((p) => ({ ...p }));

test('encodeMm4 → decodeMm4 round-trips a forward.REQ: unicode subjects, many recipients, exact part bytes', () => {
  fc.assert(
    fc.property(
      fc.record({
        transactionId: idish,
        messageId: idish,
        from: msisdn,
        to: fc.array(recipient, { minLength: 1, maxLength: 60 }),
        cc: fc.array(recipient, { maxLength: 10 }),
        subject: fc.option(subject, { nil: undefined }),
        deliveryReport: fc.option(fc.boolean(), { nil: undefined }),
        readReply: fc.option(fc.boolean(), { nil: undefined }),
        parts: fc.array(part, { minLength: 1, maxLength: 5 }),
      }),
      (f) => {
        const init: Mm4ForwardReqInit = {
          type: 'MM4_forward.REQ',
          transactionId: f.transactionId,
          messageId: f.messageId,
          from: f.from,
          to: f.to,
          cc: f.cc,
          ...(f.subject === undefined ? {} : { subject: f.subject }),
          ...(f.deliveryReport === undefined ? {} : { deliveryReport: f.deliveryReport }),
          ...(f.readReply === undefined ? {} : { readReply: f.readReply }),
          originatorSystem: 'system-user@mms.hub.example',
          senderDomain: 'mms.hub.example',
          recipientDomain: 'mms.peer.example',
          date: new Date('2024-03-01T10:20:30Z'),
          parts: f.parts,
        };
        const { mail, envelope } = encodeMm4(init);
        assert.equal(envelope.to.length, f.to.length + f.cc.length);
        const d = decodeMm4(mail);
        assert.equal(d.type, 'MM4_forward.REQ');
        if (d.type !== 'MM4_forward.REQ') return;
        assert.equal(d.transactionId, f.transactionId);
        assert.equal(d.messageId, f.messageId);
        assert.equal(d.from.value, parseMm4Address(f.from).value);
        assert.deepEqual(
          d.to.map((a) => a.value),
          f.to.map((a) => parseMm4Address(a).value),
        );
        assert.deepEqual(
          d.cc.map((a) => a.value),
          f.cc.map((a) => parseMm4Address(a).value),
        );
        // A subject sent as plain ASCII is read trimmed (edge blanks of a header value are not content);
        // one sent as encoded-words comes back exactly.
        const plain =
          f.subject !== undefined && /^[\x20-\x7e]*$/.test(f.subject) && !f.subject.includes('=?');
        assert.equal(d.subject, plain ? f.subject?.trim() : f.subject);
        assert.equal(d.deliveryReport, f.deliveryReport);
        assert.equal(d.readReply, f.readReply);
        assert.equal(d.parts.length, f.parts.length);
        for (const [i, p] of f.parts.entries()) {
          const got: Mm4Part | undefined = d.parts[i];
          assert.ok(got !== undefined);
          const want = typeof p.body === 'string' ? Buffer.from(p.body, 'utf8') : p.body;
          assert.deepEqual(got.body, want, `part ${i} bytes`);
          assert.equal(got.contentType, p.contentType);
          assert.equal(got.contentId, p.contentId);
          assert.equal(got.filename, p.filename);
        }
      },
    ),
    params(250),
  );
});

test('RFC 2047: decodeEncodedWords(encodeEncodedWords(s)) === s for any single-line Unicode', () => {
  fc.assert(
    fc.property(subject, (s) => {
      assert.equal(decodeEncodedWords(encodeEncodedWords(s)), s);
    }),
    params(500),
  );
});

test('regression: an ASCII subject that looks like an encoded-word is sent encoded, not decoded by the peer', () => {
  const literal = 'price =?utf-8?B?w6k=?= today';
  const enc = encodeEncodedWords(literal);
  assert.notEqual(enc, literal);
  assert.equal(decodeEncodedWords(enc), literal);
  const { mail } = encodeMm4({
    type: 'MM4_forward.REQ',
    transactionId: 't',
    messageId: 'm',
    from: '+15550001',
    to: ['+15550002'],
    subject: literal,
    originatorSystem: 'system-user@mms.hub.example',
    recipientDomain: 'mms.peer.example',
    parts: [{ contentType: 'text/plain', body: 'x' }],
  });
  const d = decodeMm4(mail);
  assert.equal(d.type === 'MM4_forward.REQ' ? d.subject : undefined, literal);
  // Plain ASCII without `=?` still goes as is.
  assert.equal(encodeEncodedWords('plain ? = text'), 'plain ? = text');
});
