import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { isHubError } from '@hub/errors';
import { encodeMm4, type Mm4ForwardReqInit } from './encode.js';
import { decodeMm4, type Mm4ForwardReq, startPart } from './pdu.js';

const date = new Date('2024-03-01T10:20:30Z');
const jpeg = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
  randomBytes(2000),
  Buffer.from([0xff, 0xd9]),
]);

const forward: Mm4ForwardReqInit = {
  type: 'MM4_forward.REQ',
  transactionId: 'hub-tx-1',
  messageId: 'hub-mid-1@mms.hub.example',
  from: '+447700900001',
  to: ['+972590000003', '+972590000004/TYPE=PLMN'],
  cc: ['friend@example.org'],
  bcc: ['+972590000005'],
  subject: 'Grüße 👋 שלום',
  date,
  expiry: 3600,
  messageClass: 'Personal',
  priority: 'Normal',
  deliveryReport: true,
  readReply: false,
  originatorSystem: 'system-user@mms.hub.example',
  forwardCounter: 2,
  previouslySentBy: ['+447700900009/TYPE=PLMN'],
  senderDomain: 'mms.hub.example',
  recipientDomain: 'mms.peer.example',
  start: 'smil',
  boundary: 'hub-boundary-1',
  extensions: { 'X-Mms-Applic-ID': 'app.1', 'X-Mms-Message-Type': 'ignored: ours wins' },
  parts: [
    {
      contentType: 'application/smil',
      body: '<smil><body><par><img src="a.jpg"/></par></body></smil>',
      contentId: 'smil',
      contentLocation: 'smil.xml',
    },
    { contentType: 'text/plain', body: 'héllo\nwörld', contentId: 'text1', contentLocation: 'text1.txt' },
    { contentType: 'text/plain', body: Buffer.from('plain\r\nascii'), charset: 'us-ascii', contentId: 't2' },
    {
      contentType: 'image/jpeg',
      body: jpeg,
      contentId: 'img',
      contentLocation: 'a.jpg',
      filename: 'a.jpg',
      disposition: 'inline',
    },
  ],
};

test('forward.REQ: encode → decode round trip keeps every field and exact part bytes', () => {
  const { mail, envelope } = encodeMm4(forward);
  assert.deepEqual(envelope, {
    from: '+447700900001/TYPE=PLMN@mms.hub.example',
    to: [
      '+972590000003/TYPE=PLMN@mms.peer.example',
      '+972590000004/TYPE=PLMN@mms.peer.example',
      'friend@example.org',
      '+972590000005/TYPE=PLMN@mms.peer.example',
    ],
  });
  const text = mail.toString('latin1');
  assert.ok(!/[^\r]\n/.test(text), 'CRLF only');
  assert.ok(!text.includes('+972590000005'), 'Bcc never in headers');
  assert.match(
    text,
    /\r\nContent-Type: multipart\/related; boundary="hub-boundary-1";\r\n type="application\/smil"; start="<smil>"\r\n/,
  );
  for (const line of text.split('\r\n\r\n')[0]?.split('\r\n') ?? []) assert.ok(line.length <= 998);
  // base64 lines of the image are 76 characters.
  const b64 = text.slice(text.indexOf('Content-Location: a.jpg'));
  const lines = b64.split('\r\n').slice(4, -4);
  assert.ok(lines.length > 10 && lines.slice(0, -1).every((l) => l.length === 76));

  const pdu = decodeMm4(mail) as Mm4ForwardReq;
  assert.equal(pdu.type, 'MM4_forward.REQ');
  assert.equal(pdu.version, '5.5.0');
  assert.equal(pdu.transactionId, 'hub-tx-1');
  assert.equal(pdu.messageId, 'hub-mid-1@mms.hub.example');
  assert.equal(pdu.rfc822MessageId, 'hub-mid-1@mms.hub.example');
  assert.equal(pdu.from.value, '+447700900001');
  assert.equal(pdu.sender?.domain, 'mms.hub.example');
  assert.deepEqual(
    pdu.to.map((a) => a.value),
    ['+972590000003', '+972590000004'],
  );
  assert.deepEqual(
    pdu.cc.map((a) => a.value),
    ['friend@example.org'],
  );
  assert.equal(pdu.subject, 'Grüße 👋 שלום');
  assert.deepEqual(pdu.date, date);
  assert.deepEqual(pdu.expiry, new Date(date.getTime() + 3600_000));
  assert.equal(pdu.messageClass, 'Personal');
  assert.equal(pdu.priority, 'Normal');
  assert.equal(pdu.deliveryReport, true);
  assert.equal(pdu.readReply, false);
  assert.equal(pdu.ackRequest, true);
  assert.equal(pdu.originatorSystem, 'system-user@mms.hub.example');
  assert.equal(pdu.forwardCounter, 2);
  assert.deepEqual(pdu.previouslySentBy, ['+447700900009/TYPE=PLMN']);
  assert.equal(pdu.extensions['X-Mms-Applic-ID'], 'app.1');
  assert.equal(pdu.extensions['X-Mms-Message-Type'], 'MM4_forward.REQ');
  assert.equal(pdu.content.kind, 'multipart');
  assert.equal(startPart(pdu.content)?.contentId, 'smil');
  assert.deepEqual(
    pdu.parts.map((p) => [p.contentType, p.contentId, p.contentLocation, p.charset, p.filename]),
    [
      ['application/smil', 'smil', 'smil.xml', 'utf-8', undefined],
      ['text/plain', 'text1', 'text1.txt', 'utf-8', undefined],
      ['text/plain', 't2', undefined, 'us-ascii', undefined],
      ['image/jpeg', 'img', 'a.jpg', undefined, 'a.jpg'],
    ],
  );
  assert.equal(pdu.parts[0]?.body.toString(), forward.parts[0]?.body);
  assert.equal(pdu.parts[1]?.body.toString('utf8'), 'héllo\nwörld');
  assert.deepEqual(pdu.parts[2]?.body, Buffer.from('plain\r\nascii'));
  assert.deepEqual(pdu.parts[3]?.body, jpeg);
});

test('forward.REQ without SMIL is multipart/mixed; multipart "none" sends one part as the body', () => {
  const mixed = encodeMm4({
    ...forward,
    start: undefined,
    parts: [{ contentType: 'image/jpeg', body: jpeg }],
  });
  const pdu = decodeMm4(mixed.mail) as Mm4ForwardReq;
  assert.equal(pdu.content.contentType, 'multipart/mixed');
  assert.deepEqual(pdu.parts[0]?.body, jpeg);
  const single = encodeMm4({
    ...forward,
    start: undefined,
    multipart: 'none',
    parts: [{ contentType: 'text/plain', body: 'hi' }],
  });
  const p2 = decodeMm4(single.mail) as Mm4ForwardReq;
  assert.equal(p2.content.kind, 'part');
  assert.equal(p2.parts[0]?.body.toString(), 'hi');
  assert.equal(p2.parts[0]?.charset, 'utf-8');
});

test('forward.RES golden bytes', () => {
  const { mail, envelope } = encodeMm4({
    type: 'MM4_forward.RES',
    transactionId: '38637220220126001745557@mms.hotmobile.co.il',
    messageId: 'kyuoj0sgre1p96@w.mms.hotmobile.co.il',
    requestStatus: 'Ok',
    statusText: 'All is good.',
    to: 'PostMaster@mms.hotmobile.co.il',
    originatorSystem: 'system-user@mms.hub.example',
    requestRecipients: ['+972590000006/TYPE=PLMN'],
    date,
  });
  assert.deepEqual(envelope, { from: 'system-user@mms.hub.example', to: ['PostMaster@mms.hotmobile.co.il'] });
  assert.equal(
    mail.toString('latin1'),
    [
      'X-Mms-3GPP-MMS-Version: 5.5.0',
      'X-Mms-Message-Type: MM4_forward.RES',
      'X-Mms-Transaction-ID: 38637220220126001745557@mms.hotmobile.co.il',
      'X-Mms-Message-ID: kyuoj0sgre1p96@w.mms.hotmobile.co.il',
      'From: system-user@mms.hub.example',
      'To: PostMaster@mms.hotmobile.co.il',
      'Subject: MM4_forward.RES',
      'Date: Fri, 01 Mar 2024 10:20:30 +0000',
      'X-Mms-Originator-System: system-user@mms.hub.example',
      'X-Mms-Request-Status-Code: Ok',
      'X-Mms-Status-Text: All is good.',
      'X-Mms-Request-Recipients: +972590000006/TYPE=PLMN',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      '',
    ].join('\r\n'),
  );
  const pdu = decodeMm4(mail);
  assert.equal(pdu.type, 'MM4_forward.RES');
  if (pdu.type !== 'MM4_forward.RES') return;
  assert.equal(pdu.requestStatus, 'Ok');
  assert.equal(pdu.statusText, 'All is good.');
  assert.deepEqual(
    pdu.requestRecipients.map((a) => a.value),
    ['+972590000006'],
  );
});

test('delivery_report.REQ/RES and read_reply_report.REQ/RES round trips', () => {
  const dr = encodeMm4({
    type: 'MM4_delivery_report.REQ',
    transactionId: 'dr-1',
    messageId: 'mid-9',
    recipient: '+972590000003',
    to: ['+447700900001'],
    mmStatus: 'Retrieved',
    mmStatusExtension: 'RejectionByMMSRecipient',
    statusText: 'réçu',
    forwardToOriginatorUa: true,
    originatorSystem: 'system-user@mms.hub.example',
    recipientDomain: 'mms.peer.example',
    date,
  });
  assert.deepEqual(dr.envelope.to, ['+447700900001/TYPE=PLMN@mms.peer.example']);
  const d = decodeMm4(dr.mail);
  assert.equal(d.type, 'MM4_delivery_report.REQ');
  if (d.type === 'MM4_delivery_report.REQ') {
    assert.deepEqual(
      [
        d.transactionId,
        d.messageId,
        d.mmStatus,
        d.mmStatusExtension,
        d.statusText,
        d.recipient?.value,
        d.ackRequest,
        d.forwardToOriginatorUa,
      ],
      ['dr-1', 'mid-9', 'Retrieved', 'RejectionByMMSRecipient', 'réçu', '+972590000003', true, true],
    );
    assert.deepEqual(d.date, date);
  }
  const rr = encodeMm4({
    type: 'MM4_read_reply_report.REQ',
    transactionId: 'rr-1',
    messageId: 'mid-9',
    recipient: '+972590000003',
    to: ['+447700900001'],
    readStatus: 'Deleted without being read',
    ackRequest: false,
    originatorSystem: 'system-user@mms.hub.example',
    envelopeTo: ['x@y.z'],
    date,
  });
  assert.deepEqual(rr.envelope.to, ['x@y.z']);
  const r = decodeMm4(rr.mail);
  assert.equal(r.type, 'MM4_read_reply_report.REQ');
  if (r.type === 'MM4_read_reply_report.REQ') {
    assert.deepEqual(
      [r.readStatus, r.ackRequest, r.messageId],
      ['Deleted without being read', false, 'mid-9'],
    );
  }
  for (const type of ['MM4_delivery_report.RES', 'MM4_read_reply_report.RES'] as const) {
    const res = encodeMm4({
      type,
      transactionId: 'tx-7',
      messageId: 'mid-9',
      requestStatus: 'Error-message-not-found',
      to: 'postmaster@mms.peer.example',
      originatorSystem: 'system-user@mms.hub.example',
      date,
    });
    const p = decodeMm4(res.mail);
    assert.equal(p.type, type);
    if (p.type === type) {
      assert.deepEqual(
        [p.transactionId, p.messageId, p.requestStatus],
        ['tx-7', 'mid-9', 'Error-message-not-found'],
      );
    }
  }
});

test('encode rejects header injection and unsendable input with HUB_ERR_MM4_INVALID_PDU', () => {
  const bad: Array<Partial<Mm4ForwardReqInit>> = [
    { subject: 'hi\r\nBcc: evil@x' },
    { transactionId: 'a\nb' },
    { transactionId: ' ' },
    { messageClass: 'Personal\r\nX: y' },
    { extensions: { 'Bad Name': 'x' } },
    { parts: [{ contentType: 'image/jpeg\r\nX: y', body: 'x' }] },
    { parts: [{ contentType: 'text/plain', body: 'x', contentId: 'a>b' }] },
    { boundary: 'b', parts: [{ contentType: 'text/plain', body: 'x\r\n--b\r\n' }], start: undefined },
    { recipientDomain: undefined },
    { to: [], cc: [], bcc: [] },
  ];
  for (const patch of bad) {
    assert.throws(
      () => encodeMm4({ ...forward, ...patch } as Mm4ForwardReqInit),
      (e) => isHubError(e, 'HUB_ERR_MM4_INVALID_PDU'),
      JSON.stringify(patch),
    );
  }
  assert.throws(
    () => encodeMm4({ ...forward, to: ['abc/TYPE=PLMN'] }),
    (e) => isHubError(e, 'HUB_ERR_MM4_INVALID_ADDRESS'),
  );
});

test('a long To list is folded and decodes back to every recipient', () => {
  const to = Array.from({ length: 20 }, (_, i) => `+97259000${String(i).padStart(4, '0')}`);
  const { mail } = encodeMm4({ ...forward, to });
  const head = mail.toString('latin1').split('\r\n\r\n')[0] ?? '';
  for (const line of head.split('\r\n')) assert.ok(line.length <= 78 || line.startsWith('Subject'), line);
  const pdu = decodeMm4(mail);
  assert.equal(pdu.to.length, 20);
});
