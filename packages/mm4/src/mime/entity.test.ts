import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHubError } from '@hub/errors';
import {
  decodeBase64,
  decodeQuotedPrintable,
  decodeTransferEncoding,
  leaves,
  parseEntity,
  splitMultipart,
} from './entity.js';
import { parseHeaderBlock } from './headers.js';

function entity(s: string | Buffer, limits = {}) {
  const buf = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  const { headers, bodyStart } = parseHeaderBlock(buf);
  return parseEntity(headers, buf.subarray(bodyStart), limits);
}

test('splitMultipart: CRLF belongs to the delimiter, padding allowed, prefixes ignored, epilogue dropped', () => {
  const body = Buffer.from(
    'preamble\r\n--b \t\r\nA\r\n--bx not a delimiter\r\n\r\n--b\nB\n--b--\r\n.\r\nQUIT\r\n',
    'latin1',
  );
  const parts = splitMultipart(body, 'b').map((p) => p.toString('latin1'));
  assert.deepEqual(parts, ['A\r\n--bx not a delimiter\r\n', 'B']);
});

test('splitMultipart: missing close delimiter keeps the last part; no delimiter is malformed', () => {
  assert.deepEqual(
    splitMultipart(Buffer.from('--b\r\nA\r\n--b\r\nB tail'), 'b').map((p) => p.toString()),
    ['A', 'B tail'],
  );
  assert.throws(
    () => splitMultipart(Buffer.from('nothing here'), 'b'),
    (e) => isHubError(e, 'HUB_ERR_MM4_MALFORMED'),
  );
});

test('transfer encodings: base64 (upper-case name, lenient), quoted-printable, identity, unsupported', () => {
  assert.equal(decodeTransferEncoding(Buffer.from('aGVs\r\nbG8='), 'base64').toString(), 'hello');
  assert.equal(
    decodeQuotedPrintable(Buffer.from('caf=C3=A9 =\r\nau lait=3D=\nx =ZZ')).toString(),
    'café au lait=x =ZZ',
  );
  const raw = Buffer.from([0xff, 0x00, 0x0d, 0x0a]);
  assert.equal(decodeTransferEncoding(raw, 'binary'), raw);
  assert.throws(
    () => decodeTransferEncoding(raw, 'x-uuencode'),
    (e) => isHubError(e, 'HUB_ERR_MM4_UNSUPPORTED_ENCODING'),
  );
});

test('nested multipart/mixed inside multipart/related; part metadata and exact bytes', () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);
  const mail = Buffer.concat([
    Buffer.from(
      'Content-Type: multipart/related; boundary=outer; type="application/smil"; start="<s>"\r\n\r\n' +
        '--outer\r\nContent-Type: application/smil\r\nContent-ID: <s>\r\n\r\n<smil/>\r\n' +
        '--outer\r\nContent-Type: multipart/mixed; boundary="in ner"\r\n\r\n' +
        '--in ner\r\nContent-Type: text/plain; charset=EUC-KR\r\nContent-Transfer-Encoding: BASE64\r\nContent-ID: t1\r\nContent-Location: t.txt\r\n\r\nvsiz58fPvLy/5A==\r\n' +
        '--in ner\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: binary\r\nContent-Disposition: attachment; filename="p.png"\r\n\r\n',
    ),
    png,
    Buffer.from('\r\n--in ner--\r\n--outer--\r\n'),
  ]);
  const root = entity(mail);
  assert.equal(root.kind, 'multipart');
  const ls = leaves(root);
  assert.deepEqual(
    ls.map((l) => [l.contentType, l.contentId, l.contentLocation, l.charset, l.filename, l.disposition]),
    [
      ['application/smil', 's', undefined, undefined, undefined, undefined],
      ['text/plain', 't1', 't.txt', 'euc-kr', undefined, undefined],
      ['image/png', undefined, undefined, undefined, 'p.png', 'attachment'],
    ],
  );
  assert.deepEqual(ls[2]?.body, png);
  assert.equal(ls[1]?.body.toString('hex'), 'bec8b3e7c7cfbcbcbfe4');
});

test('limits: nesting depth and part count', () => {
  let nested = 'Content-Type: text/plain\r\n\r\nx';
  for (let i = 0; i < 5; i++)
    nested = `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n${nested}\r\n--b${i}--`;
  assert.throws(
    () => entity(nested, { maxDepth: 3 }),
    (e) => isHubError(e, 'HUB_ERR_MM4_LIMIT_EXCEEDED'),
  );
  assert.equal(leaves(entity(nested)).length, 1);
  const many = `Content-Type: multipart/mixed; boundary=b\r\n\r\n${'--b\r\n\r\nx\r\n'.repeat(10)}--b--`;
  assert.throws(
    () => entity(many, { maxParts: 5 }),
    (e) => isHubError(e, 'HUB_ERR_MM4_LIMIT_EXCEEDED'),
  );
  assert.throws(
    () => entity('Content-Type: multipart/mixed\r\n\r\nx'),
    (e) => isHubError(e, 'HUB_ERR_MM4_MALFORMED'),
  );
});

test('decodeBase64: bodies above 96 KiB, decoded in slices, give the bytes of a one-string decode', () => {
  const reference = (b: Buffer): Buffer => Buffer.from(b.toString('latin1'), 'base64');
  const wrap = (s: string, width: number, eol: string): string => {
    if (width <= 0) return s;
    const lines: string[] = [];
    for (let i = 0; i < s.length; i += width) lines.push(s.slice(i, i + width));
    return lines.join(eol) + eol;
  };
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const sizes = [0, 1, 2, 3, 70_000, 72_000, 73_730, 100 * 1024, 100 * 1024 + 1, 100 * 1024 + 2, 300_000];
  const widths = [76, 64, 60, 57, 73, 4, 1000, 0];
  for (const size of sizes) {
    const bytes = Buffer.alloc(size);
    for (let i = 0; i < size; i++) bytes[i] = rnd(256);
    for (const width of widths) {
      for (const eol of ['\r\n', '\n']) {
        const text = wrap(bytes.toString('base64'), width, eol);
        const clean = Buffer.from(text, 'latin1');
        assert.ok(decodeBase64(clean).equals(bytes), `${size} bytes, width ${width}`);
        // Junk, inner padding, spaces, cut groups: whatever Node makes of it, the same.
        for (const junk of [' ', '\t', '=', '*', '==', 'A', '\r', '\n\n']) {
          const at = rnd(text.length + 1);
          const odd = Buffer.from(text.slice(0, at) + junk + text.slice(at), 'latin1');
          assert.ok(
            decodeBase64(odd).equals(reference(odd)),
            `${size}/${width}: ${JSON.stringify(junk)} at ${at}`,
          );
        }
      }
    }
  }
});
