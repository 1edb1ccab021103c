import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHubError, toSmppStatus } from '@hub/errors';
import {
  formatReceiptDate,
  formatSmppAbsolute,
  formatSmppRelative,
  parseReceiptDate,
  parseSmppTime,
} from './time.js';

const now = new Date('2026-03-15T10:00:00.000Z');

test('absolute times with quarter-hour offsets', () => {
  assert.equal(parseSmppTime('260316120000000+', now, 'schedule')?.toISOString(), '2026-03-16T12:00:00.000Z');
  assert.equal(parseSmppTime('260316120000536+', now, 'schedule')?.toISOString(), '2026-03-16T03:00:00.500Z'); // KST +9h
  assert.equal(parseSmppTime('260316120000020-', now, 'schedule')?.toISOString(), '2026-03-16T17:00:00.000Z'); // -5h
  assert.equal(parseSmppTime('', now, 'schedule'), undefined);
});

test('relative times resolve against now', () => {
  assert.equal(parseSmppTime('000001020304000R', now, 'expiry')?.toISOString(), '2026-03-16T12:03:04.000Z');
  assert.equal(parseSmppTime('000100000000000R', now, 'expiry')?.toISOString(), '2026-04-15T10:00:00.000Z');
  assert.equal(parseSmppTime('010000000000000R', now, 'expiry')?.toISOString(), '2027-03-15T10:00:00.000Z');
});

test('invalid times throw by field: RINVSCHED / RINVEXPIRY', () => {
  const bad = [
    '2603161200000',
    '260316120000000',
    '26031612000000+X',
    '261316120000000+',
    '260230120000000+',
    '260316250000000+',
    '260316120000049+',
    '260316120000000*',
    '000001020304000Z',
    '00000124000000R0',
  ];
  for (const v of bad) {
    assert.throws(
      () => parseSmppTime(v, now, 'schedule'),
      (e: unknown) => isHubError(e, 'HUB_ERR_SMPP_INVALID_SCHEDULE') && toSmppStatus(e) === 0x61,
      v,
    );
  }
  assert.throws(
    () => parseSmppTime('260316120000049+', now, 'expiry'),
    (e: unknown) => isHubError(e, 'HUB_ERR_SMPP_INVALID_EXPIRY') && toSmppStatus(e) === 0x62,
  );
  assert.throws(
    () => parseSmppTime('000000250000000R', now, 'expiry'),
    (e: unknown) => isHubError(e, 'HUB_ERR_SMPP_INVALID_EXPIRY'),
  );
});

test('formatSmppAbsolute round-trips', () => {
  const d = new Date('2026-12-31T23:59:58.700Z');
  assert.equal(formatSmppAbsolute(d), '261231235958700+');
  assert.equal(formatSmppAbsolute(d, 36), '270101085958736+');
  assert.equal(formatSmppAbsolute(d, -20), '261231185958720-');
  for (const off of [0, 36, -20, 48]) {
    assert.equal(
      parseSmppTime(formatSmppAbsolute(d, off), now, 'schedule')?.toISOString(),
      '2026-12-31T23:59:58.700Z',
    );
  }
  assert.throws(() => formatSmppAbsolute(new Date('1999-01-01T00:00:00Z')), RangeError);
});

test('formatSmppRelative', () => {
  assert.equal(formatSmppRelative(86_400 * 2 + 3661), '000002010101000R');
  assert.equal(
    parseSmppTime(formatSmppRelative(90), now, 'expiry')?.toISOString(),
    '2026-03-15T10:01:30.000Z',
  );
  assert.throws(() => formatSmppRelative(-1), RangeError);
});

test('receipt dates in three formats', () => {
  assert.equal(formatReceiptDate(new Date('2026-03-05T07:08:09Z')), '2603050708');
  assert.equal(parseReceiptDate('2603050708')?.toISOString(), '2026-03-05T07:08:00.000Z');
  assert.equal(parseReceiptDate('260305070809')?.toISOString(), '2026-03-05T07:08:09.000Z');
  assert.equal(parseReceiptDate('20260305070809')?.toISOString(), '2026-03-05T07:08:09.000Z');
  assert.equal(parseReceiptDate('2613050708'), undefined);
  assert.equal(parseReceiptDate('26030507'), undefined);
  assert.equal(parseReceiptDate('26030507ab'), undefined);
});
