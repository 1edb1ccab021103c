import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHubError, toSmppStatus } from '@hub/errors';
import { decodeText } from './dcs.js';
import { countSegments, readReceivedPart, reassemble, splitMessage } from './segmentation.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const throwsCode = (fn: () => unknown, code: string) =>
  assert.throws(fn, (e: unknown) => isHubError(e, code));

test('countSegments matches the well-known GSM7 limits 160/153', () => {
  assert.equal(countSegments('', 0), 1);
  assert.equal(countSegments('a'.repeat(160), 0), 1);
  assert.equal(countSegments('a'.repeat(161), 0), 2);
  assert.equal(countSegments('a'.repeat(306), 0), 2);
  assert.equal(countSegments('a'.repeat(307), 0), 3);
  assert.equal(countSegments('a'.repeat(459), 0), 3);
  assert.equal(countSegments('€'.repeat(80), 0), 1); // 160 septets
  assert.equal(countSegments('€'.repeat(81), 0), 2);
  assert.equal(countSegments('a'.repeat(304), 0, { method: 'udh16' }), 2);
  assert.equal(countSegments('a'.repeat(305), 0, { method: 'udh16' }), 3);
});

test('countSegments matches the well-known UCS-2 limits 70/67', () => {
  assert.equal(countSegments('한'.repeat(70), 8), 1);
  assert.equal(countSegments('한'.repeat(71), 8), 2);
  assert.equal(countSegments('한'.repeat(134), 8), 2);
  assert.equal(countSegments('한'.repeat(135), 8), 3);
  assert.equal(countSegments('😀'.repeat(35), 8), 1);
  assert.equal(countSegments('😀'.repeat(36), 8), 2);
});

test('countSegments for 8-bit, IA5 and KS C 5601', () => {
  assert.equal(countSegments(new Uint8Array(140), 4), 1);
  assert.equal(countSegments(new Uint8Array(141), 4), 2);
  assert.equal(countSegments(new Uint8Array(268), 4), 2);
  assert.equal(countSegments(new Uint8Array(269), 4), 3);
  assert.equal(countSegments('a'.repeat(160), 1), 1);
  assert.equal(countSegments('{'.repeat(80), 1), 1); // costs 2 septets on air
  assert.equal(countSegments('{'.repeat(81), 1), 2);
  assert.equal(countSegments('한'.repeat(70), 14), 1);
  assert.equal(countSegments('한'.repeat(71), 14), 2);
  assert.equal(countSegments('é'.repeat(141), 3), 2);
});

test('GSM7 udh8 split golden: 153 septets per part, UDH 05 00 03', () => {
  const text = 'a'.repeat(153) + 'b'.repeat(10);
  const r = splitMessage(text, 0, { reference: 0x2a });
  assert.equal(r.segments.length, 2);
  const [p1, p2] = r.segments;
  assert.equal(hex(p1?.udh ?? Buffer.alloc(0)), '0500032a0201');
  assert.equal(hex(p2?.udh ?? Buffer.alloc(0)), '0500032a0202');
  assert.equal(p1?.body.length, 153);
  assert.equal(p1?.shortMessage.length, 159);
  assert.equal(hex(p2?.shortMessage ?? Buffer.alloc(0)), '0500032a0202' + '62'.repeat(10));
  assert.equal(p1?.udhi, true);
});

test('never split a GSM escape from its follower', () => {
  const text = 'a'.repeat(152) + '€' + 'z'.repeat(20);
  const r = splitMessage(text, 0, { reference: 1 });
  assert.equal(r.segments[0]?.body.length, 152);
  assert.equal(hex(r.segments[1]?.body.subarray(0, 2) ?? Buffer.alloc(0)), '1b65');
  const joined = Buffer.concat(r.segments.map((s) => s.body));
  assert.equal(decodeText(0, joined), text);
});

test('UCS-2 udh16 split: 66 chars per part and surrogate pairs stay whole', () => {
  const text = 'x'.repeat(65) + '😀' + 'y'.repeat(10);
  const r = splitMessage(text, 8, { method: 'udh16', reference: 0x1234 });
  assert.equal(r.segments.length, 2);
  assert.equal(r.segments[0]?.body.length, 130); // 65 chars; the pair would make 67 units
  assert.equal(hex(r.segments[0]?.udh ?? Buffer.alloc(0)), '06080412340201');
  assert.equal(decodeText(8, r.segments[1]?.body ?? Buffer.alloc(0)), '😀' + 'y'.repeat(10));
  const r2 = splitMessage('한'.repeat(135), 8, { reference: 9 });
  assert.deepEqual(
    r2.segments.map((s) => s.body.length),
    [134, 134, 2],
  );
});

test('KS C 5601 split never cuts a double-byte char; 8-bit udh16 uses 133 octets', () => {
  const text = 'a' + '한'.repeat(70);
  const r = splitMessage(text, 14, { reference: 3 });
  assert.deepEqual(
    r.segments.map((s) => s.body.length),
    [133, 8],
  );
  const bin = splitMessage(new Uint8Array(300), 4, { method: 'udh16', reference: 3 });
  assert.deepEqual(
    bin.segments.map((s) => s.body.length),
    [133, 133, 34],
  );
});

test('SAR split returns TLV values and no UDH', () => {
  const r = splitMessage('a'.repeat(200), 0, { method: 'sar', reference: 0x0102 });
  assert.equal(r.segments.length, 2);
  assert.deepEqual(r.segments[1]?.sar, { msgRefNum: 0x0102, totalSegments: 2, segmentSeqnum: 2 });
  assert.equal(r.segments[0]?.udh, undefined);
  assert.equal(r.segments[0]?.udhi, false);
  assert.equal(r.segments[0]?.body.length, 152);
});

test('payload method keeps one segment; short text is never split', () => {
  const r = splitMessage('a'.repeat(1000), 0, { method: 'payload', reference: 0 });
  assert.equal(r.segments.length, 1);
  assert.equal(r.segments[0]?.usePayload, true);
  assert.equal(r.segments[0]?.shortMessage.length, 0);
  assert.equal(r.segments[0]?.body.length, 1000);
  const s = splitMessage('hi', 0, { method: 'udh16', reference: 7 });
  assert.equal(s.segments.length, 1);
  assert.equal(s.segments[0]?.udh, undefined);
  assert.equal(hex(s.segments[0]?.shortMessage ?? Buffer.alloc(0)), '6869');
  throwsCode(
    () => splitMessage(new Uint8Array(70000), 4, { method: 'payload', reference: 0 }),
    'HUB_ERR_SMPP_INVALID_MESSAGE_LENGTH',
  );
});

test('maxParts and reference range are enforced', () => {
  assert.throws(
    () => splitMessage('a'.repeat(1000), 0, { reference: 1, maxParts: 5 }),
    (e: unknown) => isHubError(e, 'HUB_ERR_SMPP_INVALID_MESSAGE_LENGTH') && toSmppStatus(e) === 0x01,
  );
  assert.equal(splitMessage('a'.repeat(765), 0, { reference: 1, maxParts: 5 }).segments.length, 5);
  throwsCode(() => splitMessage('a'.repeat(200), 0, { reference: 256 }), 'HUB_ERR_SMPP_INVALID_SEGMENT');
  assert.equal(splitMessage('a'.repeat(200), 0, { reference: 65535, method: 'udh16' }).segments.length, 2);
});

test('readReceivedPart: UDH concat, SAR fallback, plain', () => {
  const sm = Buffer.from('050003cc0302' + '4142', 'hex');
  const p = readReceivedPart(sm, 0x40);
  assert.deepEqual(p.concat, { reference: 0xcc, total: 3, seq: 2, referenceBits: 8 });
  assert.equal(hex(p.body), '4142');
  const s = readReceivedPart(Buffer.from('41', 'hex'), 0, {
    sar_msg_ref_num: 5,
    sar_total_segments: 2,
    sar_segment_seqnum: 1,
  });
  assert.deepEqual(s.concat, { reference: 5, total: 2, seq: 1, referenceBits: 16 });
  assert.equal(
    readReceivedPart(Buffer.from('41', 'hex'), 0, { sar_msg_ref_num: 5, sar_total_segments: 2 }).concat,
    undefined,
  );
  assert.equal(readReceivedPart(sm, 0).concat, undefined); // no UDHI → the bytes are text
  throwsCode(() => readReceivedPart(Buffer.from('09', 'hex'), 0x40), 'HUB_ERR_SMPP_INVALID_UDH');
});

test('reassemble: out of order, duplicates, incomplete, UCS-2 cut mid-character', () => {
  const whole = Buffer.from('한글 메시지', 'utf16le').swap16();
  const a = whole.subarray(0, 3); // cut inside a UTF-16 unit
  const b = whole.subarray(3, 9);
  const c = whole.subarray(9);
  const parts = [
    { reference: 1, total: 3, seq: 3, bytes: c },
    { reference: 1, total: 3, seq: 1, bytes: a },
    { reference: 1, total: 3, seq: 1, bytes: Buffer.from('ffff', 'hex') }, // duplicate, ignored
  ];
  assert.deepEqual(reassemble(parts), { status: 'incomplete', total: 3, missing: [2] });
  const done = reassemble([...parts, { reference: 1, total: 3, seq: 2, bytes: b }]);
  assert.equal(done.status, 'complete');
  if (done.status === 'complete') assert.equal(decodeText(8, done.bytes), '한글 메시지');
});

test('reassemble rejects inconsistent parts', () => {
  throwsCode(() => reassemble([]), 'HUB_ERR_SMPP_INVALID_SEGMENT');
  throwsCode(
    () =>
      reassemble([
        { reference: 1, total: 2, seq: 1, bytes: new Uint8Array() },
        { reference: 2, total: 2, seq: 2, bytes: new Uint8Array() },
      ]),
    'HUB_ERR_SMPP_INVALID_SEGMENT',
  );
  throwsCode(
    () => reassemble([{ reference: 1, total: 2, seq: 3, bytes: new Uint8Array() }]),
    'HUB_ERR_SMPP_INVALID_SEGMENT',
  );
  throwsCode(
    () => reassemble([{ reference: 1, total: 0, seq: 1, bytes: new Uint8Array() }]),
    'HUB_ERR_SMPP_INVALID_SEGMENT',
  );
});
