import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHeaderBlock, parseParameterized, stripAngle } from './headers.js';
import { decodeEncodedWords, encodeEncodedWords } from './rfc2047.js';

const block = (s: string) => parseHeaderBlock(Buffer.from(s, 'utf8'));

test('unfolds continuation lines, keeps duplicates in order, looks up case-insensitively', () => {
  const { headers, bodyStart } = block(
    'Received: a\r\n\tb\r\nReceived: c\r\nTo: +1/TYPE=PLMN,\r\n        +2/TYPE=PLMN\r\nX-Mms-Transaction-Id: t1\r\n\r\nBODY',
  );
  assert.deepEqual(headers.getAll('received'), ['a\tb', 'c']);
  assert.equal(headers.get('RECEIVED'), 'a\tb');
  assert.equal(headers.get('to'), '+1/TYPE=PLMN,        +2/TYPE=PLMN');
  // -ID vs -Id spelling variants resolve to the same header.
  assert.equal(headers.get('X-Mms-Transaction-ID'), 't1');
  assert.equal(
    bodyStart,
    Buffer.byteLength(
      'Received: a\r\n\tb\r\nReceived: c\r\nTo: +1/TYPE=PLMN,\r\n        +2/TYPE=PLMN\r\nX-Mms-Transaction-Id: t1\r\n\r\n',
    ),
  );
  assert.equal(headers.has('cc'), false);
  assert.deepEqual(headers.getAll('cc'), []);
});

test('LF-only input, whitespace-only continuation, empty values and colon without space', () => {
  const { headers, bodyStart } = block(
    'To: +972590000029/TYPE=PLMN\n        \nSubject: \nContent-ID:<smil>\n\nx',
  );
  assert.equal(headers.get('to'), '+972590000029/TYPE=PLMN');
  assert.equal(headers.get('subject'), '');
  assert.equal(headers.get('content-id'), '<smil>');
  assert.equal(bodyStart, 66);
});

test('quoted ids are unquoted by id(); empty ids count as absent', () => {
  const { headers } = block('X-Mms-Transaction-ID: "386@mms.hotmobile.co.il"\nX-Mms-Message-ID:   \n\n');
  assert.equal(headers.id('x-mms-transaction-id'), '386@mms.hotmobile.co.il');
  assert.equal(headers.id('X-Mms-Message-ID'), undefined);
});

test('a line that is not a header starts the body (missing blank line); no blank line at all', () => {
  const r = block('Content-Type: text/plain\r\n<smil>hello</smil>\r\n');
  assert.equal(r.headers.get('content-type'), 'text/plain');
  assert.equal(r.bodyStart, 'Content-Type: text/plain\r\n'.length);
  const r2 = block('A: 1\r\nB: 2');
  assert.equal(r2.headers.get('b'), '2');
  assert.equal(r2.bodyStart, 'A: 1\r\nB: 2'.length);
});

test('8-bit header bytes: UTF-8 when valid, Latin-1 otherwise', () => {
  const utf8 = parseHeaderBlock(Buffer.from('Subject: שלום\r\n\r\n', 'utf8'));
  assert.equal(utf8.headers.get('subject'), 'שלום');
  const latin = parseHeaderBlock(Buffer.from([...Buffer.from('Subject: Gr'), 0xfc, 0x0d, 0x0a, 0x0d, 0x0a]));
  assert.equal(latin.headers.get('subject'), 'Grü');
});

test('RFC 2047: UTF-8 B, ISO-8859-1 Q, EUC-KR, adjacent words joined, unknown charset kept', () => {
  assert.equal(decodeEncodedWords('=?UTF-8?B?16nXnNeV150g16LXldec150=?='), 'שלום עולם');
  assert.equal(decodeEncodedWords('=?ISO-8859-1?Q?Gr=FC=DFe_aus?= Berlin'), 'Grüße aus Berlin');
  assert.equal(decodeEncodedWords('=?EUC-KR?B?vsiz58fPvLy/5A==?='), '안녕하세요');
  assert.equal(decodeEncodedWords('=?utf-8?q?a?= \r\n =?utf-8?q?b?='), 'ab');
  // A multibyte character split across two words of the same charset.
  const bytes = Buffer.from('é', 'utf8');
  const w1 = `=?UTF-8?B?${bytes.subarray(0, 1).toString('base64')}?=`;
  const w2 = `=?UTF-8?B?${bytes.subarray(1).toString('base64')}?=`;
  assert.equal(decodeEncodedWords(`${w1} ${w2}`), 'é');
  assert.equal(decodeEncodedWords('x =?x-unknown?Q?abc?= y'), 'x =?x-unknown?Q?abc?= y');
  assert.equal(decodeEncodedWords('=?UTF-8*en?Q?hi?='), 'hi');
  assert.equal(decodeEncodedWords('plain text'), 'plain text');
});

test('RFC 2047 encoding round-trips and keeps lines short', () => {
  assert.equal(encodeEncodedWords('hello'), 'hello');
  const long = 'שלום '.repeat(30);
  const enc = encodeEncodedWords(long);
  for (const line of enc.split('\r\n')) assert.ok(line.length <= 77, line);
  assert.equal(decodeEncodedWords(enc.replace(/\r\n/g, '')), long);
  const emoji = '😀'.repeat(40);
  assert.equal(decodeEncodedWords(encodeEncodedWords(emoji).replace(/\r\n/g, '')), emoji);
});

test('Content-Type parameters: capitalised names, quoted and bare values, no spaces', () => {
  const ct = parseParameterized(
    'multipart/related;Start="<smil>";Type="application/smil"; \tboundary="----=_Part_1538440_896666475.1643149064895"',
  );
  assert.equal(ct.value, 'multipart/related');
  assert.deepEqual(ct.params, {
    start: '<smil>',
    type: 'application/smil',
    boundary: '----=_Part_1538440_896666475.1643149064895',
  });
  const t = parseParameterized('Text/Plain;Name=text.000000.txt;Charset=utf-8');
  assert.equal(t.value, 'text/plain');
  assert.equal(t.params.charset, 'utf-8');
  assert.equal(t.params.name, 'text.000000.txt');
  assert.deepEqual(parseParameterized('multipart/related; start=0.smil; x="a;b\\"c"').params, {
    start: '0.smil',
    x: 'a;b"c',
  });
  assert.equal(parseParameterized('image/jpeg; name="=?UTF-8?B?16nXnNeV150=?=.jpg"').params.name, 'שלום.jpg');
});

test('Content-Type parameters: RFC 2231 extended values and continuations', () => {
  assert.equal(
    parseParameterized("attachment; filename*=utf-8''%E2%82%AC%20rates.txt").params.filename,
    '€ rates.txt',
  );
  const c = parseParameterized(`attachment; filename*0*=iso-8859-1''Gr%FC; filename*1="sse.txt"`);
  assert.equal(c.params.filename, 'Grüsse.txt');
  assert.equal(parseParameterized('a/b; name*0="one"; name*1="two"').params.name, 'onetwo');
});

test('stripAngle handles brackets, quotes and bare ids', () => {
  assert.equal(stripAngle('<smil>'), 'smil');
  assert.equal(stripAngle(' "<a@b>" '), 'a@b');
  assert.equal(stripAngle('0'), '0');
});
