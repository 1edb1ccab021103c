import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Errors,
  HubError,
  isHubError,
  toHttpStatus,
  toMm7Status,
  toSmppStatus,
  toSmtpReply,
} from './index.js';

test('every catalog key equals its class code and follows HUB_ERR_<AREA>_<WHAT>', () => {
  for (const [key, Cls] of Object.entries(Errors)) {
    assert.equal(Cls.code, key);
    assert.match(key, /^HUB_ERR_[A-Z0-9]+(_[A-Z0-9]+)*$/);
  }
});

test('template arguments fill %s in order and options carry details and cause', () => {
  const cause = new Error('boom');
  const err = new Errors.HUB_ERR_VALIDATION('recipient', 'not E.164', { details: { field: 'to' }, cause });
  assert.ok(err instanceof HubError);
  assert.ok(isHubError(err, 'HUB_ERR_VALIDATION'));
  assert.equal(err.message, 'Invalid recipient: not E.164');
  assert.deepEqual(err.details, { field: 'to' });
  assert.equal(err.cause, cause);
  assert.deepEqual(err.toJSON(), {
    code: 'HUB_ERR_VALIDATION',
    message: err.message,
    details: { field: 'to' },
  });
});

test('wire mappings come from the catalog, unknown errors get safe defaults', () => {
  const t = new Errors.HUB_ERR_THROTTLED('10/s');
  assert.equal(toSmppStatus(t), 0x58);
  assert.equal(toMm7Status(t), 3001);
  assert.deepEqual(toSmtpReply(t), [451, '4.7.1']);
  assert.equal(toHttpStatus(t), 429);
  assert.equal(t.recovery, 'throttled');
  const plain = new Error('x');
  assert.equal(toSmppStatus(plain), 0x08);
  assert.equal(toMm7Status(plain), 3000);
  assert.deepEqual(toSmtpReply(plain), [451, '4.3.0']);
  assert.equal(toHttpStatus(plain), 500);
});
