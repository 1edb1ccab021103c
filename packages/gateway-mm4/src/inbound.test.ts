import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifySmtpError } from '@hub/connectors';
import { isHubError } from '@hub/errors';
import { decodeMm4, encodeMm4, type Mm4ForwardReq } from '@hub/mm4';
import { envelopeRecipient, forwardToMessage, originator, partOf, priorityOf } from './inbound.js';

test('envelope recipients: +E164 with or without /TYPE=PLMN, bare digits; mailboxes and junk are 553', () => {
  assert.equal(envelopeRecipient('+4915112345678/TYPE=PLMN@mms.hub.example').value, '+4915112345678');
  assert.equal(envelopeRecipient('+4915112345678@mms.hub.example').value, '+4915112345678');
  assert.equal(envelopeRecipient('972590000029/type=plmn@mms.hub.example').value, '+972590000029');
  assert.equal(
    envelopeRecipient('+4915112345678/TYPE=PLMN@mms.hub.example').original,
    '+4915112345678/TYPE=PLMN@mms.hub.example',
  );
  for (const bad of ['alice@mms.hub.example', '1.2.3.4/TYPE=IPv4@x', '', '+12/TYPE=PLMN@x']) {
    assert.throws(
      () => envelopeRecipient(bad),
      (e: unknown) => isHubError(e, 'HUB_ERR_GATEWAY_INVALID_DESTINATION'),
      bad,
    );
  }
});

test('originator: numbers and mailboxes; IP addresses are refused', () => {
  const d = decodeMm4(
    Buffer.from(
      'X-Mms-Message-Type: MM4_forward.REQ\r\nX-Mms-Transaction-ID: t\r\nX-Mms-Message-ID: m\r\nFrom: 10.0.0.1/TYPE=IPv4\r\nContent-Type: text/plain\r\n\r\nx',
    ),
  ) as Mm4ForwardReq;
  assert.throws(
    () => originator(d.from),
    (e: unknown) => isHubError(e, 'HUB_ERR_GATEWAY_INVALID_SOURCE'),
  );
});

test('priority words map to Hub priorities', () => {
  assert.deepEqual(['Low', 'normal', 'HIGH', undefined, 'odd'].map(priorityOf), [0, 1, 2, 1, 1]);
});

test('forwardToMessage: envelope recipients, origin, options, X-Mms headers, parts', () => {
  const now = Date.UTC(2026, 0, 1);
  const e = encodeMm4({
    type: 'MM4_forward.REQ',
    transactionId: 'T1',
    messageId: 'M1@peer',
    from: '+972590000028',
    to: ['+4915112345678'],
    cc: ['+4915112345679'],
    subject: 'S',
    expiry: 3600,
    date: new Date(now),
    readReply: true,
    deliveryReport: false,
    messageClass: 'Personal',
    originatorSystem: 'sys@peer',
    recipientDomain: 'hub',
    parts: [{ contentType: 'text/plain', body: 'x', contentId: 'c1' }],
  });
  const pdu = decodeMm4(e.mail) as Mm4ForwardReq;
  const parts = pdu.parts.map((p) => partOf(p, 'redis:0123456789abcdef0123456789abcdef'));
  const m = forwardToMessage(pdu, parts, {
    peer: 'peer-a',
    rcptTo: ['+4915112345679/TYPE=PLMN@hub'],
    remoteAddress: '127.0.0.1',
    instance: 'i',
    now,
  });
  // Routed by the envelope: only the recipient this hop was given.
  assert.deepEqual(
    m.to.map((a) => a.value),
    ['+4915112345679'],
  );
  assert.equal(m.direction, 'mo');
  assert.deepEqual(m.origin, {
    protocol: 'mm4',
    account: 'peer-a',
    instance: 'i',
    transactionId: 'T1',
    originatorSystem: 'sys@peer',
    senderMessageId: 'M1@peer',
    remoteAddress: '127.0.0.1',
  });
  assert.equal(m.options?.receipt, 'none');
  assert.equal(m.options?.readReply, true);
  assert.equal(m.options?.messageClass, 'Personal');
  assert.equal(m.options?.expireAt, now + 3_600_000);
  assert.equal(m.extras?.mm4Headers?.['x-mms-transaction-id'], 'T1');
  assert.deepEqual(m.content.type === 'mms' ? m.content.parts[0] : undefined, {
    contentType: 'text/plain',
    contentId: 'c1',
    charset: 'utf-8',
    size: 1,
    ref: 'redis:0123456789abcdef0123456789abcdef',
  });
  assert.throws(() =>
    forwardToMessage(pdu, parts, { peer: 'p', rcptTo: [], remoteAddress: '', instance: 'i', now }),
  );
});

test('SMTP failures by recovery: 5xx permanent (503 aside), 4xx and socket errors temporary', () => {
  const p = classifySmtpError(
    Object.assign(new Error('x'), { responseCode: 550, response: '550 5.1.1 no' }),
    'peer',
  );
  assert.ok(isHubError(p, 'HUB_ERR_MM4GW_PEER_REJECTED'));
  assert.equal(p.recovery, 'permanent');
  assert.match(p.message, /550 5\.1\.1 no/);
  const t = classifySmtpError(Object.assign(new Error('x'), { responseCode: 451 }), 'peer');
  assert.ok(isHubError(t, 'HUB_ERR_MM4GW_PEER_UNAVAILABLE'));
  assert.equal(t.recovery, 'temporary');
  assert.equal(
    classifySmtpError(Object.assign(new Error('x'), { responseCode: 503 }), 'p').code,
    'HUB_ERR_MM4GW_PEER_UNAVAILABLE',
  );
  const s = classifySmtpError(Object.assign(new Error('refused'), { code: 'ECONNECTION' }), 'p');
  assert.equal(s.code, 'HUB_ERR_MM4GW_PEER_UNAVAILABLE');
  assert.deepEqual(s.details, { reason: 'ECONNECTION' });
});
