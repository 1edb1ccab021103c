import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHubError, toSmppStatus } from '@hub/errors';
import { charsetForDcs, decodeMessage, decodeText, encodeText, parseDcs, pickDataCoding } from './dcs.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const throwsCode = (fn: () => unknown, code: string) =>
  assert.throws(fn, (e: unknown) => isHubError(e, code));

test('SMPP table 0x00–0x0F', () => {
  const got = Array.from({ length: 16 }, (_, i) => parseDcs(i).alphabet);
  assert.deepEqual(got, [
    'default',
    'ia5',
    'binary',
    'latin1',
    'binary',
    'jis',
    'cyrillic',
    'hebrew',
    'ucs2',
    'pictogram',
    'iso-2022-jp',
    'reserved',
    'reserved',
    'jis-x-0212',
    'ksc5601',
    'reserved',
  ]);
  assert.equal(parseDcs(8).group, 'smpp');
  assert.equal(parseDcs(8).messageClass, undefined);
});

test('general and auto-deletion groups keep class and alphabet', () => {
  assert.deepEqual(parseDcs(0x18), {
    dc: 0x18,
    group: 'general',
    alphabet: 'ucs2',
    messageClass: 0,
    compressed: false,
    autoDelete: false,
    mwi: undefined,
  });
  assert.equal(parseDcs(0x10).alphabet, 'gsm7');
  assert.equal(parseDcs(0x10).messageClass, 0);
  assert.equal(parseDcs(0x15).alphabet, 'binary');
  assert.equal(parseDcs(0x15).messageClass, 1);
  assert.equal(parseDcs(0x24).compressed, true);
  assert.equal(parseDcs(0x24).messageClass, undefined);
  assert.equal(parseDcs(0x4a).autoDelete, true);
  assert.equal(parseDcs(0x4a).alphabet, 'ucs2');
  assert.equal(parseDcs(0x1c).alphabet, 'reserved');
  assert.equal(parseDcs(0x90).group, 'reserved');
});

test('MWI and data/class groups', () => {
  assert.deepEqual(parseDcs(0xc8).mwi, { active: true, kind: 'voicemail' });
  assert.equal(parseDcs(0xc8).group, 'mwi-discard');
  assert.deepEqual(parseDcs(0xd2).mwi, { active: false, kind: 'email' });
  assert.equal(parseDcs(0xd2).alphabet, 'gsm7');
  assert.equal(parseDcs(0xeb).alphabet, 'ucs2');
  assert.equal(parseDcs(0xeb).group, 'mwi-store-ucs2');
  assert.equal(parseDcs(0xf0).alphabet, 'gsm7');
  assert.equal(parseDcs(0xf0).messageClass, 0);
  assert.equal(parseDcs(0xf6).alphabet, 'binary');
  assert.equal(parseDcs(0xf6).messageClass, 2);
  throwsCode(() => parseDcs(256), 'HUB_ERR_SMPP_INVALID_DCS');
  throwsCode(() => parseDcs(-1), 'HUB_ERR_SMPP_INVALID_DCS');
  throwsCode(() => parseDcs(1.5), 'HUB_ERR_SMPP_INVALID_DCS');
});

test('charsetForDcs honours the account default alphabet for dc 0 only', () => {
  assert.equal(charsetForDcs(0), 'gsm7');
  assert.equal(charsetForDcs(0, 'latin1'), 'latin1');
  assert.equal(charsetForDcs(0, 'ascii'), 'ascii');
  assert.equal(charsetForDcs(0x10, 'latin1'), 'gsm7');
  assert.equal(charsetForDcs(1), 'ascii');
  assert.equal(charsetForDcs(4), 'binary');
  assert.equal(charsetForDcs(0xf4), 'binary');
  assert.equal(charsetForDcs(14), 'ksc5601');
  assert.equal(charsetForDcs(0x18), 'ucs2');
});

test('unsupported codings map to ESME_RINVDCS', () => {
  for (const dc of [5, 6, 7, 9, 10, 11, 13, 15, 0x24, 0x1c, 0x90]) {
    assert.throws(
      () => charsetForDcs(dc),
      (e: unknown) => isHubError(e, 'HUB_ERR_SMPP_INVALID_DCS') && toSmppStatus(e) === 0x104,
      `dc ${dc}`,
    );
  }
});

test('encodeText / decodeText per dc, class bits not masked', () => {
  assert.equal(hex(encodeText(0, '{x}')), '1b28781b29');
  assert.equal(hex(encodeText(0, 'é', { defaultAlphabet: 'latin1' })), 'e9');
  assert.equal(hex(encodeText(1, '{x}')), '7b787d');
  assert.equal(hex(encodeText(0x18, 'x')), '0078');
  assert.equal(hex(encodeText(0xf0, 'x')), '78');
  assert.equal(hex(encodeText(14, '한')), 'c7d1');
  assert.equal(decodeText(0x18, Buffer.from('00480069', 'hex')), 'Hi');
  assert.equal(decodeText(0, Buffer.from('00', 'hex')), '@');
  assert.equal(decodeText(0, Buffer.from('40', 'hex'), { defaultAlphabet: 'ascii' }), '@');
  assert.equal(hex(encodeText(4, Buffer.from('0102', 'hex'))), '0102');
  throwsCode(() => encodeText(4, 'text'), 'HUB_ERR_SMPP_UNENCODABLE');
  throwsCode(() => encodeText(0, Buffer.from('00', 'hex')), 'HUB_ERR_SMPP_UNENCODABLE');
  throwsCode(() => decodeText(2, Buffer.from('00', 'hex')), 'HUB_ERR_SMPP_INVALID_DCS');
  throwsCode(() => encodeText(0, '한'), 'HUB_ERR_SMPP_UNENCODABLE');
});

test('decodeMessage keeps binary bytes', () => {
  assert.deepEqual(decodeMessage(2, Buffer.from('ff00', 'hex')), {
    kind: 'binary',
    bytes: Buffer.from('ff00', 'hex'),
  });
  assert.deepEqual(decodeMessage(8, Buffer.from('0041', 'hex')), {
    kind: 'text',
    charset: 'ucs2',
    text: 'A',
  });
});

test('pickDataCoding', () => {
  assert.equal(pickDataCoding('Hello {world}'), 0);
  assert.equal(pickDataCoding('ç'), 8);
  assert.equal(pickDataCoding('ç', { allowLatin1: true }), 3);
  assert.equal(pickDataCoding('ç', { defaultAlphabet: 'latin1' }), 0);
  assert.equal(pickDataCoding('`', { defaultAlphabet: 'ascii' }), 0);
  assert.equal(pickDataCoding('한글'), 8);
});
