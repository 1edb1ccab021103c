import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isHubError, toSmtpReply } from '@hub/errors';
import { encodeMm4 } from './encode.js';
import { decodeMm4, stripCaptureArtefacts } from './pdu.js';

const mail = (lines: string[]) => Buffer.from(lines.join('\r\n'));
const base = [
  'X-Mms-Message-Type: MM4_forward.RES',
  'X-Mms-Transaction-ID: t',
  'X-Mms-Request-Status-Code: Ok',
];

function throwsCode(fn: () => unknown, code: string, smtp: readonly [number, string]): void {
  assert.throws(fn, (e) => {
    assert.ok(isHubError(e, code), String(e));
    assert.deepEqual(toSmtpReply(e), smtp);
    return true;
  });
}

test('message type is case-insensitive and reported in canonical spelling', () => {
  const p = decodeMm4(mail(['X-MMS-MESSAGE-TYPE: mm4_Delivery_report.RES', ...base.slice(1), '', '']));
  assert.equal(p.type, 'MM4_delivery_report.RES');
});

test('typed errors carry the SMTP reply: missing/unknown type, missing ids, bad content', () => {
  throwsCode(() => decodeMm4(mail(['From: a@b.c', '', 'hi'])), 'HUB_ERR_MM4_MISSING_HEADER', [554, '5.6.0']);
  throwsCode(
    () => decodeMm4(mail(['X-Mms-Message-Type: MM4_acknowledgement', 'X-Mms-Transaction-ID: t', '', ''])),
    'HUB_ERR_MM4_UNSUPPORTED_TYPE',
    [554, '5.6.0'],
  );
  throwsCode(() => decodeMm4(mail([base[0] as string, '', ''])), 'HUB_ERR_MM4_MISSING_HEADER', [
    554,
    '5.6.0',
  ]);
  throwsCode(() => decodeMm4(mail(base.slice(0, 2).concat('', ''))), 'HUB_ERR_MM4_MISSING_HEADER', [
    554,
    '5.6.0',
  ]);
  const fwd = [
    'X-Mms-Message-Type: MM4_forward.REQ',
    'X-Mms-Transaction-ID: t',
    'X-Mms-Message-ID: m',
    'From: +1555/TYPE=PLMN',
  ];
  throwsCode(
    () => decodeMm4(mail([...fwd, 'Content-Type: multipart/related', '', 'x'])),
    'HUB_ERR_MM4_MALFORMED',
    [554, '5.6.0'],
  );
  throwsCode(
    () => decodeMm4(mail([...fwd, 'Content-Transfer-Encoding: x-uuencode', '', 'x'])),
    'HUB_ERR_MM4_UNSUPPORTED_ENCODING',
    [554, '5.6.1'],
  );
  throwsCode(() => decodeMm4(mail([...fwd, 'To: zz/TYPE=PLMN', '', 'x'])), 'HUB_ERR_MM4_INVALID_ADDRESS', [
    553,
    '5.1.3',
  ]);
  throwsCode(() => decodeMm4(mail(fwd.slice(0, 3).concat('', 'x'))), 'HUB_ERR_MM4_MISSING_HEADER', [
    554,
    '5.6.0',
  ]);
  throwsCode(() => decodeMm4(Buffer.alloc(100), { maxSize: 10 }), 'HUB_ERR_MM4_LIMIT_EXCEEDED', [
    552,
    '5.3.4',
  ]);
  throwsCode(() => decodeMm4(Buffer.alloc(0)), 'HUB_ERR_MM4_MALFORMED', [554, '5.6.0']);
});

test('capture artefacts: BOM and SMTP tail are removed, live data is left alone', () => {
  const body = Buffer.from('\ufeffA: 1\n\nline\n.\nQUIT\n250 Ok\n221 bye\n');
  assert.equal(stripCaptureArtefacts(body).toString(), 'A: 1\n\nline\n');
  assert.equal(stripCaptureArtefacts(Buffer.from('A: 1\n\nline\n.')).toString(), 'A: 1\n\nline\n');
  const live = Buffer.from('A: 1\n\n250 Ok\nno dot here\n');
  assert.equal(stripCaptureArtefacts(live), live);
  const res = decodeMm4(Buffer.from(`\ufeff${base.join('\n')}\n\n.\nQUIT\n501 syntax error\n221 bye`));
  assert.equal(res.type, 'MM4_forward.RES');
});

// Deterministic PRNG so failures reproduce.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('fuzz-ish: truncations and byte flips yield a PDU or a HubError, nothing else', () => {
  const seeds: Buffer[] = [
    encodeMm4({
      type: 'MM4_forward.REQ',
      transactionId: 't1',
      messageId: 'm1',
      from: '+15550001',
      to: ['+15550002', 'x@y.z'],
      subject: 'Grüße',
      originatorSystem: 'sys@hub.example',
      recipientDomain: 'peer.example',
      start: 's',
      boundary: 'bnd',
      date: new Date(0),
      parts: [
        { contentType: 'application/smil', body: '<smil/>', contentId: 's' },
        { contentType: 'text/plain', body: 'héllo', contentId: 't' },
        { contentType: 'image/gif', body: Buffer.from('GIF89a\x00\x01\x02', 'latin1'), contentId: 'g' },
      ],
    }).mail,
  ];
  const repoRoot = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
  const vec = path.resolve(
    repoRoot,
    '../shared/vectors/mm4/mm4-forward-req-v5.5.0-hotmobile-il-20-recipients-smil-text-smtp-tail.eml',
  );
  if (existsSync(vec)) seeds.push(readFileSync(vec));
  const next = rng(0xc0ffee);
  let decoded = 0;
  let rejected = 0;
  const attempt = (buf: Buffer): void => {
    try {
      decodeMm4(buf);
      decoded++;
    } catch (e) {
      assert.ok(isHubError(e), `non-HubError: ${String(e)}`);
      assert.ok(toSmtpReply(e)[0] >= 500);
      rejected++;
    }
  };
  for (const seed of seeds) {
    for (let i = 0; i < 300; i++) attempt(seed.subarray(0, Math.floor(next() * seed.length)));
    for (let i = 0; i < 300; i++) {
      const copy = Buffer.from(seed);
      const flips = 1 + Math.floor(next() * 8);
      for (let k = 0; k < flips; k++) copy[Math.floor(next() * copy.length)] = Math.floor(next() * 256);
      attempt(copy);
    }
    // Structural noise: CR/LF/colon/dash/quote injections at random places.
    for (let i = 0; i < 200; i++) {
      const at = Math.floor(next() * seed.length);
      const junk = ['\r\n', '\n\n', ':', '--', '"', '=?', '/TYPE=', '\t'][Math.floor(next() * 8)] as string;
      attempt(Buffer.concat([seed.subarray(0, at), Buffer.from(junk), seed.subarray(at)]));
    }
  }
  assert.ok(decoded > 0 && rejected > 0);
});
