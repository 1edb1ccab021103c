import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { type HubError, isHubError, toMm7Status } from '@hub/errors';
import { decodeSoap, parseMm7Time, releaseOf } from './soap.js';

const golden = (name: string): string =>
  readFileSync(new URL(`./__golden__/${name}`, import.meta.url), 'utf8');
const NS5 = 'http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-5-MM7-1-0';
const NS6 = 'http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-6-MM7-1-4';
const NS61 = 'http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-6-MM7-1-0';
const SOAP = 'http://schemas.xmlsoap.org/soap/envelope/';

/** Expects a HubError with this code and MM7 status; returns it for further checks. */
function expectError(fn: () => unknown, code: string, status: number): HubError {
  try {
    fn();
  } catch (e) {
    assert.ok(isHubError(e, code), `expected ${code}, got ${String((e as Error).message)}`);
    assert.equal(toMm7Status(e), status);
    return e;
  }
  assert.fail(`expected ${code}`);
}

const env = (
  body: string,
  header = '<env:Header><TransactionID xmlns="urn:x">t1</TransactionID></env:Header>',
): string => `<env:Envelope xmlns:env="${SOAP}">${header}<env:Body>${body}</env:Body></env:Envelope>`;

test('golden SubmitReq REL-5-MM7-1-0 / 5.3.0: every field, default namespace, padded TransactionID', () => {
  const { envelope, message } = decodeSoap(golden('submitreq-rel5-mm7-1-0-v5.3.0.xml'));
  assert.deepEqual(envelope, {
    transactionId: 'tx-r5-001',
    mustUnderstand: true,
    namespace: NS5,
    release: 'REL-5-MM7-1-0',
    version: '5.3.0',
    messageType: 'SubmitReq',
  });
  assert.deepEqual(message, {
    type: 'SubmitReq',
    senderIdentification: {
      vaspId: 'TNN',
      vasId: 'News',
      senderAddress: { kind: 'ShortCode', value: '1234' },
    },
    recipients: {
      to: [
        { kind: 'Number', value: '+821010000000' },
        { kind: 'RFC2822Address', value: 'alice@example.com', displayOnly: true },
      ],
      cc: [{ kind: 'Number', value: '0011', addressCoding: 'obfuscated' }],
      bcc: [{ kind: 'RFC2822Address', value: 'bob@example.com' }],
    },
    serviceCode: 'gold-sp33-im42',
    linkedId: 'mms00016666',
    messageClass: 'Informational',
    timeStamp: {
      kind: 'absolute',
      raw: '2002-01-02T09:30:47-05:00',
      epochMs: Date.UTC(2002, 0, 2, 14, 30, 47),
    },
    earliestDeliveryTime: {
      kind: 'absolute',
      raw: '2002-01-02T09:30:47-05:00',
      epochMs: Date.UTC(2002, 0, 2, 14, 30, 47),
    },
    expiryDate: { kind: 'relative', raw: 'P1D', seconds: 86400 },
    deliveryReport: true,
    readReply: false,
    priority: 'Normal',
    subject: 'News for today & tomorrow',
    chargedParty: 'Sender',
    distributionIndicator: true,
    content: [{ href: 'cid:SaturnPics-01020930@news.tnn.com', allowAdaptations: true }],
    extensions: [],
  });
});

test('golden SubmitReq REL-6-MM7-1-4 / 6.8.0: prefixed, Rel-6 fields, qualified href, extensions kept', () => {
  const { envelope, message } = decodeSoap(golden('submitreq-rel6-mm7-1-4-v6.8.0.xml'));
  assert.equal(envelope.namespace, NS6);
  assert.equal(envelope.version, '6.8.0');
  assert.equal(envelope.transactionId, 'tx-r6-001');
  assert.equal(message.type, 'SubmitReq');
  if (message.type !== 'SubmitReq') return;
  assert.deepEqual(message.senderIdentification, {
    vaspId: 'vasp',
    senderAddress: { kind: 'Number', value: '+15550001', displayOnly: false },
  });
  assert.deepEqual(message.recipients.to, [
    { kind: 'Number', value: '+15550002' },
    { kind: 'ShortCode', value: '77777', id: 'r2' },
  ]);
  assert.deepEqual(message.preferredChannels, ['MMS', 'SMS']);
  assert.deepEqual(message.replyCharging, {
    replyChargingSize: 2048,
    replyDeadline: { kind: 'relative', raw: 'P2DT12H', seconds: 216000 },
  });
  assert.deepEqual(message.expiryDate, {
    kind: 'absolute',
    raw: '2024-05-03T10:00:00.500+02:00',
    epochMs: Date.UTC(2024, 4, 3, 8, 0, 0, 500),
  });
  assert.equal(message.deliveryReport, true);
  assert.equal(message.priority, 'High', 'enum values are canonicalised');
  assert.equal(message.subject, 'Grüße');
  assert.equal(message.chargedParty, 'ThirdParty');
  assert.equal(message.chargedPartyId, 'acct-9');
  assert.equal(message.applicId, 'com.example.app');
  assert.equal(message.replyApplicId, 'com.example.reply');
  assert.equal(message.auxApplicInfo, 'aux');
  assert.equal(message.contentClass, 'image-basic');
  assert.equal(message.drmContent, false);
  assert.deepEqual(message.content, [{ href: 'cid:<part-1>', allowAdaptations: false }]);
  assert.equal(message.extensions.length, 1);
  const ext = message.extensions[0];
  assert.equal(ext?.name, 'mm7:MessageExtraData');
  assert.equal(ext?.namespace, NS6);
  assert.deepEqual(ext?.children[0]?.attributes, { key: 'k' });
  assert.equal(ext?.children[0]?.text, 'v');
});

test('golden responses and requests of every type decode by local name', () => {
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    [
      'submitrsp-rel6-mm7-1-4-v6.8.0.xml',
      { messageType: 'SubmitRsp', namespace: NS6, version: '6.8.0' },
      { status: { code: 1000, text: 'Success' }, messageId: 'msg-42' },
    ],
    [
      'deliverreq-rel5-mm7-1-2-v5.3.0.xml',
      { messageType: 'DeliverReq', release: 'REL-5-MM7-1-2', version: '5.3.0', mustUnderstand: true },
      {
        mmsRelayServerId: 'mmsc.example.net',
        linkedId: 'lnk-1',
        sender: { kind: 'Number', value: '+447700900123' },
        recipients: { to: [{ kind: 'ShortCode', value: '84433' }], cc: [], bcc: [] },
        timeStamp: { kind: 'absolute', raw: '2024-05-01T10:00:00', epochMs: Date.UTC(2024, 4, 1, 10) },
        replyChargingId: 'rc-1',
        priority: 'Low',
        subject: 'Hi',
        uaCapabilities: {
          uaProf: 'http://ua.example/prof.rdf',
          timeStamp: { kind: 'absolute', raw: '2024-05-01T09:00:00Z', epochMs: Date.UTC(2024, 4, 1, 9) },
        },
        content: [{ href: 'cid:mo-content' }],
      },
    ],
    [
      'deliverrsp-rel6-mm7-1-4-v6.8.0.xml',
      { messageType: 'DeliverRsp' },
      { status: { code: 1000, text: 'Success' }, serviceCode: 'svc-mo' },
    ],
    [
      'cancelreq-rel6-mm7-1-0-v6.3.0.xml',
      { messageType: 'CancelReq', namespace: NS61, version: '6.3.0', mustUnderstand: undefined },
      {
        senderIdentification: { vaspId: 'vasp' },
        messageId: 'msg-42',
        recipients: { to: [{ kind: 'Number', value: '+15550002' }], cc: [], bcc: [] },
      },
    ],
    [
      'cancelrsp-rel6-mm7-1-0-v6.3.0.xml',
      { messageType: 'CancelRsp' },
      { status: { code: 3001, text: 'Not Possible', details: 'already delivered' } },
    ],
    [
      'replacereq-rel6-mm7-1-4-v6.8.0.xml',
      { messageType: 'ReplaceReq', namespace: NS6 },
      {
        senderIdentification: { vasId: 'svc' },
        messageId: 'msg-42',
        serviceCode: 'svc2',
        readReply: true,
        earliestDeliveryTime: { kind: 'relative', raw: 'PT1H', seconds: 3600 },
        distributionIndicator: false,
        content: [{ href: 'cid:new-content' }],
      },
    ],
    ['replacersp-rel6-mm7-1-4-v6.8.0.xml', { messageType: 'ReplaceRsp' }, { status: { code: 1000 } }],
    [
      'deliveryreportreq-rel5-mm7-1-0-v5.3.0.xml',
      { messageType: 'DeliveryReportReq', namespace: NS5 },
      {
        mmsRelayServerId: 'mmsc-1',
        messageId: 'msg-42',
        recipient: { kind: 'RFC2822Address', value: '+15550002/TYPE=PLMN@mms.example.net' },
        sender: { kind: 'ShortCode', value: '1234' },
        date: { kind: 'absolute', raw: '2024-05-01T10:00:05Z', epochMs: Date.UTC(2024, 4, 1, 10, 0, 5) },
        mmStatus: 'Unrecognised',
        mmStatusRaw: 'Unrecognized',
        mmStatusExtension: 'RejectionByMMSRecipient',
        statusText: 'handset refused',
      },
    ],
    [
      'deliveryreportrsp-rel6-mm7-1-4-v6.8.0.xml',
      { messageType: 'DeliveryReportRsp' },
      { status: { code: 1000, text: 'Success' } },
    ],
    [
      'readreplyreq-rel6-mm7-1-4-v6.8.0.xml',
      { messageType: 'ReadReplyReq' },
      {
        messageId: 'msg-42',
        mmStatus: 'Read',
        statusText: 'read',
        recipient: { kind: 'Number', value: '+15550002' },
        sender: { kind: 'ShortCode', value: '1234' },
      },
    ],
    [
      'readreplyrsp-rel6-mm7-1-4-v6.8.0.xml',
      { messageType: 'ReadReplyRsp' },
      { status: { code: 1000, text: 'Success' } },
    ],
    [
      'rserrorrsp-rel5-mm7-1-0-v5.3.0.xml',
      { messageType: 'RSErrorRsp', namespace: NS5, version: '5.3.0' },
      {
        status: { code: 4004, text: 'Validation error', details: 'Recipients missing' },
        fault: { code: 'env:Client', string: 'Client error', actor: undefined },
      },
    ],
    [
      'vasperrorrsp-rel6-mm7-1-4-v6.8.0.xml',
      { messageType: 'VASPErrorRsp', namespace: NS6 },
      {
        status: { code: 3000, text: 'Server Error' },
        fault: { code: 'env:Server', string: 'Server error', actor: 'vasp.example.com' },
      },
    ],
    [
      'fault-no-detail.xml',
      { messageType: 'Fault', namespace: undefined, version: undefined, transactionId: undefined },
      { fault: { code: 's:Server', string: 'Internal failure', actor: undefined } },
    ],
  ];
  for (const [file, envExpect, msgExpect] of cases) {
    const { envelope, message } = decodeSoap(golden(file));
    for (const [k, v] of Object.entries(envExpect))
      assert.deepEqual(envelope[k as keyof typeof envelope], v, `${file} envelope.${k}`);
    assert.equal(message.type, envExpect.messageType, file);
    for (const [k, v] of Object.entries(msgExpect))
      assert.deepEqual((message as unknown as Record<string, unknown>)[k], v, `${file} message.${k}`);
  }
});

test('unsupported version → 4002 with the TransactionID and namespace in details', () => {
  const xml = golden('submitreq-rel5-mm7-1-0-v5.3.0.xml').replace('<MM7Version>5.3.0', '<MM7Version>7.0.0');
  const err = expectError(() => decodeSoap(xml), 'HUB_ERR_MM7_VERSION_UNSUPPORTED', 4002);
  assert.equal(err.details?.transactionId, 'tx-r5-001');
  assert.equal(err.details?.namespace, NS5);
  assert.equal(err.details?.version, '7.0.0');
  assert.doesNotThrow(() => decodeSoap(xml, { acceptVersion: (v) => v === '7.0.0' }));
});

test('validation failures map to precise statuses', () => {
  const submit = (
    inner: string,
    ident = '<SenderIdentification><VASPID>v</VASPID></SenderIdentification>',
  ): string => env(`<SubmitReq><MM7Version>6.8.0</MM7Version>${ident}${inner}</SubmitReq>`);
  const to = '<Recipients><To><Number>+1555</Number></To></Recipients>';
  expectError(
    () => decodeSoap(env('<SubmitReq><Recipients/></SubmitReq>')),
    'HUB_ERR_MM7_FIELD_MISSING',
    4004,
  );
  expectError(() => decodeSoap(submit('')), 'HUB_ERR_MM7_FIELD_MISSING', 4004);
  expectError(
    () => decodeSoap(submit('<Recipients><To></To></Recipients>')),
    'HUB_ERR_MM7_ADDRESS_INVALID',
    2002,
  );
  expectError(
    () => decodeSoap(submit('<Recipients><To><Number>call-me</Number></To></Recipients>')),
    'HUB_ERR_MM7_ADDRESS_INVALID',
    2002,
  );
  expectError(
    () => decodeSoap(submit('<Recipients><To><Number></Number></To></Recipients>')),
    'HUB_ERR_MM7_ADDRESS_INVALID',
    2002,
  );
  expectError(
    () => decodeSoap(submit('<Recipients><To><Fax>1</Fax></To></Recipients>')),
    'HUB_ERR_MM7_ADDRESS_INVALID',
    2002,
  );
  expectError(
    () => decodeSoap(submit('<Recipients><Xx/></Recipients>')),
    'HUB_ERR_MM7_ADDRESS_INVALID',
    2002,
  );
  expectError(() => decodeSoap(submit(to, '')), 'HUB_ERR_MM7_IDENTIFICATION', 4001);
  expectError(
    () => decodeSoap(submit(to, '<SenderIdentification><VASID/></SenderIdentification>')),
    'HUB_ERR_MM7_IDENTIFICATION',
    4001,
  );
  expectError(
    () => decodeSoap(submit(`${to}<DeliveryReport>yes</DeliveryReport>`)),
    'HUB_ERR_MM7_FIELD_INVALID',
    2007,
  );
  expectError(
    () => decodeSoap(submit(`${to}<Priority>Urgent</Priority>`)),
    'HUB_ERR_MM7_FIELD_INVALID',
    2007,
  );
  expectError(
    () => decodeSoap(submit(`${to}<ExpiryDate>tomorrow</ExpiryDate>`)),
    'HUB_ERR_MM7_FIELD_INVALID',
    2007,
  );
  expectError(() => decodeSoap(submit(`${to}<TimeStamp>P1D</TimeStamp>`)), 'HUB_ERR_MM7_FIELD_INVALID', 2007);
  expectError(() => decodeSoap(submit(`${to}<Content/>`)), 'HUB_ERR_MM7_FIELD_MISSING', 4004);
  expectError(
    () => decodeSoap(env('<SubmitRsp><MM7Version>6.8.0</MM7Version></SubmitRsp>')),
    'HUB_ERR_MM7_FIELD_MISSING',
    4004,
  );
  expectError(
    () =>
      decodeSoap(
        env(
          '<SubmitRsp><MM7Version>6.8.0</MM7Version><Status><StatusCode>OK</StatusCode></Status></SubmitRsp>',
        ),
      ),
    'HUB_ERR_MM7_FIELD_INVALID',
    2007,
  );
  expectError(
    () =>
      decodeSoap(
        env('<DeliveryReportReq><MM7Version>6.8.0</MM7Version><MessageID>m</MessageID></DeliveryReportReq>'),
      ),
    'HUB_ERR_MM7_FIELD_MISSING',
    4004,
  );
  expectError(
    () =>
      decodeSoap(
        env(
          '<CancelReq><MM7Version>6.8.0</MM7Version><SenderIdentification><VASPID>v</VASPID></SenderIdentification></CancelReq>',
        ),
      ),
    'HUB_ERR_MM7_FIELD_MISSING',
    4004,
  );
  const unknown = expectError(
    () => decodeSoap(env('<QueryStatusReq><MM7Version>6.8.0</MM7Version></QueryStatusReq>')),
    'HUB_ERR_MM7_OPERATION_UNSUPPORTED',
    4003,
  );
  assert.equal(unknown.details?.transactionId, 't1');
  expectError(() => decodeSoap('<SubmitReq/>'), 'HUB_ERR_MM7_SOAP_INVALID', 4004);
  expectError(
    () => decodeSoap(`<e:Envelope xmlns:e="${SOAP}"><e:Header/></e:Envelope>`),
    'HUB_ERR_MM7_SOAP_INVALID',
    4004,
  );
  expectError(
    () => decodeSoap(`<e:Envelope xmlns:e="${SOAP}"><e:Body></e:Body></e:Envelope>`),
    'HUB_ERR_MM7_SOAP_INVALID',
    4004,
  );
});

test('XML errors carry the parser reason, line and column; DOCTYPE and bad QNames are refused', () => {
  const err = expectError(() => decodeSoap('<a>\n  <b></a>'), 'HUB_ERR_MM7_XML_INVALID', 4004);
  assert.match(String(err.details?.reason), /closing tag/);
  assert.equal(err.details?.line, 2);
  expectError(() => decodeSoap('<!DOCTYPE x [<!ENTITY e "v">]><x>&e;</x>'), 'HUB_ERR_MM7_XML_INVALID', 4004);
  expectError(() => decodeSoap('<a::b></a::b>'), 'HUB_ERR_MM7_XML_INVALID', 4004);
  expectError(() => decodeSoap(''), 'HUB_ERR_MM7_XML_INVALID', 4004);
  expectError(() => decodeSoap('just text'), 'HUB_ERR_MM7_XML_INVALID', 4004);
});

test('lenient cases: legacy text Sender, unknown MMStatus, duplicates, DeliverReq without Sender', () => {
  const dr = decodeSoap(
    env(
      '<DeliveryReportReq><MM7Version>6.8.0</MM7Version><MessageID>m</MessageID><Sender>1065580001</Sender><MMStatus>Bogus</MMStatus><MessageID>dup</MessageID></DeliveryReportReq>',
    ),
  ).message;
  assert.equal(dr.type, 'DeliveryReportReq');
  if (dr.type !== 'DeliveryReportReq') return;
  assert.deepEqual(dr.sender, { kind: 'Number', value: '1065580001' });
  assert.equal(dr.mmStatus, 'Indeterminate');
  assert.equal(dr.mmStatusRaw, 'Bogus');
  assert.equal(dr.messageId, 'm');
  assert.deepEqual(
    dr.extensions.map((x) => [x.local, x.text]),
    [['MessageID', 'dup']],
  );
  const mo = decodeSoap(env('<DeliverReq><MM7Version>6.8.0</MM7Version></DeliverReq>', '')).message;
  assert.deepEqual(mo, { type: 'DeliverReq', content: [], extensions: [] });
});

test('character references, CDATA and entity text decode (each text chunk is trimmed)', () => {
  const { message } = decodeSoap(
    env(
      '<DeliverReq><MM7Version>6.8.0</MM7Version><Subject>&#72;&#x69; &lt;3 <![CDATA[&amp;]]></Subject></DeliverReq>',
    ),
  );
  assert.equal((message as { subject?: string }).subject, 'Hi <3&amp;');
});

test('parseMm7Time and releaseOf', () => {
  assert.deepEqual(parseMm7Time('P1Y2M3W4DT5H6M7.5S', true), {
    kind: 'relative',
    raw: 'P1Y2M3W4DT5H6M7.5S',
    seconds: 365 * 86400 + 60 * 86400 + 21 * 86400 + 4 * 86400 + 5 * 3600 + 6 * 60 + 7.5,
  });
  assert.equal(parseMm7Time('P', true), undefined);
  assert.equal(parseMm7Time('PT', true), undefined);
  assert.equal(parseMm7Time('P1D', false), undefined);
  assert.equal(parseMm7Time('2024-02-30T00:00:00Z', false)?.kind, 'absolute');
  assert.deepEqual(parseMm7Time('2024-01-01T00:00:00+0100', false), {
    kind: 'absolute',
    raw: '2024-01-01T00:00:00+0100',
    epochMs: Date.UTC(2023, 11, 31, 23),
  });
  assert.equal(releaseOf(NS6), 'REL-6-MM7-1-4');
  assert.equal(releaseOf('urn:other'), undefined);
});
