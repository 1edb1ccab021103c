import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planMessage } from './plan.js';

const base = {
  source: { ton: 5, npi: 0, addr: 'HUB' },
  dest: { ton: 1, npi: 1, addr: '821012345678' },
  reference: 7,
  receipt: true,
};

test('GSM text goes as dc 0 in one part, with a receipt requested', () => {
  const p = planMessage({ ...base, text: 'Hello {world}' });
  assert.equal(p.dataCoding, 0);
  assert.equal(p.parts.length, 1);
  const f = p.parts[0] as Record<string, unknown>;
  assert.equal(f.registered_delivery, 1);
  assert.equal(f.esm_class, 0);
  assert.equal(f.source_addr_ton, 5);
  assert.equal(f.destination_addr, '821012345678');
  // GSM 03.38 unpacked, '{' is escape + 0x28.
  assert.equal((f.short_message as Buffer).toString('hex'), '48656c6c6f201b2877' + '6f726c641b29');
});

test('non-GSM text goes as UCS-2 (dc 8); long texts are split with an 8-bit UDH', () => {
  const korean = planMessage({ ...base, text: '안녕하세요' });
  assert.equal(korean.dataCoding, 8);
  assert.equal(
    ((korean.parts[0] as Record<string, unknown>).short_message as Buffer).toString('hex'),
    'c548b155d558c138c694',
  );

  const long = planMessage({ ...base, text: 'x'.repeat(161), receipt: false });
  assert.equal(long.parts.length, 2);
  const first = long.parts[0] as Record<string, unknown>;
  assert.equal(first.esm_class, 0x40);
  assert.equal(first.registered_delivery, 0);
  assert.equal((first.short_message as Buffer).subarray(0, 6).toString('hex'), '050003070201');
  assert.equal(
    ((long.parts[1] as Record<string, unknown>).short_message as Buffer).subarray(0, 6).toString('hex'),
    '050003070202',
  );

  assert.equal(planMessage({ ...base, text: '가'.repeat(71) }).parts.length, 2);
});
