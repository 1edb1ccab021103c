import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Errors, isHubError } from '@hub/errors';
import {
  absoluteTime,
  DEFAULT_MM7_NAMESPACE,
  encodeCancelReq,
  encodeCancelRsp,
  encodeDeliverReq,
  encodeDeliverRsp,
  encodeDeliveryReportReq,
  encodeDeliveryReportRsp,
  encodeMm7,
  encodeMm7Xml,
  encodeReadReplyReq,
  encodeReadReplyRsp,
  encodeReplaceReq,
  encodeReplaceRsp,
  encodeRsErrorFor,
  encodeRsErrorRsp,
  encodeSubmitReq,
  encodeSubmitRsp,
  mm7NamespaceFor,
  relativeTime,
} from './encode.js';
import { decodeMm7Request } from './request.js';
import { decodeSoap } from './soap.js';
import type { Mm7Message } from './types.js';
import type { XmlElement } from './xml.js';

const goldenDir = new URL('./__golden__/', import.meta.url);
const golden = (name: string): Buffer => readFileSync(new URL(name, goldenDir));
const NS5 = mm7NamespaceFor('REL-5-MM7-1-0');

/** Namespace declarations on kept extensions may move between styles; names and namespaces must not. */
function withoutXmlns(m: Mm7Message): unknown {
  const strip = (x: XmlElement): unknown => ({
    ...x,
    attributes: Object.fromEntries(
      Object.entries(x.attributes).filter(([k]) => k !== 'xmlns' && !k.startsWith('xmlns:')),
    ),
    children: x.children.map(strip),
  });
  return { ...m, extensions: m.extensions.map(strip) };
}

test('golden: SubmitRsp echoes the REL-5-MM7-1-0 / 5.3.0 request namespace, version and TransactionID', () => {
  const req = decodeSoap(golden('submitreq-rel5-mm7-1-0-v5.3.0.xml').toString());
  const rsp = encodeSubmitRsp(req.envelope, { messageId: 'msg-1' });
  assert.equal(rsp.contentType, 'text/xml; charset="utf-8"');
  assert.equal(rsp.body.toString(), golden('encoded-submitrsp-rel5-mm7-1-0-v5.3.0.xml').toString());
  const back = decodeSoap(rsp.body.toString());
  assert.deepEqual(
    [
      back.envelope.transactionId,
      back.envelope.namespace,
      back.envelope.version,
      back.envelope.mustUnderstand,
    ],
    ['tx-r5-001', NS5, '5.3.0', true],
  );
  assert.deepEqual(back.message, {
    type: 'SubmitRsp',
    status: { code: 1000, text: 'Success' },
    messageId: 'msg-1',
    extensions: [],
  });
});

test('golden: RSErrorRsp in a SOAP Fault, default-namespace style, faultcode by class', () => {
  const req = decodeSoap(golden('submitreq-rel5-mm7-1-0-v5.3.0.xml').toString());
  const rsp = encodeRsErrorRsp({ ...req.envelope, prefix: '' }, 2002);
  assert.equal(
    rsp.body.toString(),
    golden('encoded-rserrorrsp-2002-default-ns-rel5-mm7-1-0-v5.3.0.xml').toString(),
  );
  const back = decodeSoap(rsp.body.toString());
  assert.equal(back.envelope.namespace, NS5);
  assert.deepEqual(back.message, {
    type: 'RSErrorRsp',
    status: { code: 2002, text: 'Address Error' },
    fault: { code: 'env:Client', string: 'Address Error', actor: undefined },
    extensions: [],
  });
  const server = decodeSoap(
    encodeRsErrorRsp({}, { code: 3000, details: 'db down' }, 'Server error').body.toString(),
  ).message;
  assert.deepEqual(server, {
    type: 'RSErrorRsp',
    status: { code: 3000, text: 'Server Error', details: 'db down' },
    fault: { code: 'env:Server', string: 'Server error', actor: undefined },
    extensions: [],
  });
});

test('golden: text-only DeliverReq as multipart/related with start and type', () => {
  const entity = encodeDeliverReq(
    { transactionId: 'mo-1' },
    {
      sender: { kind: 'Number', value: '+1555' },
      recipients: { to: [{ kind: 'ShortCode', value: '1234' }], cc: [], bcc: [] },
      subject: 'hi',
    },
    { contentType: 'text/plain; charset=utf-8', body: 'hello' },
    { boundary: 'b1' },
  );
  assert.equal(entity.contentType, 'multipart/related; boundary="b1"; type="text/xml"; start="<mm7-soap>"');
  assert.deepEqual(entity.body, golden('encoded-deliverreq-text-only-rel6-mm7-1-4-v6.8.0.mime'));
  const back = decodeMm7Request(entity.contentType, entity.body);
  assert.equal(back.message.type, 'DeliverReq');
  assert.equal(back.attachments[0]?.matchedBy, 'content-id');
  assert.equal(back.attachments[0]?.part.body.toString(), 'hello');
});

test('MO DeliverReq with SMIL + image content round-trips byte-exact', () => {
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x0d, 0x0a, 0x2d, 0x2d, 0xff, 0xd9]);
  const entity = encodeDeliverReq(
    { transactionId: 'mo-2', namespace: mm7NamespaceFor('REL-6-MM7-1-4'), version: '6.8.0' },
    {
      sender: { kind: 'Number', value: '+1555' },
      timeStamp: absoluteTime(new Date(Date.UTC(2024, 0, 1))),
      content: [{ href: 'cid:mms', allowAdaptations: true }],
    },
    {
      contentType: 'multipart/related; type="application/smil"; start="<smil>"',
      contentId: 'mms',
      parts: [
        { contentType: 'application/smil', contentId: 'smil', body: '<smil/>' },
        { contentType: 'image/jpeg', contentId: 'img', contentLocation: 'a.jpg', body: jpeg },
      ],
    },
  );
  const back = decodeMm7Request(entity.contentType, entity.body);
  assert.deepEqual(back.message, {
    type: 'DeliverReq',
    sender: { kind: 'Number', value: '+1555' },
    timeStamp: { kind: 'absolute', raw: '2024-01-01T00:00:00.000Z', epochMs: Date.UTC(2024, 0, 1) },
    content: [{ href: 'cid:mms', allowAdaptations: true }],
    extensions: [],
  });
  const content = back.attachments[0]?.part;
  assert.equal(content?.contentType, 'multipart/related');
  assert.deepEqual(content?.parts?.[1]?.body, jpeg);
  assert.equal(content?.parts?.[1]?.transferEncoding, 'base64');
});

test('round trip: every golden message decodes → encodes → decodes to the same message', () => {
  const files = readdirSync(goldenDir).filter((f) => f.endsWith('.xml') && !f.startsWith('encoded-'));
  assert.ok(files.length >= 15);
  for (const f of files) {
    const first = decodeSoap(golden(f).toString());
    for (const prefix of ['mm7', '']) {
      const xml = encodeMm7Xml({ ...first.envelope, prefix }, first.message);
      const again = decodeSoap(xml);
      assert.deepEqual(withoutXmlns(again.message), withoutXmlns(first.message), `${f} (prefix "${prefix}")`);
      assert.equal(again.envelope.transactionId, first.envelope.transactionId, f);
      assert.equal(again.envelope.version, first.envelope.version, f);
      if (first.envelope.namespace !== undefined)
        assert.equal(again.envelope.namespace, first.envelope.namespace, f);
    }
  }
});

test('every response and request encoder produces its message type with defaults filled', () => {
  const ctx = { transactionId: 't' };
  const cases: Array<[Buffer, string, Record<string, unknown>]> = [
    [
      encodeDeliverRsp(ctx, { serviceCode: 'sc' }).body,
      'DeliverRsp',
      { status: { code: 1000, text: 'Success' }, serviceCode: 'sc' },
    ],
    [encodeCancelRsp(ctx, 2005).body, 'CancelRsp', { status: { code: 2005, text: 'Message ID Not found' } }],
    [encodeReplaceRsp(ctx).body, 'ReplaceRsp', { status: { code: 1000, text: 'Success' } }],
    [
      encodeDeliveryReportRsp(ctx, { code: 1000, text: 'Thanks' }).body,
      'DeliveryReportRsp',
      { status: { code: 1000, text: 'Thanks' } },
    ],
    [encodeReadReplyRsp(ctx).body, 'ReadReplyRsp', { status: { code: 1000, text: 'Success' } }],
    [
      encodeCancelReq(ctx, { senderIdentification: { vaspId: 'v' }, messageId: 'm' }).body,
      'CancelReq',
      { messageId: 'm' },
    ],
    [
      encodeReplaceReq(ctx, {
        senderIdentification: { vaspId: 'v' },
        messageId: 'm',
        earliestDeliveryTime: relativeTime(90),
      }).body,
      'ReplaceReq',
      { earliestDeliveryTime: { kind: 'relative', raw: 'PT90S', seconds: 90 } },
    ],
    [
      encodeReadReplyReq(ctx, {
        messageId: 'm',
        recipient: { kind: 'Number', value: '+1' },
        sender: { kind: 'ShortCode', value: '2' },
        timeStamp: absoluteTime(new Date(0)),
        mmStatus: 'Deleted',
      }).body,
      'ReadReplyReq',
      { mmStatus: 'Deleted' },
    ],
  ];
  for (const [body, type, fields] of cases) {
    const { envelope, message } = decodeSoap(body.toString());
    assert.equal(envelope.messageType, type);
    assert.equal(envelope.namespace, DEFAULT_MM7_NAMESPACE);
    assert.equal(envelope.version, '6.8.0');
    for (const [k, v] of Object.entries(fields))
      assert.deepEqual((message as unknown as Record<string, unknown>)[k], v, `${type}.${k}`);
  }
});

test('DeliveryReportReq for every MMStatus Hub emits', () => {
  for (const mmStatus of [
    'Retrieved',
    'Rejected',
    'Deferred',
    'Expired',
    'Indeterminate',
    'Forwarded',
    'Unrecognised',
  ] as const) {
    const body = encodeDeliveryReportReq(
      { transactionId: `dr-${mmStatus}`, namespace: NS5, version: '5.3.0' },
      {
        messageId: 'msg-9',
        recipient: { kind: 'Number', value: '+15550002' },
        sender: { kind: 'ShortCode', value: '1234' },
        date: absoluteTime(new Date(Date.UTC(2024, 4, 1))),
        mmStatus,
        statusText: `status ${mmStatus} <&>`,
      },
    ).body;
    const { envelope, message } = decodeSoap(body.toString());
    assert.equal(envelope.version, '5.3.0');
    assert.deepEqual(message, {
      type: 'DeliveryReportReq',
      messageId: 'msg-9',
      recipient: { kind: 'Number', value: '+15550002' },
      sender: { kind: 'ShortCode', value: '1234' },
      date: { kind: 'absolute', raw: '2024-05-01T00:00:00.000Z', epochMs: Date.UTC(2024, 4, 1) },
      mmStatus,
      statusText: `status ${mmStatus} <&>`,
      extensions: [],
    });
  }
});

test('SubmitReq encoder: all fields in schema order, content refs added, escaping and invalid chars', () => {
  const entity = encodeSubmitReq(
    { transactionId: 'sub-1', version: '6.8.0' },
    {
      senderIdentification: {
        vaspId: 'v&p',
        vasId: 's',
        senderAddress: { kind: 'ShortCode', value: '1234' },
      },
      recipients: {
        to: [{ kind: 'Number', value: '+15550002', displayOnly: false }],
        cc: [],
        bcc: [{ kind: 'RFC2822Address', value: 'a@b.c' }],
      },
      serviceCode: 'sc',
      messageClass: 'Personal',
      expiryDate: relativeTime(86400),
      deliveryReport: true,
      readReply: false,
      priority: 'High',
      subject: 'x <y> & "z" \u0001 \'q\'',
      distributionIndicator: false,
    },
    [
      { contentType: 'text/plain; charset=utf-8', body: 'one' },
      { contentType: 'image/gif', contentId: 'g', body: Buffer.from('GIF89a') },
    ],
  );
  const soapXml = entity.body.toString('utf8');
  const order = [
    'SenderIdentification',
    'Recipients',
    'ServiceCode',
    'MessageClass',
    'ExpiryDate',
    'DeliveryReport',
    'ReadReply',
    'Priority',
    'Subject',
    'DistributionIndicator',
    'Content',
  ];
  const positions = order.map((n) => soapXml.indexOf(`<mm7:${n}`));
  assert.deepEqual(
    [...positions].sort((a, b) => a - b),
    positions,
    'schema order',
  );
  const back = decodeMm7Request(entity.contentType, entity.body);
  assert.equal(back.message.type, 'SubmitReq');
  if (back.message.type !== 'SubmitReq') return;
  assert.equal(back.message.subject, 'x <y> & "z"  \'q\'');
  assert.equal(back.message.senderIdentification.vaspId, 'v&p');
  assert.deepEqual(back.message.content, [{ href: 'cid:mm7-content' }, { href: 'cid:g' }]);
  assert.deepEqual(
    back.attachments.map((a) => [a.part.contentId, a.part.body.toString()]),
    [
      ['mm7-content', 'one'],
      ['g', 'GIF89a'],
    ],
  );
});

test('content for a message type without Content is refused with HUB_ERR_MM7_ENCODE', () => {
  assert.throws(
    () =>
      encodeMm7({}, { type: 'CancelRsp', status: { code: 1000 } } as Mm7Message, {
        contentType: 'text/plain',
        body: 'x',
      }),
    (e: unknown) => isHubError(e, 'HUB_ERR_MM7_ENCODE'),
  );
});

test('encodeRsErrorFor: status from the catalog, echoes decode details, never echoes a refused version', () => {
  const xml = golden('submitreq-rel5-mm7-1-0-v5.3.0.xml')
    .toString()
    .replace('<MM7Version>5.3.0', '<MM7Version>9.9.9');
  let caught: unknown;
  try {
    decodeSoap(xml);
  } catch (e) {
    caught = e;
  }
  const back = decodeSoap(encodeRsErrorFor(caught).body.toString());
  assert.equal(back.envelope.transactionId, 'tx-r5-001');
  assert.equal(back.envelope.namespace, NS5);
  assert.equal(back.envelope.version, '6.8.0');
  assert.equal((back.message as { status: { code: number } }).status.code, 4002);
  const plain = decodeSoap(
    encodeRsErrorFor(new Error('secret stack'), { transactionId: 'x' }).body.toString(),
  );
  assert.deepEqual((plain.message as { status: unknown }).status, { code: 3000, text: 'Server Error' });
  const hub = decodeSoap(encodeRsErrorFor(new Errors.HUB_ERR_THROTTLED('10/s')).body.toString());
  assert.equal((hub.message as { status: { code: number } }).status.code, 3001);
});
