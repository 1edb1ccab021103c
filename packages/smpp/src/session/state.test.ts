import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allowed, bindRefusalStatus, boundStateFor, isBound, SessionState } from './state.js';

const { OPEN, BINDING, BOUND_TX, BOUND_RX, BOUND_TRX, UNBINDING, CLOSED } = SessionState;

test('binds only in OPEN, by the ESME', () => {
  for (const bind of ['bind_transmitter', 'bind_receiver', 'bind_transceiver']) {
    assert.equal(allowed(OPEN, bind, 'esme'), true);
    assert.equal(allowed(OPEN, bind, 'mc'), false);
    for (const s of [BINDING, BOUND_TX, BOUND_RX, BOUND_TRX, UNBINDING, CLOSED])
      assert.equal(allowed(s, bind, 'esme'), false);
  }
  assert.equal(bindRefusalStatus(OPEN), 0);
  assert.equal(bindRefusalStatus(BOUND_TRX), 0x05);
  assert.equal(bindRefusalStatus(BINDING), 0x04);
});

test('enquire_link and generic_nack in every state but CLOSED; unbind only when bound', () => {
  for (const s of [OPEN, BINDING, BOUND_TX, BOUND_RX, BOUND_TRX, UNBINDING]) {
    for (const side of ['esme', 'mc'] as const) {
      assert.equal(allowed(s, 'enquire_link', side), true);
      assert.equal(allowed(s, 'generic_nack', side), true);
      assert.equal(allowed(s, 'unbind', side), isBound(s));
    }
  }
  assert.equal(allowed(CLOSED, 'enquire_link', 'esme'), false);
});

test('operation matrix for transmitter and receiver operations', () => {
  const esmeTx = [
    'submit_sm',
    'submit_multi',
    'query_sm',
    'cancel_sm',
    'replace_sm',
    'broadcast_sm',
    'data_sm',
  ];
  for (const cmd of esmeTx) {
    assert.equal(allowed(BOUND_TX, cmd, 'esme'), true, cmd);
    assert.equal(allowed(BOUND_TRX, cmd, 'esme'), true, cmd);
    assert.equal(allowed(BOUND_RX, cmd, 'esme'), false, cmd);
    assert.equal(allowed(OPEN, cmd, 'esme'), false, cmd);
  }
  for (const cmd of ['deliver_sm', 'data_sm', 'alert_notification']) {
    assert.equal(allowed(BOUND_RX, cmd, 'mc'), true, cmd);
    assert.equal(allowed(BOUND_TRX, cmd, 'mc'), true, cmd);
    assert.equal(allowed(BOUND_TX, cmd, 'mc'), false, cmd);
  }
  assert.equal(allowed(BOUND_TRX, 'deliver_sm', 'esme'), false, 'an ESME never issues deliver_sm');
  assert.equal(allowed(BOUND_TRX, 'submit_sm', 'mc'), false, 'an MC never issues submit_sm');
  assert.equal(allowed(BOUND_TRX, 'no_such_command', 'esme'), false);
  assert.equal(allowed(OPEN, 'outbind', 'mc'), true);
  assert.equal(boundStateFor('rx'), BOUND_RX);
  assert.equal(boundStateFor('bind_transceiver'), BOUND_TRX);
});
