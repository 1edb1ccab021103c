import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHubError, toSmppStatus } from '@hub/errors';
import { buildUdh, concatElement, parseUdh, portsElement, splitUdh } from './udh.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const h = (s: string) => Buffer.from(s, 'hex');

test('8-bit concat UDH golden', () => {
  const { udh, body } = splitUdh(h('050003cc0201' + '4142'));
  assert.equal(udh.length, 6);
  assert.deepEqual(udh.concat, { reference: 0xcc, total: 2, seq: 1, referenceBits: 8 });
  assert.equal(hex(body), '4142');
  assert.equal(hex(buildUdh([concatElement({ reference: 0xcc, total: 2, seq: 1 })])), '050003cc0201');
});

test('16-bit concat UDH golden', () => {
  const udh = parseUdh(h('060804beef0302'));
  assert.deepEqual(udh.concat, { reference: 0xbeef, total: 3, seq: 2, referenceBits: 16 });
  assert.equal(
    hex(buildUdh([concatElement({ reference: 0xbeef, total: 3, seq: 2, referenceBits: 16 })])),
    '060804beef0302',
  );
});

test('ports and unknown IEs are kept verbatim and rebuild byte for byte', () => {
  const raw = '10' + '0504158200f0' + '0a03000102' + '0003070201';
  const udh = parseUdh(h(raw));
  assert.deepEqual(udh.ports, { destination: 0x1582, source: 0x00f0, bits: 16 });
  assert.deepEqual(udh.concat, { reference: 7, total: 2, seq: 1, referenceBits: 8 });
  assert.equal(udh.elements.length, 3);
  assert.equal(udh.elements[1]?.iei, 0x0a);
  assert.equal(hex(buildUdh(udh.elements)), raw);
  assert.deepEqual(parseUdh(h('0404021234')).ports, { destination: 0x12, source: 0x34, bits: 8 });
  assert.equal(hex(buildUdh([portsElement({ destination: 0x1582, source: 0 })])), '0605041582' + '0000');
  assert.equal(hex(buildUdh([portsElement({ destination: 0x12, source: 0x34 })])), '0404021234');
});

test('invalid concat values are ignored, not fatal (TS 23.040)', () => {
  assert.equal(parseUdh(h('050003010300')).concat, undefined); // seq 0
  assert.equal(parseUdh(h('050003010204')).concat, undefined); // seq > total
  assert.equal(parseUdh(h('0400020102')).concat, undefined); // wrong IEDL
  assert.equal(parseUdh(h('00')).elements.length, 0);
});

test('malformed UDH throws INVALID_UDH mapped to ESME_RINVESMCLASS', () => {
  for (const bad of ['', '06000301', '050003cc02', '0500', '020010']) {
    assert.throws(
      () => parseUdh(h(bad)),
      (e: unknown) => isHubError(e, 'HUB_ERR_SMPP_INVALID_UDH') && toSmppStatus(e) === 0x43,
      bad,
    );
  }
  assert.throws(
    () => concatElement({ reference: 1, total: 2, seq: 3 }),
    (e: unknown) => isHubError(e, 'HUB_ERR_SMPP_INVALID_SEGMENT'),
  );
});
