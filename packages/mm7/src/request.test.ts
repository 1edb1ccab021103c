import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isHubError, toMm7Status } from '@hub/errors';
import { encodeSubmitReq } from './encode.js';
import { decodeMm7Request, resolveHref } from './request.js';

const golden = (name: string): Buffer => readFileSync(new URL(`./__golden__/${name}`, import.meta.url));
const SOAP = 'http://schemas.xmlsoap.org/soap/envelope/';

test('golden multipart SubmitReq: start part chosen, cid and Content-Location hrefs resolved', () => {
  const r = decodeMm7Request(
    'multipart/related; boundary="outer-boundary"; type="text/xml"; start="<soap-root>"',
    golden('submitreq-rel6-mm7-1-4-v6.8.0-multipart.mime'),
  );
  assert.equal(r.envelope.messageType, 'SubmitReq');
  assert.equal(r.envelope.transactionId, 'mp-1');
  assert.equal(r.soapPart?.contentId, 'soap-root');
  assert.equal(r.parts.length, 2);
  assert.deepEqual(
    r.attachments.map((a) => [a.ref.href, a.matchedBy, a.part.contentType]),
    [
      ['cid:content-root', 'content-id', 'multipart/related'],
      ['logo.png', 'content-location', 'image/png'],
    ],
  );
  assert.deepEqual(r.unresolved, []);
});

test('resolveHref: brackets, spaces, case, percent-encoding, nested parts, no match among several', () => {
  const r = decodeMm7Request(undefined, golden('submitreq-rel6-mm7-1-4-v6.8.0-multipart.mime'));
  const parts = r.parts;
  for (const href of [
    'cid:content-root',
    'CID: <content-root>',
    ' cid:Content-Root ',
    'cid:content%2Droot',
    'content-root',
  ]) {
    assert.equal(resolveHref(href, parts)?.part.contentId, 'content-root', href);
  }
  assert.equal(resolveHref('cid:t1', parts)?.part.contentType, 'text/plain', 'nested part by Content-ID');
  assert.equal(resolveHref('cid:nope', parts), undefined, 'several parts: no sole-part fallback');
  assert.equal(resolveHref('cid:%E0%A4%A', parts), undefined, 'bad percent-encoding tolerated');
});

test('unresolved references are reported, not fatal', () => {
  const entity = encodeSubmitReq(
    { transactionId: 't' },
    {
      senderIdentification: { vaspId: 'v' },
      recipients: { to: [{ kind: 'Number', value: '+1' }], cc: [], bcc: [] },
      content: [{ href: 'cid:missing' }],
    },
    [
      { contentType: 'text/plain', body: 'a' },
      { contentType: 'text/plain', body: 'b' },
    ],
  );
  const r = decodeMm7Request(entity.contentType, entity.body);
  assert.deepEqual(r.unresolved, [{ href: 'cid:missing' }]);
  assert.equal(r.attachments.length, 0);
});

test('bare XML bodies: text/xml, application/xml, no header, and multipart/related without boundary (Skycore DR)', () => {
  const xml = golden('deliveryreportrsp-rel6-mm7-1-4-v6.8.0.xml');
  for (const ct of [
    'text/xml',
    'application/xml; charset=utf-8',
    undefined,
    'multipart/related; type="text/xml";',
  ]) {
    const r = decodeMm7Request(ct, xml);
    assert.equal(r.envelope.messageType, 'DeliveryReportRsp', String(ct));
    assert.equal(r.soapPart, undefined);
    assert.deepEqual(r.parts, []);
  }
  const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), xml]);
  assert.equal(decodeMm7Request('text/xml', bom).envelope.transactionId, 'dr-2');
});

test('SOAP charset from the part header or the XML declaration', () => {
  const xml = (decl: string): Buffer =>
    Buffer.concat([
      Buffer.from(
        `${decl}<e:Envelope xmlns:e="${SOAP}"><e:Body><DeliverReq><MM7Version>6.8.0</MM7Version><Subject>`,
        'latin1',
      ),
      Buffer.from([0x47, 0x72, 0xfc, 0xdf, 0x65]),
      Buffer.from('</Subject></DeliverReq></e:Body></e:Envelope>', 'latin1'),
    ]);
  const subject = (ct: string, body: Buffer): unknown =>
    (decodeMm7Request(ct, body).message as { subject?: string }).subject;
  assert.equal(subject('text/xml; charset=iso-8859-1', xml('')), 'Grüße');
  assert.equal(subject('text/xml', xml('<?xml version="1.0" encoding="ISO-8859-1"?>')), 'Grüße');
  assert.equal(
    subject('text/xml; charset=x-unknown-cs', xml('')),
    'Gr\ufffd\ufffde',
    'unknown charset falls back to UTF-8',
  );
});

test('non-MM7 bodies are typed errors with MM7 statuses', () => {
  const expect = (ct: string | undefined, body: string, code: string, status: number): void => {
    assert.throws(
      () => decodeMm7Request(ct, Buffer.from(body)),
      (e: unknown) => isHubError(e, code) && toMm7Status(e) === status,
      `${ct} ${body}`,
    );
  };
  expect('application/json', '{"a":1}', 'HUB_ERR_MM7_SOAP_INVALID', 4004);
  expect(undefined, '', 'HUB_ERR_MM7_MIME_MALFORMED', 4004);
  expect('multipart/related; boundary=b', 'no delimiter here', 'HUB_ERR_MM7_MIME_MALFORMED', 4004);
  expect(
    'multipart/related; boundary=b',
    '--b\r\nContent-Type: text/xml\r\n\r\n<a><b></a>\r\n--b--',
    'HUB_ERR_MM7_XML_INVALID',
    4004,
  );
  expect('multipart/related; boundary=b', '--b--', 'HUB_ERR_MM7_MIME_MALFORMED', 4004);
  expect('text/xml', '<x/>', 'HUB_ERR_MM7_SOAP_INVALID', 4004);
});
