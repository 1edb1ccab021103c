import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHubError } from '@hub/errors';
import { normalizeAddress } from './address.js';
import { IdGenerator } from './ids.js';
import { applyState, createMessage, hopDuration, stamp, validateMessage } from './message.js';

const gen = new IdGenerator(1);

function sms(overrides: Record<string, unknown> = {}) {
  return createMessage(
    {
      id: gen.next(),
      direction: 'mt',
      kind: 'sms',
      origin: { protocol: 'smpp', account: 'acme', systemId: 'acme', interfaceVersion: 0x34 },
      from: normalizeAddress('SUREM', { ton: 5 })!,
      to: [normalizeAddress('+821055551234')!],
      content: {
        type: 'sms',
        dataCoding: 0,
        text: 'Your code is 483920.',
        bytes: Buffer.from('Your code is 483920.').toString('base64'),
        segments: 1,
      },
      options: { receipt: 'final' },
      ...overrides,
    },
    1_000,
    'smpp-gateway/1',
  );
}

test('createMessage fills version, state, defaults and the received stamp', () => {
  const m = sms();
  assert.equal(m.v, 1);
  assert.equal(m.state, 'accepted');
  assert.equal(m.class, 'message');
  assert.equal(m.options.priority, 0);
  assert.equal(m.attempts, 0);
  assert.deepEqual(m.history, [{ at: 1_000, hop: 'received', state: 'accepted', by: 'smpp-gateway/1' }]);
  // A record survives JSON (jobs and Redis) unchanged.
  assert.deepEqual(validateMessage(JSON.parse(JSON.stringify(m))), m);
});

test('bad input is rejected with the field and the reason', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ to: [] }, /to: /],
    [{ id: 'nope' }, /id: must be 16 upper-case hex digits/],
    [{ direction: 'sideways' }, /direction: /],
    [{ content: { type: 'sms', dataCoding: 300, bytes: '', segments: 1 } }, /content\.dataCoding/],
    [
      { content: { type: 'sms', dataCoding: 0, bytes: '%%%', segments: 1 } },
      /content\.bytes: must be base64/,
    ],
    [{ options: { priority: 9 } }, /options\.priority/],
  ];
  for (const [bad, re] of cases) {
    assert.throws(
      () => sms(bad),
      (err: unknown) => isHubError(err, 'HUB_ERR_VALIDATION') && re.test(err.message),
      `${JSON.stringify(bad)} should fail with ${re}`,
    );
  }
  assert.throws(
    () => validateMessage(null),
    (e: unknown) => isHubError(e, 'HUB_ERR_VALIDATION'),
  );
  assert.throws(() => validateMessage({ v: 2 }), /v: /);
});

test('applyState applies legal moves, records duplicates and late reports, refuses illegal ones', () => {
  let m = sms();
  m = applyState(m, 'routed', 'routed', { connector: 'smsc-a' }, 2_000).message;
  m = stamp(m, 'queued', {}, 2_001);
  const sub = applyState(m, 'submitted', 'upstream_ack', { upstreamId: 'abc' }, 2_050);
  assert.equal(sub.outcome, 'ok');
  m = sub.message;
  const dup = applyState(m, 'submitted', 'receipt', {}, 2_060);
  assert.equal(dup.outcome, 'duplicate');
  assert.equal(dup.message.state, 'submitted');
  m = applyState(dup.message, 'delivered', 'receipt', {}, 3_000).message;
  const late = applyState(m, 'undeliverable', 'receipt', { error: '001' }, 4_000);
  assert.equal(late.outcome, 'late');
  assert.equal(late.message.state, 'delivered');
  assert.equal(late.message.history.at(-1)?.outcome, 'late');
  assert.throws(
    () => applyState(sms(), 'delivered', 'receipt'),
    (e: unknown) => isHubError(e, 'HUB_ERR_ILLEGAL_TRANSITION'),
  );
  assert.equal(hopDuration(m, 'received', 'upstream_ack'), 1_050);
  assert.equal(hopDuration(m, 'received', 'receipt_delivered'), undefined);
});

test('history stays bounded under a flood of duplicate reports', () => {
  let m = applyState(applyState(sms(), 'routed', 'routed').message, 'submitted', 'upstream_ack').message;
  for (let i = 0; i < 1_200; i++) m = applyState(m, 'submitted', 'receipt', {}, 5_000 + i).message;
  assert.equal(m.history.length, 1000);
  assert.equal(m.history[0]?.hop, 'received');
  assert.doesNotThrow(() => validateMessage(m));
});

test('reports are owed per the receipt request and built back to the sender', async () => {
  const { buildReport, reportOwed } = await import('./report.js');
  const m = sms();
  assert.equal(reportOwed(m, 'delivered'), true);
  assert.equal(reportOwed(m, 'submitted'), false);
  assert.equal(reportOwed({ ...m, options: { ...m.options, receipt: 'failure' } }, 'delivered'), false);
  assert.equal(reportOwed({ ...m, options: { ...m.options, receipt: 'failure' } }, 'undeliverable'), true);
  assert.equal(reportOwed({ ...m, options: { ...m.options, receipt: 'success' } }, 'expired'), false);
  assert.equal(reportOwed({ ...m, options: { ...m.options, receipt: 'none' } }, 'delivered'), false);
  const r = buildReport(m, { state: 'delivered', at: 5_000 }, gen.next(), 5_000);
  assert.equal(r.class, 'report');
  assert.equal(r.report?.messageId, m.id);
  assert.equal(r.to[0]?.value, 'SUREM');
  assert.equal(r.content.type === 'sms' && r.content.text, 'Your code is 483920.'); // exactly 20 characters
  assert.doesNotThrow(() => validateMessage(r));
});
