import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Errors } from '@hub/errors';
import {
  isRequestOk,
  MM_STATUSES,
  mmStatusOutcome,
  parseMmStatus,
  parseReadStatus,
  parseRequestStatus,
  REQUEST_STATUSES,
  requestStatusForError,
  requestStatusOutcome,
} from './status.js';

test('status values parse case-insensitively to their canonical spelling', () => {
  for (const s of REQUEST_STATUSES) assert.equal(parseRequestStatus(` ${s.toUpperCase()} `), s);
  for (const s of MM_STATUSES) assert.equal(parseMmStatus(s.toLowerCase()), s);
  assert.equal(parseMmStatus('Unrecognized'), 'Unrecognised');
  assert.equal(parseReadStatus('read'), 'Read');
  assert.equal(parseReadStatus('Deleted'), 'Deleted without being read');
  assert.equal(parseRequestStatus('Bogus'), undefined);
  assert.equal(parseMmStatus(undefined), undefined);
  assert.ok(isRequestOk('OK'));
  assert.ok(!isRequestOk('Error-unspecified'));
});

test('outcome words', () => {
  assert.deepEqual(
    MM_STATUSES.map((s) => mmStatusOutcome(s)),
    ['expired', 'delivered', 'rejected', 'deferred', 'indeterminate', 'forwarded', 'unrecognised'],
  );
  assert.equal(mmStatusOutcome('Weird'), 'indeterminate');
  assert.equal(requestStatusOutcome('Ok'), 'forwarded');
  assert.equal(requestStatusOutcome('Error-network-problem'), 'deferred');
  assert.equal(requestStatusOutcome('Error-service-denied'), 'rejected');
  assert.equal(requestStatusOutcome('???'), 'indeterminate');
});

test('errors map to the request status to answer with', () => {
  assert.equal(requestStatusForError(new Errors.HUB_ERR_MM4_MALFORMED('x')), 'Error-message-format-corrupt');
  assert.equal(
    requestStatusForError(new Errors.HUB_ERR_MM4_UNSUPPORTED_TYPE('x')),
    'Error-unsupported-message',
  );
  assert.equal(
    requestStatusForError(new Errors.HUB_ERR_MM4_INVALID_ADDRESS('x')),
    'Error-sending-address-unresolved',
  );
  assert.equal(
    requestStatusForError(new Errors.HUB_ERR_MM4_LIMIT_EXCEEDED('size', '1')),
    'Error-content-not-accepted',
  );
  assert.equal(requestStatusForError(new Errors.HUB_ERR_FORBIDDEN('x')), 'Error-service-denied');
  assert.equal(requestStatusForError(new Errors.HUB_ERR_STORE_UNAVAILABLE('x')), 'Error-network-problem');
  assert.equal(requestStatusForError(new Error('x')), 'Error-unspecified');
});
