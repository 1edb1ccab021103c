import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  faultCodeFor,
  isSuccessStatus,
  MM7_STATUS,
  Mm7Status,
  normalizeStatusCode,
  parseDeliveryStatus,
  parseReadStatus,
  statusClass,
  statusText,
} from './status.js';

test('table: codes, names and texts agree with the named constants', () => {
  for (const [name, code] of Object.entries(Mm7Status)) {
    assert.equal(MM7_STATUS[code]?.name, name);
    assert.equal(MM7_STATUS[code]?.code, code);
  }
  assert.equal(Object.keys(MM7_STATUS).length, Object.keys(Mm7Status).length);
  assert.equal(statusText(4004), 'Validation error');
  assert.equal(statusText(2002), 'Address Error');
});

test('classes, normalisation of unknown and vendor codes', () => {
  assert.deepEqual([1000, 1100, 2007, 3000, 4008, 5000, 999, 1.5].map(statusClass), [
    'success',
    'success',
    'client',
    'server',
    'service',
    'server',
    'server',
    'server',
  ]);
  assert.equal(isSuccessStatus(1100), true);
  assert.equal(isSuccessStatus(2000), false);
  assert.equal(normalizeStatusCode(2042), 2000);
  assert.equal(normalizeStatusCode(2560), 2560, 'vendor x500-x999 kept');
  assert.equal(normalizeStatusCode(4404), 4000);
  assert.equal(normalizeStatusCode(7000), 3000);
  assert.equal(normalizeStatusCode(Number.NaN), 3000);
  assert.equal(statusText(2042), 'Client error');
  assert.equal(statusText(9999), 'Server Error');
});

test('faultcode by class', () => {
  assert.deepEqual(
    [2002, 2007, 3000, 3001, 4000, 4001, 4002, 4003, 4004, 4005, 4006, 4007, 4008].map(faultCodeFor),
    [
      'Client',
      'Client',
      'Server',
      'Server',
      'Server',
      'Client',
      'Client',
      'Client',
      'Client',
      'Server',
      'Server',
      'Client',
      'Client',
    ],
  );
});

test('MMStatus parsing: canonical case, vendor aliases, unknown', () => {
  assert.equal(parseDeliveryStatus('retrieved'), 'Retrieved');
  assert.equal(parseDeliveryStatus(' Unrecognized '), 'Unrecognised');
  assert.equal(parseDeliveryStatus('Delivered'), 'Delivered');
  assert.equal(parseDeliveryStatus('NotSupported'), 'Unrecognised');
  assert.equal(parseDeliveryStatus('Unreachable'), 'Indeterminate');
  assert.equal(parseDeliveryStatus('whatever'), undefined);
  assert.equal(parseReadStatus('READ'), 'Read');
  assert.equal(parseReadStatus('Retrieved'), undefined);
});
