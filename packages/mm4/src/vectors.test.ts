// Reads the shared real-world MM4 vectors in place (they are not ours to copy into the repo).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ackFor, needsAck, reportKey } from './correlation.js';
import { encodeMm4 } from './encode.js';
import { decodeMm4, type Mm4Pdu, startPart } from './pdu.js';
import { mmStatusOutcome, requestStatusOutcome } from './status.js';

const repoRoot = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const dir = path.resolve(repoRoot, '../shared/vectors/mm4');

interface Expect {
  type: Mm4Pdu['type'];
  transactionId: string;
  messageId: string;
  version: string;
  check?: (p: Mm4Pdu) => void;
}

function parts(p: Mm4Pdu): Array<[string, string | undefined]> {
  assert.equal(p.type, 'MM4_forward.REQ');
  return p.type === 'MM4_forward.REQ' ? p.parts.map((x) => [x.contentType, x.contentId]) : [];
}

function fwd(p: Mm4Pdu) {
  if (p.type !== 'MM4_forward.REQ') throw new Error(`expected a forward.REQ, got ${p.type}`);
  return p;
}

const expected: Record<string, Expect> = {
  'mm4-forward-req-v5.5.0-hotmobile-il-20-recipients-smil-text-smtp-tail.eml': {
    type: 'MM4_forward.REQ',
    transactionId: '38637220220126001745557@mms.hotmobile.co.il',
    messageId: 'kyuoj0sgre1p96@w.mms.hotmobile.co.il',
    version: '5.5.0',
    check(p) {
      const f = fwd(p);
      assert.equal(f.to.length, 20);
      assert.ok(f.to.every((a) => a.kind === 'msisdn' && a.type === 'PLMN'));
      assert.equal(f.to[2]?.value, '+972590000006');
      assert.equal(f.from.value, '+972590000007');
      assert.equal(f.ackRequest, true);
      assert.equal(f.deliveryReport, true);
      assert.equal(f.originatorSystem, 'PostMaster@mms.hotmobile.co.il');
      assert.deepEqual(f.expiry, new Date('2022-02-01T22:17:44Z'));
      assert.equal(f.extensions['X-Mms-Originator-R/S-Delivery-Report'], 'No');
      assert.equal(f.content.contentType, 'multipart/related');
      assert.equal(f.content.kind === 'multipart' ? f.content.start : '', 'smil');
      assert.equal(startPart(f.content)?.contentType, 'application/smil');
      assert.deepEqual(parts(p), [
        ['application/smil', 'smil'],
        ['text/plain', 'text.000000'],
      ]);
      assert.equal(f.parts[1]?.charset, 'utf-8');
      assert.equal(f.parts[1]?.contentLocation, 'text.000000.txt');
      assert.equal(f.parts[1]?.body.toString(), 'https://vm.tiktok.com/ZSeqkbvkG/');
    },
  },
  'mm4-forward-req-v5.5.0-hotmobile-il-smil-jpeg-subject-folded-to.eml': {
    type: 'MM4_forward.REQ',
    transactionId: '1155620210815114627195@mms.hotmobile.co.il',
    messageId: 'kscyrsqmrrm94@w.mms.hotmobile.co.il',
    version: '5.5.0',
    check(p) {
      const f = fwd(p);
      assert.deepEqual(
        f.to.map((a) => a.value),
        ['+972590000029'],
      );
      assert.equal(f.subject, 'Feb 14 2019  1:52:26, bageg');
      assert.equal(f.content.kind === 'multipart' ? f.content.start : '', 's.smil');
      assert.deepEqual(parts(p), [
        ['application/smil', 's.smil'],
        ['image/jpeg', 'PICT1014.jpg'],
      ]);
      assert.equal(f.parts[0]?.charset, 'utf-8');
      assert.equal(f.parts[1]?.body.subarray(0, 3).toString('hex'), 'ffd8ff');
      assert.equal(f.parts[1]?.body.length, 45903);
    },
  },
  'mm4-forward-req-v5.5.0-hotmobile-il-smil-3gpp-video.eml': {
    type: 'MM4_forward.REQ',
    transactionId: '36040620220113022547595@mms.hotmobile.co.il',
    messageId: 'kyc8dm37pjg295@w.mms.hotmobile.co.il',
    version: '5.5.0',
    check(p) {
      const f = fwd(p);
      assert.equal(f.messageClass, 'Personal');
      assert.deepEqual(f.expiry, new Date('2022-01-20T00:25:47Z'));
      assert.deepEqual(parts(p), [
        ['application/smil', 'smil'],
        ['video/3gpp', '20211208_115328'],
      ]);
      assert.equal(f.parts[1]?.body.subarray(4, 8).toString('latin1'), 'ftyp');
      assert.equal(f.parts[1]?.body.length, 48058);
    },
  },
  'mm4-forward-req-v5.5.0-cellcom-il-multipart-mixed-forward-counter-jpeg.eml': {
    type: 'MM4_forward.REQ',
    transactionId: 'v1x1Sv2C0TM.+972590000030',
    messageId: 'v1x1Sv2C0TM.+972590000030',
    version: '5.5.0',
    check(p) {
      const f = fwd(p);
      assert.equal(f.content.contentType, 'multipart/mixed');
      assert.equal(f.subject, '');
      assert.deepEqual(
        f.to.map((a) => [a.kind, a.value, a.type]),
        [['msisdn', '+972590000003', undefined]],
      );
      assert.equal(f.sender?.domain, 'mms.cellcom.co.il');
      assert.equal(f.forwardCounter, 1);
      assert.equal(f.extensions['X-Mms-Forwarded-By'], '+972590000031/TYPE=PLMN');
      assert.equal(f.extensions['X-Mms-Transaction-Id'], 'v1x1Sv2C0TM.+972590000030');
      assert.equal(f.originatorSystem, 'david.tzur@partner.co.il');
      assert.deepEqual(parts(p), [
        ['application/smil', 'smil'],
        ['image/jpeg', 'Resized_20210506_143849'],
      ]);
      assert.deepEqual(
        f.parts.map((x) => [x.disposition, x.filename]),
        [
          ['attachment', 'smil.xml'],
          ['attachment', 'Resized_20210506_143849.jpeg'],
        ],
      );
      const jpg = f.parts[1]?.body ?? Buffer.alloc(0);
      assert.equal(jpg.length, 281182);
      assert.equal(jpg.subarray(0, 2).toString('hex'), 'ffd8');
      assert.equal(jpg.subarray(-2).toString('hex'), 'ffd9');
    },
  },
  'mm4-forward-req-v6.3.0-vectorcore-fixture-minimal.eml': {
    type: 'MM4_forward.REQ',
    transactionId: 'txn-1',
    messageId: 'mid-1',
    version: '6.3.0',
    check(p) {
      const f = fwd(p);
      assert.equal(f.originatorSystem, 'postmaster@mmsc.example.net');
      assert.equal(f.extensions['X-Mms-Originator-System'], 'system=mmsc.example.net;party=+12025550100');
      assert.equal(f.extensions['X-Mms-To'], '+12025550101/TYPE=PLMN');
      assert.equal(f.subject, 'hello');
      assert.equal(f.ackRequest, false);
      assert.deepEqual(parts(p), [['text/plain', 'text1']]);
      assert.equal(f.parts[0]?.body.toString(), 'hello');
    },
  },
  'mm4-forward-res-v5.5.0-cellcom-il-ok-status-text-smtp-tail.eml': {
    type: 'MM4_forward.RES',
    transactionId: 'jay000495897bc01090b1b05',
    messageId: '2022011223181841801',
    version: '5.5.0',
    check(p) {
      assert.equal(p.type, 'MM4_forward.RES');
      if (p.type !== 'MM4_forward.RES') return;
      assert.equal(p.requestStatus, 'Ok');
      assert.equal(requestStatusOutcome(p.requestStatus), 'forwarded');
      assert.equal(p.statusText, 'All is good.');
      assert.equal(p.from?.kind, 'other');
      assert.deepEqual(
        p.to.map((a) => a.value),
        ['admin@oklik.net'],
      );
      assert.deepEqual(
        p.requestRecipients.map((a) => a.value),
        ['+972590000032'],
      );
    },
  },
  'mm4-forward-res-v5.5.0-pelephone-il-ok-system-user.eml': {
    type: 'MM4_forward.RES',
    transactionId: '695308591',
    messageId: '2022011223192218001',
    version: '5.5.0',
    check(p) {
      assert.equal(p.originatorSystem, 'system-user@mmscprovider.pelephone.net.il');
      assert.equal(p.type === 'MM4_forward.RES' ? p.requestStatus : '', 'Ok');
    },
  },
  'mm4-forward-res-v5.5.0-we4g-il-ok.eml': {
    type: 'MM4_forward.RES',
    transactionId: 'T17e509239b3',
    messageId: '2022011223142985401',
    version: '5.5.0',
    check(p) {
      assert.deepEqual(p.date, new Date('2022-01-12T23:14:32Z'));
      assert.equal(p.type === 'MM4_forward.RES' ? p.statusText : '', 'All is good.');
    },
  },
  'mm4-forward-res-v5.5.0-golantelecom-il-ok-minimal-headers.eml': {
    type: 'MM4_forward.RES',
    transactionId: 'jay0084F1EB040101091303',
    messageId: '2022011223272047801',
    version: '5.5.0',
    check(p) {
      assert.equal(p.date, undefined);
      assert.equal(p.originatorSystem, undefined);
      assert.equal(p.sender?.value, 'postmaster@mmsc.golantelecom.co.il');
      assert.equal(p.type === 'MM4_forward.RES' ? p.requestStatus : '', 'Ok');
    },
  },
  'mm4-delivery-report-req-v6.3.0-vectorcore-fixture-nonstandard-x-mms-status.eml': {
    type: 'MM4_delivery_report.REQ',
    transactionId: 'txn-report',
    messageId: 'mid-report',
    version: '6.3.0',
    check(p) {
      assert.equal(p.type, 'MM4_delivery_report.REQ');
      if (p.type !== 'MM4_delivery_report.REQ') return;
      // Non-standard `X-Mms-Status` accepted as an alias of `X-Mms-MM-Status-Code`.
      assert.equal(p.mmStatus, 'Retrieved');
      assert.equal(mmStatusOutcome(p.mmStatus), 'delivered');
      assert.equal(p.extensions['X-Mms-Request-Status-Code'], 'Ok');
      assert.equal(reportKey(p), 'mid-report');
      assert.deepEqual(
        p.to.map((a) => a.value),
        ['+12025550100'],
      );
    },
  },
  'mm4-read-reply-report-req-v6.3.0-vectorcore-fixture.eml': {
    type: 'MM4_read_reply_report.REQ',
    transactionId: 'txn-read',
    messageId: 'mid-read',
    version: '6.3.0',
    check(p) {
      assert.equal(p.type === 'MM4_read_reply_report.REQ' ? p.readStatus : '', 'Read');
    },
  },
};

test('every MM4 vector decodes to its expected type and key fields', (t) => {
  if (!existsSync(dir)) {
    t.skip('vectors folder absent');
    return;
  }
  const files = readdirSync(dir).filter((f) => !f.startsWith('.'));
  assert.ok(files.length > 0);
  for (const file of files) {
    const exp = expected[file];
    assert.ok(exp !== undefined, `no expectation for new vector ${file}`);
    const pdu = decodeMm4(readFileSync(path.join(dir, file)));
    assert.equal(pdu.type, exp.type, file);
    assert.equal(pdu.transactionId, exp.transactionId, file);
    assert.equal(pdu.messageId, exp.messageId, file);
    assert.equal(pdu.version, exp.version, file);
    exp.check?.(pdu);
  }
  assert.equal(files.length, Object.keys(expected).length);
});

test('vector forward.REQs: ack goes back to the originator system and re-encodes losslessly', (t) => {
  if (!existsSync(dir)) {
    t.skip('vectors folder absent');
    return;
  }
  const f = fwd(
    decodeMm4(
      readFileSync(
        path.join(dir, 'mm4-forward-req-v5.5.0-hotmobile-il-20-recipients-smil-text-smtp-tail.eml'),
      ),
    ),
  );
  assert.ok(needsAck(f));
  const res = ackFor(f, 'Ok', { originatorSystem: 'system-user@oklik.net', statusText: 'All is good.' });
  const { envelope, mail } = encodeMm4(res);
  assert.deepEqual(envelope.to, ['PostMaster@mms.hotmobile.co.il']);
  const back = decodeMm4(mail);
  assert.equal(back.type, 'MM4_forward.RES');
  assert.equal(back.transactionId, f.transactionId);
  assert.equal(back.messageId, f.messageId);
  assert.equal(back.version, '5.5.0');

  // Relay the Cellcom MM as-is: the image survives decode → encode → decode byte for byte.
  const c = fwd(
    decodeMm4(
      readFileSync(
        path.join(dir, 'mm4-forward-req-v5.5.0-cellcom-il-multipart-mixed-forward-counter-jpeg.eml'),
      ),
    ),
  );
  const relayed = encodeMm4({
    type: 'MM4_forward.REQ',
    transactionId: 'relay-1',
    messageId: c.messageId,
    from: c.from,
    to: c.to,
    originatorSystem: 'system-user@oklik.net',
    recipientDomain: 'mms.peer.example',
    parts: c.parts.map((p) => ({
      contentType: p.contentType,
      body: p.body,
      ...(p.contentId === undefined ? {} : { contentId: p.contentId }),
      ...(p.contentLocation === undefined ? {} : { contentLocation: p.contentLocation }),
    })),
  });
  const again = fwd(decodeMm4(relayed.mail));
  assert.equal(again.content.contentType, 'multipart/related'); // SMIL with a Content-ID → related
  assert.deepEqual(again.parts[1]?.body, c.parts[1]?.body);
});
