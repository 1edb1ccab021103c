import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  fromMmStatus,
  fromSmppMessageState,
  fromSmppStat,
  MessageState,
  toMm7StatusCode,
  toMmStatus,
  toSmppMessageState,
  toSmppStat,
  transition,
} from './status.js';

test('the happy path and the failure exits are legal', () => {
  assert.equal(transition('accepted', 'routed'), 'ok');
  assert.equal(transition('routed', 'submitted'), 'ok');
  assert.equal(transition('submitted', 'delivered'), 'ok');
  assert.equal(transition('accepted', 'rejected'), 'ok');
  assert.equal(transition('accepted', 'expired'), 'ok');
  assert.equal(transition('routed', 'deleted'), 'ok');
  assert.equal(transition('submitted', 'unknown'), 'ok');
  assert.equal(transition('unknown', 'delivered'), 'ok');
  // A receipt can overtake the submit response.
  assert.equal(transition('routed', 'delivered'), 'ok');
});

test('illegal transitions are refused', () => {
  assert.equal(transition('accepted', 'delivered'), 'illegal');
  assert.equal(transition('accepted', 'submitted'), 'illegal');
  assert.equal(transition('submitted', 'accepted'), 'illegal');
  assert.equal(transition('delivered', 'accepted', { retry: true }), 'illegal');
  assert.equal(transition('routed', 'accepted', { retry: true }), 'illegal');
});

test('duplicate and late reports are tolerated, not applied', () => {
  assert.equal(transition('submitted', 'submitted'), 'duplicate');
  assert.equal(transition('delivered', 'delivered'), 'late');
  assert.equal(transition('delivered', 'undeliverable'), 'late');
  assert.equal(transition('expired', 'submitted'), 'late');
  assert.equal(transition('submitted', 'routed'), 'late');
});

test('operator retry reopens failed messages only', () => {
  for (const s of ['undeliverable', 'expired', 'rejected', 'unknown'] as const) {
    assert.equal(transition(s, 'accepted', { retry: true }), 'ok', s);
  }
});

test('SMPP stat and message_state mapping both ways', () => {
  const expected = {
    accepted: ['ACCEPTD', 1],
    routed: ['ACCEPTD', 1],
    submitted: ['ENROUTE', 1],
    delivered: ['DELIVRD', 2],
    undeliverable: ['UNDELIV', 5],
    expired: ['EXPIRED', 3],
    rejected: ['REJECTD', 8],
    deleted: ['DELETED', 4],
    unknown: ['UNKNOWN', 7],
  } as const;
  for (const s of MessageState.options) {
    assert.equal(toSmppStat(s), expected[s][0]);
    assert.equal(toSmppMessageState(s), expected[s][1]);
  }
  assert.equal(toSmppMessageState('accepted', { scheduled: true, v5: true }), 0);
  assert.equal(toSmppMessageState('accepted', { scheduled: true }), 1);
  for (const s of ['delivered', 'undeliverable', 'expired', 'rejected', 'deleted', 'unknown'] as const) {
    assert.equal(fromSmppStat(toSmppStat(s)), s);
    assert.equal(fromSmppMessageState(toSmppMessageState(s)), s);
  }
  assert.equal(fromSmppStat('delivrd'), 'delivered');
  assert.equal(fromSmppStat('BADSTAT'), 'unknown');
  assert.equal(fromSmppStat('ENROUTE'), 'submitted');
  assert.equal(fromSmppMessageState(42), 'unknown');
});

test('MM7 MMStatus / MM4 MM-Status-Code mapping and MM7 StatusCode', () => {
  assert.equal(toMmStatus('delivered'), 'Retrieved');
  assert.equal(toMmStatus('expired'), 'Expired');
  assert.equal(toMmStatus('rejected'), 'Rejected');
  assert.equal(toMmStatus('submitted'), 'Deferred');
  assert.equal(toMmStatus('unknown'), 'Indeterminate');
  assert.equal(fromMmStatus('Retrieved'), 'delivered');
  assert.equal(fromMmStatus('forwarded'), 'submitted');
  assert.equal(fromMmStatus('Unrecognised'), 'undeliverable');
  assert.equal(fromMmStatus('Indeterminate'), 'unknown');
  assert.equal(fromMmStatus('whatever'), 'unknown');
  assert.equal(toMm7StatusCode('accepted'), 1000);
  assert.equal(toMm7StatusCode('rejected'), 4000);
});
