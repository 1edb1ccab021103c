/**
 * Every shared real-world MM7 vector (../shared/vectors/mm7, read in place, never copied) and what it
 * must yield: decoded type and fields, or the precise error status for the malformed ones.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { isHubError, toMm7Status } from '@hub/errors';
import type { MimePart } from './mime.js';
import { type DecodedMm7Request, decodeMm7Request } from './request.js';
import { loadVectors, splitHttp, type Vector, vectorsDir } from './vectors.fixture.js';

const NS = (rel: string): string => `http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/${rel}`;
const EF_BF_BD = Buffer.from([0xef, 0xbf, 0xbd]);

type Check = (r: DecodedMm7Request, v: Vector) => void;
type Expectation =
  | { ok: Check }
  | { error: { code: string; status: number; check?: (details: Record<string, unknown>) => void } };

const msg = (r: DecodedMm7Request): Record<string, unknown> =>
  r.message as unknown as Record<string, unknown>;
const only = (r: DecodedMm7Request): MimePart => {
  assert.equal(r.attachments.length, 1);
  assert.equal(r.unresolved.length, 0);
  return (r.attachments[0] as { part: MimePart }).part;
};

const EXPECTED: Record<string, Expectation> = {
  'deliverreq-rel6-mm7-1-4-v6.7.0-spec-example-http-post.http': {
    ok: (r, v) => {
      const { requestLine, headers } = splitHttp(readFileSync(path.join(vectorsDir, v.file)));
      assert.equal(requestLine, 'POST /mm7server/mm7 HTTP/1.1');
      assert.equal(headers.soapaction, '""');
      assert.deepEqual(r.envelope, {
        transactionId: 'vas00324-dlvr',
        mustUnderstand: true,
        namespace: NS('REL-6-MM7-1-4'),
        release: 'REL-6-MM7-1-4',
        version: '6.7.0',
        messageType: 'DeliverReq',
      });
      assert.equal(r.soapPart?.contentId, '/cmvt256/mm7-deliver');
      assert.deepEqual(
        [
          msg(r).vaspId,
          msg(r).vasId,
          msg(r).mmsRelayServerId,
          msg(r).linkedId,
          msg(r).priority,
          msg(r).subject,
        ],
        ['TNN', 'Reminder', '240.110.75.34', 'wthr8391', 'Normal', 'Weather Forecast'],
      );
      assert.deepEqual(msg(r).sender, { kind: 'RFC2822Address', value: '97254265781@OMMS.com' });
      // href "forecast-location200102-86453" ≠ Content-ID "forecast-location2000102-86453": the sole part is used.
      assert.equal(r.attachments[0]?.matchedBy, 'sole-part');
      assert.equal(only(r).body.toString(), 'Los Angeles, Calif, USA ');
    },
  },
  'deliverreq-rel6-mm7-1-4-v6.7.0-spec-example-nested-multipart-mixed.mime': {
    ok: (r) => {
      assert.equal(r.envelope.messageType, 'DeliverReq');
      assert.equal(r.attachments[0]?.matchedBy, 'sole-part');
      const part = only(r);
      assert.equal(part.contentType, 'multipart/mixed');
      assert.equal(part.params.boundary, 'StoryParts 74526 8432 2002-77645');
      assert.equal(part.contentId, 'SaturnPics-01020930@news.tnn.com');
      assert.deepEqual(
        part.parts?.map((p) => [p.contentType, p.contentId]),
        [
          ['text/plain', undefined],
          ['image/gif', 'saturn.gif'],
        ],
      );
      assert.equal(part.parts?.[0]?.body.toString(), 'Science news, new Saturn pictures...\n');
      assert.equal(part.parts?.[1]?.body.subarray(0, 6).toString('latin1'), 'GIF87a');
    },
  },
  'deliverreq-rel6-mm7-1-4-v6.8.0-crlf-8bit-jpeg-prefixed-href-shortcode.mime': {
    ok: (r) => {
      assert.equal(r.envelope.transactionId, '11398c6a2e9f00000010');
      assert.equal(r.envelope.namespace, NS('REL-6-MM7-1-4'));
      assert.deepEqual(msg(r).recipients, {
        to: [{ kind: 'ShortCode', value: '121399' }],
        cc: [],
        bcc: [],
      });
      assert.deepEqual(msg(r).sender, { kind: 'Number', value: '+381600001200' });
      assert.equal((msg(r).timeStamp as { epochMs: number }).epochMs, Date.UTC(2012, 8, 3, 13, 55, 25));
      assert.deepEqual(msg(r).content, [{ href: 'cid: content_15' }]);
      assert.equal(r.attachments[0]?.matchedBy, 'content-id');
      const part = only(r);
      assert.equal(part.contentId, 'content_15');
      const jpeg = part.parts?.[1];
      assert.equal(jpeg?.contentType, 'image/jpeg');
      assert.equal(jpeg?.contentLocation, 'DCIM_11.jpg');
      assert.equal(jpeg?.transferEncoding, undefined);
      assert.equal(jpeg?.body, jpeg?.raw, 'raw binary part is passed through untouched');
      assert.deepEqual(jpeg?.body.subarray(0, 3), EF_BF_BD, 'U+FFFD corruption kept byte-exact');
      assert.equal(part.parts?.[0]?.contentLocation, 'smil.xml');
    },
  },
  'deliverreq-rel6-mm7-1-4-v6.8.0-minimal-no-sender-jpeg-smil.mime': {
    ok: (r) => {
      assert.equal(r.envelope.transactionId, '0Q296S401H79CPSU13V1K431DRK3G49M');
      assert.deepEqual(r.message, {
        type: 'DeliverReq',
        content: [{ href: 'cid:mm7-content' }],
        extensions: [],
      });
      const part = only(r);
      assert.equal(part.params.start, '<580210102>');
      const [jpeg, smil] = part.parts ?? [];
      assert.deepEqual(jpeg?.body.subarray(0, 2), Buffer.from([0xff, 0xd8]));
      assert.equal(jpeg?.body.length, 299678);
      assert.equal(smil?.contentId, '580210102');
      assert.ok(smil?.body.toString().startsWith('<smil>'));
    },
  },
  'deliverreq-rel6-mm7-1-4-v6.8.0-nokia-mc5-prefixed-base64-smil-gif.mime': {
    ok: (r) => {
      assert.equal(r.envelope.messageType, 'DeliverReq');
      assert.equal(r.envelope.version, '6.8.0');
      assert.equal(r.soapPart?.contentId, 'CQU221G4-EG1S-00389C87');
      assert.equal(msg(r).mmsRelayServerId, 'Nokia MMS Center MC5.0');
      assert.deepEqual(msg(r).sender, { kind: 'Number', value: '+3859100010010/TYPE=PLMN' });
      assert.deepEqual(msg(r).recipients, {
        to: [{ kind: 'Number', value: '88888/TYPE=PLMN' }],
        cc: [],
        bcc: [],
      });
      assert.equal(msg(r).subject, 'Bomb');
      const part = only(r);
      assert.deepEqual(part.params, {
        type: 'application/smil',
        start: '<AAAA>',
        boundary: 'Nokia-mm-messageHandler-BoUnDaRy-=_-1069507222',
      });
      const [smil, gif] = part.parts ?? [];
      assert.equal(smil?.transferEncoding, 'base64');
      assert.ok(smil?.body.toString().startsWith('<smil>'));
      assert.equal(gif?.contentLocation, 'Bomb.gif');
      assert.equal(gif?.body.subarray(0, 6).toString('latin1'), 'GIF89a');
    },
  },
  'deliverreq-rel6-mm7-1-4-v6.8.0-skycore-doc-http-post-malformed-prefix.http': {
    // `soap-env::Header` / `soap-env::Body` make the SOAP part not well-formed: answer 4004 with the reason.
    error: {
      code: 'HUB_ERR_MM7_XML_INVALID',
      status: 4004,
      check: (d) => {
        assert.match(String(d.reason), /soap-env::Body/);
        assert.equal(d.line, 23);
      },
    },
  },
  'deliverrsp-rel6-mm7-1-4-v6.8.0-skycore-doc-ns-uri-linebreak.xml': {
    ok: (r) => {
      assert.equal(r.envelope.namespace, NS('REL-6-MM7-1-4'), 'line break inside the namespace URI removed');
      assert.equal(r.envelope.release, 'REL-6-MM7-1-4');
      assert.deepEqual(r.message, {
        type: 'DeliverRsp',
        status: { code: 1000, text: 'Successfully received MMS' },
        extensions: [],
      });
    },
  },
  'deliveryreportreq-rel6-mm7-1-4-v6.8.0-skycore-doc-retrieved-uacapabilities.xml': {
    ok: (r) => {
      assert.equal(r.envelope.transactionId, '10000001');
      assert.equal(r.envelope.namespace, NS('REL-6-MM7-1-4'), 'default namespace declared on the Envelope');
      assert.deepEqual(r.message, {
        type: 'DeliveryReportReq',
        messageId: '369500617770864640',
        recipient: { kind: 'Number', value: '16175550123' },
        sender: { kind: 'Number', value: '111122' },
        date: {
          kind: 'absolute',
          raw: '2015-03-16T14:03:51.749Z',
          epochMs: Date.UTC(2015, 2, 16, 14, 3, 51, 749),
        },
        mmStatus: 'Retrieved',
        statusText: 'Success',
        uaCapabilities: { uaProf: 'Samsung Galaxy' },
        extensions: [],
      });
    },
  },
  'deliveryreportrsp-rel5-mm7-1-0-v5.3.0-vectorcore-fixture-extra-messageid.xml': {
    ok: (r) => {
      assert.deepEqual(
        [r.envelope.transactionId, r.envelope.release, r.envelope.version],
        ['txn-report', 'REL-5-MM7-1-0', '5.3.0'],
      );
      assert.equal(r.message.type, 'DeliveryReportRsp');
      assert.deepEqual(msg(r).status, { code: 1000, text: 'Success' });
      assert.deepEqual(
        r.message.extensions.map((x) => [x.name, x.text]),
        [['MessageID', 'mid-report']],
      );
    },
  },
  'deliveryreportrsp-v6.8.0-skycore-doc-no-mm7-namespace.xml': {
    ok: (r) => {
      assert.deepEqual(r.envelope, {
        transactionId: '1000001',
        mustUnderstand: true,
        namespace: undefined,
        release: undefined,
        version: '6.8.0',
        messageType: 'DeliveryReportRsp',
      });
      assert.deepEqual(msg(r).status, { code: 1000, text: 'Successfully Received MMS.' });
    },
  },
  'rserrorrsp-rel5-mm7-1-3-v5.3.0-2002-address-error-nonstandard-fault.xml': {
    ok: (r) => {
      assert.deepEqual(
        [r.envelope.messageType, r.envelope.namespace, r.envelope.version],
        ['RSErrorRsp', NS('REL-5-MM7-1-3'), '5.3.0'],
      );
      assert.deepEqual(r.message, {
        type: 'RSErrorRsp',
        status: { code: 2002, text: 'Address Error' },
        fault: { code: 'env:Client', string: 'Client error', actor: undefined },
        extensions: [],
      });
    },
  },
  'rserrorrsp-rel6-mm7-1-4-v6.8.0-2007-skycore-doc-malformed-unclosed-fault.xml': {
    error: {
      code: 'HUB_ERR_MM7_XML_INVALID',
      status: 4004,
      check: (d) => {
        assert.match(String(d.reason), /Expected closing tag 'soap-env:Fault'/);
        assert.deepEqual([d.line, d.col], [22, 4]);
      },
    },
  },
  'rserrorrsp-rel6-mm7-1-4-v6.8.0-4002-unsupported-version-soapfault.xml': {
    ok: (r) => {
      assert.deepEqual([r.envelope.transactionId, r.envelope.namespace], ['123456', NS('REL-6-MM7-1-4')]);
      assert.deepEqual(r.message, {
        type: 'RSErrorRsp',
        status: { code: 4002, text: 'Unsupported version' },
        fault: { code: 'Client', string: 'Client error', actor: undefined },
        extensions: [],
      });
    },
  },
  'submitreq-rel5-mm7-1-0-v5.3.0-vectorcore-fixture-shortcode-text.mime': {
    ok: (r) => {
      assert.deepEqual(r.envelope, {
        transactionId: 'txn-fixture',
        mustUnderstand: true,
        namespace: NS('REL-5-MM7-1-0'),
        release: 'REL-5-MM7-1-0',
        version: '5.3.0',
        messageType: 'SubmitReq',
      });
      assert.equal(r.soapPart?.contentId, undefined, 'SOAP part found without a Content-ID');
      assert.deepEqual(r.message, {
        type: 'SubmitReq',
        senderIdentification: {
          vaspId: 'vasp-001',
          vasId: 'service-001',
          senderAddress: { kind: 'ShortCode', value: '12345' },
        },
        recipients: { to: [{ kind: 'Number', value: '+12025550101' }], cc: [], bcc: [] },
        subject: 'Hello',
        content: [{ href: 'cid:message-content' }],
        extensions: [],
      });
      assert.equal(only(r).body.toString(), 'hello from fixture');
    },
  },
  'submitreq-rel6-mm7-1-4-v6.8.0-skycore-doc-http-post-multipart.http': {
    ok: (r, v) => {
      assert.ok(v.headers.authorization?.startsWith('Basic '));
      assert.equal(
        r.envelope.namespace,
        NS('REL-6-MM7-1-4'),
        'namespace from TransactionID when SubmitReq has none',
      );
      assert.equal(r.envelope.transactionId, '555e29f8879be');
      assert.equal(msg(r).deliveryReport, true, 'DeliveryReport before SenderIdentification accepted');
      assert.deepEqual(msg(r).senderIdentification, {
        vaspId: 'spUsdstW2u6GbvnMOsdseXrBa7NNLwTdKL',
        vasId: '61295',
        senderAddress: { kind: 'ShortCode', value: '111122' },
      });
      assert.deepEqual(msg(r).content, [{ href: 'cid:generic_content_id', allowAdaptations: false }]);
      assert.equal((msg(r).expiryDate as { epochMs: number }).epochMs, Date.UTC(2015, 4, 24, 18, 54, 48));
      const part = only(r);
      assert.equal(part.contentType, 'multipart/related');
      assert.equal(part.parts?.[0]?.body.toString(), 'MM7 Test Text');
      assert.equal(part.parts?.[1]?.contentId, 'mms.smil');
    },
  },
  'submitreq-rel6-mm7-1-4-v6.8.0-text-jpeg-multipart-mixed.mime': {
    ok: (r) => {
      assert.equal(r.envelope.transactionId, '909f0596-3c7f-48f7-99de-f3c41eaa6d54');
      assert.equal(r.envelope.namespace, NS('REL-6-MM7-1-4'), 'prefix declared on the Envelope');
      assert.equal(r.soapPart?.transferEncoding, 'binary');
      assert.deepEqual(msg(r).senderIdentification, {
        vaspId: 'PRLS01AUDC',
        senderAddress: { kind: 'Number', value: '+13056024143' },
      });
      assert.deepEqual(
        [msg(r).serviceCode, msg(r).messageClass, msg(r).chargedParty],
        ['+13056024143', 'Personal', 'Sender'],
      );
      const part = only(r);
      assert.equal(part.contentType, 'multipart/mixed');
      const [text, jpeg] = part.parts ?? [];
      assert.equal(text?.body.toString(), 'message text');
      assert.equal(jpeg?.contentLocation, '84TPF.jpg');
      assert.equal(jpeg?.headers['content-disposition'], 'Attachment; Filename=84TPF.jpg');
      assert.deepEqual(jpeg?.body.subarray(0, 2), Buffer.from([0xff, 0xd8]));
      assert.deepEqual(jpeg?.body.subarray(-2), Buffer.from([0xff, 0xd9]));
    },
  },
  'submitrsp-bogus-ns-rel6-mm7-6-7-v6.7.0-applicid.xml': {
    ok: (r) => {
      assert.deepEqual(
        [r.envelope.transactionId, r.envelope.release, r.envelope.version],
        ['vas00001-sub', 'REL-6-MM7-6-7', '6.7.0'],
      );
      assert.equal(msg(r).messageId, '041502073667');
      assert.deepEqual(
        r.message.extensions.map((x) => [x.local, x.text]),
        [
          ['ApplicID', 'ifx.com.neon.downloadedPackage.MAFIA'],
          ['ReplyApplicID', 'ifx.com.neon.MyPackage.MAFIA'],
          ['AuxApplicID', 'session.ABC.DEF'],
        ],
      );
    },
  },
  'submitrsp-rel6-mm7-1-4-v6.8.0-skycore-doc-default-ns-on-envelope.xml': {
    ok: (r) => {
      assert.equal(r.envelope.namespace, NS('REL-6-MM7-1-4'));
      assert.deepEqual(r.message, {
        type: 'SubmitRsp',
        status: { code: 1000, text: 'Successfully parsed and validated request' },
        messageId: '369500617770864640',
        extensions: [],
      });
    },
  },
};

test('every shared MM7 vector yields its expected decode or precise error', (t) => {
  const vectors = loadVectors();
  if (vectors === undefined) {
    t.skip('vectors folder absent');
    return;
  }
  assert.ok(vectors.length > 0);
  for (const v of vectors) {
    const expected = EXPECTED[v.file];
    assert.ok(expected !== undefined, `no expectation for new vector ${v.file}`);
    if ('ok' in expected) {
      expected.ok(decodeMm7Request(v.contentType, v.body), v);
    } else {
      assert.throws(
        () => decodeMm7Request(v.contentType, v.body),
        (e: unknown) => {
          assert.ok(isHubError(e, expected.error.code), `${v.file}: ${String(e)}`);
          assert.equal(toMm7Status(e), expected.error.status);
          expected.error.check?.(e.details ?? {});
          return true;
        },
        v.file,
      );
    }
  }
  for (const file of Object.keys(EXPECTED))
    assert.ok(
      vectors.some((v) => v.file === file),
      `vector ${file} missing`,
    );
});
