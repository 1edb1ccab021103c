import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isHubError, toMm7Status } from '@hub/errors';
import {
  buildMultipart,
  buildMultipartRelated,
  decodeBase64,
  decodeQuotedPrintable,
  findPartByContentId,
  findPartByLocation,
  normalizeContentId,
  parseContentType,
  parseMultipart,
} from './mime.js';

const golden = (name: string): Buffer => readFileSync(new URL(`./__golden__/${name}`, import.meta.url));

test('parseContentType: quoted/unquoted params, case, folding whitespace, RFC 2231', () => {
  assert.deepEqual(parseContentType('Multipart/Related; boundary="a b;c"; type="text/xml"; start="<x>"'), {
    type: 'multipart/related',
    params: { boundary: 'a b;c', type: 'text/xml', start: '<x>' },
  });
  assert.deepEqual(
    parseContentType('multipart/related;Start=0.smil;Type=application/smil; \r\n\tboundary=abc;'),
    {
      type: 'multipart/related',
      params: { start: '0.smil', type: 'application/smil', boundary: 'abc' },
    },
  );
  assert.deepEqual(parseContentType("image/jpeg; name*=utf-8''gr%C3%BC%C3%9Fe.jpg")?.params, {
    name: 'grüße.jpg',
  });
  assert.deepEqual(parseContentType('text/plain; x="a\\"b"')?.params, { x: 'a"b' });
  assert.equal(parseContentType('garbage'), undefined);
  assert.equal(parseContentType(undefined), undefined);
});

test('normalizeContentId strips brackets and spaces', () => {
  assert.equal(normalizeContentId(' <a@b> '), 'a@b');
  assert.equal(normalizeContentId('content_15'), 'content_15');
  assert.equal(normalizeContentId('< x >'), 'x');
});

test('golden multipart: preamble, padded delimiter, LF endings, folded headers, nesting, QP, base64, epilogue', () => {
  const body = golden('submitreq-rel6-mm7-1-4-v6.8.0-multipart.mime');
  const mp = parseMultipart(
    body,
    'multipart/related; boundary=outer-boundary; type="text/xml"; start="<soap-root>"',
  );
  assert.equal(mp.closed, true);
  assert.equal(mp.parts.length, 3);
  const [soap, content, png] = mp.parts;
  assert.equal(soap?.contentType, 'text/xml');
  assert.equal(soap?.contentId, 'soap-root');
  assert.equal(soap?.charset, 'utf-8');
  assert.ok(soap?.body.toString('utf8').startsWith('<?xml'));
  assert.ok(soap?.body.toString('utf8').endsWith('</env:Envelope>'));

  assert.equal(content?.contentType, 'multipart/related');
  assert.equal(content?.contentId, 'content-root');
  assert.deepEqual(content?.params, { boundary: 'inner', type: 'application/smil', start: '<smil>' });
  assert.equal(content?.parts?.length, 3);
  const [smil, text, alt] = content?.parts ?? [];
  assert.equal(smil?.contentType, 'application/smil');
  assert.equal(smil?.body.toString(), '<smil><body><par><text src="cid:t1"/></par></body></smil>');
  assert.equal(text?.transferEncoding, 'quoted-printable');
  assert.equal(text?.charset, 'iso-8859-1');
  assert.deepEqual(text?.body, Buffer.from('Gr\xfc\xdfe, soft break', 'latin1'));
  assert.equal(alt?.contentType, 'multipart/alternative');
  assert.deepEqual(
    alt?.parts?.map((p) => [p.contentType, p.body.toString()]),
    [
      ['text/plain', 'plain'],
      ['text/html', '<p>html</p>'],
    ],
  );

  assert.equal(png?.contentLocation, 'logo.png');
  assert.equal(png?.transferEncoding, 'base64');
  assert.deepEqual(png?.body, Buffer.from('89504e470d0a1a0a0000000d', 'hex'));
  assert.equal(findPartByContentId(mp.parts, '<T1>'), text);
  assert.equal(findPartByLocation(mp.parts, 'LOGO.PNG'), png);
});

test('binary parts keep exact bytes (CR, LF, NUL, 0xFF, fake delimiters) and are views, not copies', () => {
  const bin = Buffer.from([
    0x00, 0x0d, 0x0a, 0x2d, 0x2d, 0x62, 0xff, 0x0d, 0x0a, 0x0d, 0x0a, 0x2d, 0x2d, 0x62, 0x58, 0x0a, 0xfe,
  ]);
  const body = Buffer.concat([
    Buffer.from('--b\r\nContent-Type: application/octet-stream\r\nContent-ID: <bin>\r\n\r\n'),
    bin,
    Buffer.from('\r\n--b--\r\n'),
  ]);
  const mp = parseMultipart(body, 'multipart/related; boundary=b');
  const part = mp.parts[0];
  assert.deepEqual(part?.body, bin);
  assert.equal(part?.body.buffer, body.buffer);
});

test('body-only capture: boundary from the first line; boundary-less header too', () => {
  const body = Buffer.from('\n--xyz\nContent-Type: text/plain\n\nhello\n--xyz--\n');
  assert.equal(parseMultipart(body, undefined).parts[0]?.body.toString(), 'hello');
  assert.equal(parseMultipart(body, 'multipart/related; type="text/xml"').boundary, 'xyz');
});

test('missing close delimiter is tolerated (closed=false) unless required', () => {
  const body = Buffer.from(
    '--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b\r\nContent-Type: text/plain\r\n\r\nworld',
  );
  const mp = parseMultipart(body, 'multipart/mixed; boundary=b');
  assert.equal(mp.closed, false);
  assert.deepEqual(
    mp.parts.map((p) => p.body.toString()),
    ['hello', 'world'],
  );
  assert.throws(
    () => parseMultipart(body, 'multipart/mixed; boundary=b', { requireCloseDelimiter: true }),
    (e: unknown) => isHubError(e, 'HUB_ERR_MM7_MIME_MALFORMED') && toMm7Status(e) === 4004,
  );
});

test('headers without a blank line: body starts at the first non-header line', () => {
  const body = Buffer.from('--b\nContent-Type: text/plain\nContent-ID: t.txt\nTest MO message!\n--b--\n');
  const part = parseMultipart(body, 'multipart/mixed; boundary=b').parts[0];
  assert.equal(part?.contentId, 't.txt');
  assert.equal(part?.body.toString(), 'Test MO message!');
});

test('no boundary anywhere, or delimiter absent → HUB_ERR_MM7_MIME_MALFORMED (4004)', () => {
  const isMalformed = (e: unknown): boolean =>
    isHubError(e, 'HUB_ERR_MM7_MIME_MALFORMED') && toMm7Status(e) === 4004;
  assert.throws(() => parseMultipart(Buffer.from('hello'), undefined), isMalformed);
  assert.throws(
    () => parseMultipart(Buffer.from('hello\n--zz--'), 'multipart/related; boundary=b'),
    isMalformed,
  );
});

test('limits: bytes, parts, depth, header size → HUB_ERR_MM7_MIME_LIMIT (2004)', () => {
  const isLimit = (e: unknown): boolean => isHubError(e, 'HUB_ERR_MM7_MIME_LIMIT') && toMm7Status(e) === 2004;
  const three = Buffer.from('--b\n\na\n--b\n\nb\n--b\n\nc\n--b--\n');
  assert.throws(() => parseMultipart(three, 'multipart/mixed; boundary=b', { maxParts: 2 }), isLimit);
  assert.throws(() => parseMultipart(three, 'multipart/mixed; boundary=b', { maxBytes: 10 }), isLimit);
  let nested = 'x';
  for (let d = 6; d >= 1; d--)
    nested = `--b${d}\nContent-Type: multipart/mixed; boundary=b${d + 1}\n\n${nested}\n--b${d}--`;
  assert.throws(
    () => parseMultipart(Buffer.from(nested), 'multipart/mixed; boundary=b1', { maxDepth: 3 }),
    isLimit,
  );
  const bigHeader = Buffer.from(`--b\nX-Big: ${'a'.repeat(200)}\n\nbody\n--b--`);
  assert.throws(
    () => parseMultipart(bigHeader, 'multipart/mixed; boundary=b', { maxHeaderBytes: 100 }),
    isLimit,
  );
});

test('decodeQuotedPrintable: escapes, soft breaks (CRLF and LF), malformed escapes kept', () => {
  assert.equal(decodeQuotedPrintable(Buffer.from('a=3D=\r\nb=\nc=zz=4')).toString('latin1'), 'a=bc=zz=4');
});

test('buildMultipartRelated: MM7 header shape, CRLF, base64 wrap, nested boundary, re-parses byte-exact', () => {
  const img = Buffer.alloc(300, 0xa5);
  const smil = '<smil/>';
  const entity = buildMultipartRelated(
    [
      { contentType: 'text/xml; charset="utf-8"', contentId: 'soap', body: '<x/>' },
      {
        contentType: 'multipart/related; type="application/smil"; start="<s>"',
        contentId: '<content>',
        boundary: 'inner-b',
        parts: [
          { contentType: 'application/smil', contentId: 's', body: smil },
          {
            contentType: 'image/jpeg',
            contentId: 'img',
            contentLocation: 'a.jpg',
            body: img,
            headers: { 'Content-Disposition': 'inline\r\nX-Evil: 1' },
          },
        ],
      },
    ],
    { boundary: 'outer-b' },
  );
  assert.equal(entity.contentType, 'multipart/related; boundary="outer-b"; type="text/xml"; start="<soap>"');
  const text = entity.body.toString('latin1');
  assert.ok(
    text.startsWith(
      '--outer-b\r\nContent-Type: text/xml; charset="utf-8"\r\nContent-Transfer-Encoding: 8bit\r\nContent-ID: <soap>\r\n\r\n<x/>\r\n',
    ),
  );
  assert.ok(
    text.includes(
      'Content-Type: multipart/related; type="application/smil"; start="<s>"; boundary="inner-b"\r\n',
    ),
  );
  assert.ok(text.includes('Content-Disposition: inline X-Evil: 1\r\n'), 'header injection neutralised');
  assert.ok(text.endsWith('--outer-b--\r\n'));
  for (const line of text.split('\r\n')) assert.ok(line.length <= 998);
  const mp = parseMultipart(entity.body, entity.contentType);
  assert.equal(mp.parts[1]?.contentId, 'content');
  assert.deepEqual(mp.parts[1]?.parts?.[1]?.body, img);
  assert.equal(mp.parts[1]?.parts?.[1]?.contentLocation, 'a.jpg');
  assert.equal(mp.parts[1]?.parts?.[0]?.body.toString(), smil);
});

test('a fixed boundary found inside content is refused; generated boundaries are unique', () => {
  assert.throws(
    () => buildMultipartRelated([{ contentType: 'text/plain', body: 'x\r\n--dup\r\n' }], { boundary: 'dup' }),
    (e: unknown) => isHubError(e, 'HUB_ERR_MM7_ENCODE'),
  );
  const a = buildMultipart('mixed', [{ contentType: 'text/plain', body: 'a' }]);
  const b = buildMultipart('mixed', [{ contentType: 'text/plain', body: 'a' }]);
  assert.notEqual(a.contentType, b.contentType);
  assert.equal(parseMultipart(a.body, a.contentType).parts[0]?.body.toString(), 'a');
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
