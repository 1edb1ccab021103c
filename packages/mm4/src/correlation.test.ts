import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHubError } from '@hub/errors';
import { ackFor, needsAck, normalizeId, reportKey, reqKey, resKey } from './correlation.js';
import { encodeMm4 } from './encode.js';
import { decodeMm4, type Mm4Req } from './pdu.js';

const date = new Date('2024-03-01T10:20:30Z');

function req(extra: string, type = 'MM4_forward.REQ'): Mm4Req {
  const mail = [
    `X-Mms-Message-Type: ${type}`,
    'X-Mms-3GPP-MMS-Version: 6.3.0',
    'X-Mms-Transaction-ID: "T-42"',
    'X-Mms-Message-ID: "M-42"',
    'From: +447700900001/TYPE=PLMN',
    'To: +972590000003/TYPE=PLMN',
    'X-Mms-MM-Status-Code: Expired',
    'X-Mms-MM-Read-Status: Read',
    extra,
    'Content-Type: text/plain',
    '',
    'hi',
  ].join('\r\n');
  return decodeMm4(Buffer.from(mail)) as Mm4Req;
}

test('a .RES correlates to its REQ by Transaction-ID scoped by the originator system', () => {
  const ours = encodeMm4({
    type: 'MM4_forward.REQ',
    transactionId: 'T-42',
    messageId: 'M-42',
    from: '+447700900001',
    to: ['+972590000003'],
    originatorSystem: 'System-User@MMS.hub.example',
    recipientDomain: 'mms.peer.example',
    parts: [{ contentType: 'text/plain', body: 'hi' }],
    date,
  });
  const sent = decodeMm4(ours.mail) as Mm4Req;
  // The peer answers to our originator system, possibly with quotes and other casing.
  const res = decodeMm4(
    Buffer.from(
      'X-Mms-Message-Type: MM4_forward.RES\nX-Mms-Transaction-Id: "T-42"\nTo: system-user@mms.hub.example\nX-Mms-Request-Status-Code: Ok\n\n',
    ),
  );
  assert.equal(res.type, 'MM4_forward.RES');
  if (res.type !== 'MM4_forward.RES') return;
  assert.equal(resKey(res), reqKey(sent));
  assert.equal(resKey(res, 'SYSTEM-USER@mms.hub.example'), reqKey(sent));
  assert.notEqual(resKey(res, 'other@mms.hub.example'), reqKey(sent));
  // Reports correlate by the X-Mms-Message-ID of the MM.
  assert.equal(reportKey(req('X-Mms-Originator-System: a@b.c', 'MM4_delivery_report.REQ')), reportKey(sent));
  assert.equal(normalizeId(' "<abc>" '), 'abc');
});

test('needsAck follows X-Mms-Ack-Request', () => {
  assert.equal(needsAck(req('X-Mms-Ack-Request: Yes')), true);
  assert.equal(needsAck(req('X-Mms-Ack-Request: no')), false);
  assert.equal(needsAck(req('X-Other: 1')), false);
});

test('ackFor builds the matching .RES for each REQ type, to the originator system (fallback Sender)', () => {
  const fwd = req('X-Mms-Ack-Request: Yes\r\nX-Mms-Originator-System: PostMaster@mms.peer.example');
  const res = ackFor(fwd, 'Ok', {
    originatorSystem: 'system-user@mms.hub.example',
    statusText: 'fine',
    date,
  });
  assert.deepEqual(res, {
    type: 'MM4_forward.RES',
    transactionId: 'T-42',
    messageId: 'M-42',
    requestStatus: 'Ok',
    to: 'PostMaster@mms.peer.example',
    originatorSystem: 'system-user@mms.hub.example',
    statusText: 'fine',
    date,
    version: '6.3.0',
  });
  const enc = encodeMm4(res);
  assert.deepEqual(enc.envelope, {
    from: 'system-user@mms.hub.example',
    to: ['PostMaster@mms.peer.example'],
  });

  const dr = req('Sender: +447700900001/TYPE=PLMN@mms.peer.example', 'MM4_delivery_report.REQ');
  const drRes = ackFor(dr, 'Error-message-not-found', { originatorSystem: 'x@y.z', version: '5.5.0' });
  assert.equal(drRes.type, 'MM4_delivery_report.RES');
  assert.equal(drRes.to, '+447700900001/TYPE=PLMN@mms.peer.example');
  assert.equal(drRes.version, '5.5.0');
  const rr = req('X-Mms-Originator-System: <rr@peer.example>', 'MM4_read_reply_report.REQ');
  assert.equal(ackFor(rr, 'Ok', { originatorSystem: 'x@y.z' }).type, 'MM4_read_reply_report.RES');
  assert.equal(ackFor(rr, 'Ok', { originatorSystem: 'x@y.z' }).to, 'rr@peer.example');

  assert.throws(
    () => ackFor(req('X-Other: 1'), 'Ok', { originatorSystem: 'x@y.z' }),
    (e) => isHubError(e, 'HUB_ERR_MM4_MISSING_HEADER'),
  );
});
