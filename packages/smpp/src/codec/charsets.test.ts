import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { isHubError } from '@hub/errors';
import {
  decodeAscii,
  decodeGsm7,
  decodeGsm7Packed,
  decodeKsc5601,
  decodeLatin1,
  decodeUcs2,
  encodeAscii,
  encodeGsm7,
  encodeGsm7Packed,
  encodeKsc5601,
  encodeLatin1,
  encodeUcs2,
  GSM7_BASIC,
  gsmFillBits,
  gsmSeptetLength,
  isGsmEncodable,
  packGsm7,
  unpackGsm7,
} from './charsets.js';

const smpp = createRequire(import.meta.url)('smpp') as {
  gsmCoder: { encode(s: string, enc?: number): Buffer; decode(b: Buffer, enc?: number): string };
};

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const throwsCode = (fn: () => unknown, code: string) =>
  assert.throws(fn, (e: unknown) => isHubError(e, code));

const ALL_GSM = GSM7_BASIC.filter((_, i) => i !== 0x1b).join('') + '\f^{}\\[~]|€';

test('GSM 03.38 unpacked golden vectors', () => {
  assert.equal(hex(encodeGsm7('@£$¥')), '00010203');
  assert.equal(hex(encodeGsm7('Hello')), '48656c6c6f');
  assert.equal(hex(encodeGsm7('{€}')), '1b281b651b29');
  assert.equal(hex(encodeGsm7('[~]|\\^\f')), '1b3c1b3d1b3e1b401b2f1b141b0a');
  assert.equal(hex(encodeGsm7('ΔΞ_¿à')), '101a11607f');
  assert.equal(decodeGsm7(Buffer.from('1b281b651b29', 'hex')), '{€}');
});

test('GSM 03.38 unpacked matches node-smpp gsmCoder both ways', () => {
  assert.equal(hex(encodeGsm7(ALL_GSM)), hex(smpp.gsmCoder.encode(ALL_GSM)));
  const bytes = encodeGsm7(ALL_GSM);
  assert.equal(decodeGsm7(bytes), smpp.gsmCoder.decode(bytes));
  assert.equal(decodeGsm7(bytes), ALL_GSM);
  const all = Buffer.from(Array.from({ length: 128 }, (_, i) => i).filter((i) => i !== 0x1b));
  assert.equal(decodeGsm7(all), smpp.gsmCoder.decode(all));
});

test('GSM escape edge cases follow TS 23.038', () => {
  assert.equal(decodeGsm7(Buffer.from('1b41', 'hex')), 'A'); // unknown extension → basic char
  assert.equal(decodeGsm7(Buffer.from('1b1b41', 'hex')), ' A'); // 1B 1B → space
  assert.equal(decodeGsm7(Buffer.from('411b', 'hex')), 'A '); // dangling escape
  throwsCode(() => decodeGsm7(Buffer.from('41c1', 'hex')), 'HUB_ERR_SMPP_UNDECODABLE');
  assert.equal(decodeGsm7(Buffer.from('41c1', 'hex'), { strict: false }), 'AA');
});

test('GSM encodability and septet length', () => {
  assert.equal(isGsmEncodable(ALL_GSM), true);
  assert.equal(isGsmEncodable('ç'), false); // only capital Ç is in the table
  assert.equal(isGsmEncodable('`'), false);
  assert.equal(isGsmEncodable('한'), false);
  assert.equal(gsmSeptetLength('abc'), 3);
  assert.equal(gsmSeptetLength('a€{'), 5);
  assert.equal(gsmSeptetLength('a😀'), -1);
  throwsCode(() => encodeGsm7('ok 😀'), 'HUB_ERR_SMPP_UNENCODABLE');
  try {
    encodeGsm7('ab`');
  } catch (e) {
    assert.ok(isHubError(e));
    assert.equal(e.details?.index, 2);
    assert.equal(e.details?.codePoint, 0x60);
  }
});

test('GSM packed golden vectors (TS 23.038 example "hellohello")', () => {
  assert.equal(hex(encodeGsm7Packed('hellohello')), 'e8329bfd4697d9ec37');
  assert.equal(decodeGsm7Packed(Buffer.from('e8329bfd4697d9ec37', 'hex'), 10), 'hellohello');
  // 8 septets fill exactly 7 octets
  assert.equal(hex(encodeGsm7Packed('12345678')), '31d98c56b3dd70');
  assert.equal(decodeGsm7Packed(Buffer.from('31d98c56b3dd70', 'hex')), '12345678');
  assert.equal(hex(encodeGsm7Packed('€')), '9b32');
  assert.equal(decodeGsm7Packed(Buffer.from('9b32', 'hex'), 2), '€');
});

test('GSM packing with fill bits after a 6-octet UDH', () => {
  assert.equal(gsmFillBits(6), 1);
  assert.equal(gsmFillBits(7), 0);
  assert.equal(gsmFillBits(0), 0);
  assert.equal(gsmFillBits(5), 2);
  const packed = encodeGsm7Packed('hello', 1);
  assert.equal(hex(packed), 'd06536fb0d');
  assert.equal(decodeGsm7Packed(packed, 5, 1), 'hello');
  // 153 septets after a 6-octet UDH fill 134 octets: 6 + 134 = 140
  assert.equal(packGsm7(new Uint8Array(153).fill(0x41), 1).length, 134);
  assert.equal(packGsm7(new Uint8Array(160).fill(0x41)).length, 140);
  throwsCode(() => unpackGsm7(Buffer.alloc(2), 5), 'HUB_ERR_SMPP_UNDECODABLE');
});

test('pack/unpack round-trips every length and fill', () => {
  for (let fill = 0; fill < 7; fill++) {
    for (let n = 0; n < 20; n++) {
      const s = Uint8Array.from({ length: n }, (_, i) => (i * 37 + fill) & 0x7f);
      assert.deepEqual([...unpackGsm7(packGsm7(s, fill), n, fill)], [...s]);
    }
  }
});

test('ASCII is real ASCII, not the GSM coder', () => {
  assert.equal(hex(encodeAscii('{@}')), '7b407d');
  assert.equal(decodeAscii(Buffer.from('7b407d', 'hex')), '{@}');
  throwsCode(() => encodeAscii('é'), 'HUB_ERR_SMPP_UNENCODABLE');
  throwsCode(() => decodeAscii(Buffer.from('41e9', 'hex')), 'HUB_ERR_SMPP_UNDECODABLE');
  assert.equal(decodeAscii(Buffer.from('41e9', 'hex'), { strict: false }), 'Aé');
});

test('Latin-1 rejects instead of writing ?', () => {
  assert.equal(hex(encodeLatin1('Héllo ÿ')), '48e96c6c6f20ff');
  assert.equal(decodeLatin1(Buffer.from('48e96c6c6f20ff', 'hex')), 'Héllo ÿ');
  throwsCode(() => encodeLatin1('€'), 'HUB_ERR_SMPP_UNENCODABLE');
});

test('UCS-2 is UTF-16BE with surrogate pairs kept', () => {
  assert.equal(hex(encodeUcs2('Aé한')), '004100e9d55c');
  assert.equal(hex(encodeUcs2('😀')), 'd83dde00');
  assert.equal(decodeUcs2(Buffer.from('d83dde000041', 'hex')), '😀A');
  throwsCode(() => decodeUcs2(Buffer.from('004100', 'hex')), 'HUB_ERR_SMPP_UNDECODABLE');
  assert.equal(decodeUcs2(Buffer.from('004100', 'hex'), { strict: false }), 'A');
  throwsCode(() => encodeUcs2('a\ud83d'), 'HUB_ERR_SMPP_UNENCODABLE');
  throwsCode(() => encodeUcs2('\ude00a'), 'HUB_ERR_SMPP_UNENCODABLE');
  // input buffer is not mutated by the byte swap
  const src = Buffer.from('0041', 'hex');
  decodeUcs2(src);
  assert.equal(hex(src), '0041');
});

test('strict KS C 5601 encode', () => {
  assert.equal(hex(encodeKsc5601('한글 ?')), 'c7d1b1db203f');
  assert.equal(hex(encodeKsc5601('€')), 'a2e6');
  for (const bad of ['똠', '뷁', '😀', '₩', 'a똠b'])
    throwsCode(() => encodeKsc5601(bad), 'HUB_ERR_SMPP_UNENCODABLE');
  try {
    encodeKsc5601('가?나뷁');
    assert.fail('should throw');
  } catch (e) {
    assert.ok(isHubError(e, 'HUB_ERR_SMPP_UNENCODABLE'));
    assert.equal(e.details?.index, 3);
  }
});

test('strict KS C 5601 decode', () => {
  assert.equal(decodeKsc5601(Buffer.from('c7d1b1db203f', 'hex')), '한글 ?');
  throwsCode(() => decodeKsc5601(Buffer.from('8c63', 'hex')), 'HUB_ERR_SMPP_UNDECODABLE'); // UHC 똠
  throwsCode(() => decodeKsc5601(Buffer.from('c7', 'hex')), 'HUB_ERR_SMPP_UNDECODABLE'); // truncated
  throwsCode(() => decodeKsc5601(Buffer.from('c9a1', 'hex')), 'HUB_ERR_SMPP_UNDECODABLE'); // user-defined area
  assert.match(decodeKsc5601(Buffer.from('41c9a1', 'hex'), { strict: false }), /^A\ufffd+$/);
});
