import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Queues } from '@hub/bus';
import { Mm4Sender } from '@hub/connectors';
import { isHubError } from '@hub/errors';
import { createMessage, type HubMessage } from '@hub/message';
import {
  ackFor,
  decodeMm4,
  encodeMm4,
  formatMm4Address,
  type Mm4ForwardReq,
  type Mm4ForwardRes,
  type Mm4Res,
} from '@hub/mm4';
import { hasRedisServer, waitFor } from '@hub/testkit';
import {
  HUB_DOMAIN,
  HUB_SYSTEM,
  mtMms,
  PEER_B_PASSWORD,
  PEER_DOMAIN,
  PEER_SYSTEM,
  type Rig,
  sendRaw,
  startRig,
} from './testing.fixture.js';

const VECTORS = new URL('../../../../shared/vectors/mm4/', import.meta.url).pathname;
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

function forwardFromPeer(tx: string, extra: Partial<Parameters<typeof encodeMm4>[0]> = {}) {
  return encodeMm4({
    type: 'MM4_forward.REQ',
    transactionId: tx,
    messageId: `${tx}-mid@${PEER_DOMAIN}`,
    from: '+972590000028',
    to: ['+4915112345678', '+4915112345679'],
    subject: 'Hello MM4',
    originatorSystem: PEER_SYSTEM,
    senderDomain: PEER_DOMAIN,
    recipientDomain: HUB_DOMAIN,
    deliveryReport: true,
    priority: 'High',
    parts: [
      {
        contentType: 'application/smil',
        body: '<smil><body><par><img src="a.png"/></par></body></smil>',
        contentId: 's.smil',
      },
      { contentType: 'text/plain', body: 'Grüße', contentId: 't.txt', contentLocation: 't.txt' },
      { contentType: 'image/png', body: PNG, contentId: 'a.png', contentLocation: 'a.png' },
    ],
    start: 's.smil',
    ...extra,
  } as Parameters<typeof encodeMm4>[0]);
}

describe('MM4 gateway over real SMTP and Redis', {
  skip: hasRedisServer() ? false : 'redis-server not installed',
}, () => {
  let rig: Rig;
  let routed: HubMessage[];
  let esmeOutbox: HubMessage[];

  before(async () => {
    rig = await startRig();
    routed = rig.collect(Queues.route);
    esmeOutbox = rig.collect(Queues.outbox('esme-1'));
  });
  after(async () => {
    await rig.close();
  });

  test('forward.REQ from an IP-identified peer: 250 after store + route job, parts stored, .RES Ok to the peer', async () => {
    const mail = forwardFromPeer('tx-own-1');
    const r = await sendRaw(rig.port, mail);
    assert.equal(r.code, 250, r.response);
    const id = /queued as ([0-9A-F]{16})/.exec(r.response)?.[1];
    assert.ok(id, r.response);

    const msg = await rig.store.get(id);
    assert.ok(msg);
    assert.equal(msg.kind, 'mms');
    assert.equal(msg.direction, 'mo');
    assert.deepEqual(
      msg.to.map((a) => a.value),
      ['+4915112345678', '+4915112345679'],
    );
    assert.equal(msg.from.value, '+972590000028');
    assert.equal(msg.origin.protocol, 'mm4');
    assert.equal(msg.origin.account, 'peer-a');
    assert.equal(msg.origin.transactionId, 'tx-own-1');
    assert.equal(msg.origin.originatorSystem, PEER_SYSTEM);
    assert.equal(msg.origin.senderMessageId, `tx-own-1-mid@${PEER_DOMAIN}`);
    assert.equal(msg.options.receipt, 'final');
    assert.equal(msg.options.priority, 2);
    assert.equal(msg.extras?.mm4Headers?.['x-mms-message-type'], 'MM4_forward.REQ');
    assert.equal(msg.content.type, 'mms');
    if (msg.content.type !== 'mms') return;
    assert.equal(msg.content.subject, 'Hello MM4');
    assert.equal(msg.content.start, 's.smil');
    assert.deepEqual(
      msg.content.parts.map((p) => p.contentType),
      ['application/smil', 'text/plain', 'image/png'],
    );
    const png = msg.content.parts[2];
    assert.ok(png?.ref);
    assert.deepEqual(await rig.content.get(png.ref), PNG);
    const text = msg.content.parts[1];
    assert.ok(text?.ref);
    assert.equal((await rig.content.get(text.ref)).toString('utf8'), 'Grüße');

    await waitFor(() => routed.some((m) => m.id === id), { what: 'route job' });

    const res = await rig.peer.waitFor((x) => x.pdu.transactionId === 'tx-own-1', '.RES at the peer');
    assert.equal(res.pdu.type, 'MM4_forward.RES');
    assert.equal((res.pdu as Mm4ForwardRes).requestStatus, 'Ok');
    assert.equal(res.pdu.messageId, `tx-own-1-mid@${PEER_DOMAIN}`);
    assert.deepEqual(res.to, [PEER_SYSTEM]);
    assert.equal(res.from, HUB_SYSTEM);
  });

  test('a re-sent forward.REQ (same Transaction-ID) is answered, not stored twice', async () => {
    const first = await sendRaw(rig.port, forwardFromPeer('tx-dup'));
    const again = await sendRaw(rig.port, forwardFromPeer('tx-dup'));
    assert.equal(first.code, 250);
    assert.equal(again.code, 250);
    const id = /queued as ([0-9A-F]{16})/.exec(first.response)?.[1];
    assert.match(again.response, new RegExp(`already queued as ${id}`));
    await waitFor(() => rig.peer.received.filter((x) => x.pdu.transactionId === 'tx-dup').length === 2, {
      what: 'two .RES',
    });
  });

  test('real-world forward.REQ vectors are taken and acknowledged', async (t) => {
    if (!existsSync(VECTORS)) {
      t.skip(`vectors not found at ${VECTORS}`);
      return;
    }
    const files = readdirSync(VECTORS).filter((f) => f.startsWith('mm4-forward-req-'));
    assert.ok(files.length > 0);
    for (const f of files) {
      const raw = readFileSync(join(VECTORS, f));
      const pdu = decodeMm4(raw) as Mm4ForwardReq;
      const rcpt = pdu.to
        .filter((a) => a.kind === 'msisdn')
        .map((a) => formatMm4Address(a.value, HUB_DOMAIN));
      const r = await sendRaw(rig.port, raw, {
        from: formatMm4Address(pdu.from.value, PEER_DOMAIN),
        to: rcpt,
      });
      assert.equal(r.code, 250, `${f}: ${r.response}`);
      const id = /queued as ([0-9A-F]{16})/.exec(r.response)?.[1] ?? '';
      const msg = await rig.store.get(id);
      assert.ok(msg, f);
      assert.equal(msg.to.length, rcpt.length, f);
      assert.equal(msg.origin.senderMessageId, pdu.messageId, f);
      if (msg.content.type === 'mms') assert.equal(msg.content.parts.length, pdu.parts.length, f);
      if (pdu.ackRequest) {
        const res = await rig.peer.waitFor((x) => x.pdu.transactionId === pdu.transactionId, `.RES for ${f}`);
        assert.equal((res.pdu as Mm4ForwardRes).requestStatus, 'Ok', f);
        assert.deepEqual(res.to, [pdu.originatorSystem], f);
      }
    }
  });

  test('a mail Hub cannot take gets a precise 5xx', async () => {
    const env = { from: `x@${PEER_DOMAIN}`, to: [`+4915112345678/TYPE=PLMN@${HUB_DOMAIN}`] };
    const garbage = await sendRaw(rig.port, Buffer.from('Subject: hi\r\n\r\nnot MM4\r\n'), env);
    assert.equal(garbage.code, 554);
    assert.match(garbage.response, /5\.6\.0 .*X-Mms-Message-Type/);

    const badType = await sendRaw(
      rig.port,
      Buffer.from('X-Mms-Message-Type: MM4_bogus.REQ\r\nX-Mms-Transaction-ID: 1\r\n\r\n'),
      env,
    );
    assert.equal(badType.code, 554);

    const notNumber = await sendRaw(rig.port, forwardFromPeer('tx-bad-rcpt'), {
      from: env.from,
      to: [`alice@${HUB_DOMAIN}`],
    });
    assert.equal(notNumber.code, 553, notNumber.response);
    // The REQ decoded and asked for an ack: the refusal is also told in a .RES.
    const res = await rig.peer.waitFor((x) => x.pdu.transactionId === 'tx-bad-rcpt', 'error .RES');
    assert.equal((res.pdu as Mm4ForwardRes).requestStatus, 'Error-sending-address-unresolved');

    const relay = await sendRaw(rig.port, forwardFromPeer('tx-relay'), {
      from: env.from,
      to: ['+4915112345678/TYPE=PLMN@elsewhere.example'],
    });
    assert.equal(relay.code, 550);
    assert.match(relay.response, /5\.7\.1 Relaying denied/);
  });

  test('unknown peers and bad AUTH get 5xx; a peer with good AUTH is accepted', async () => {
    const unknown = await sendRaw(rig.port, forwardFromPeer('tx-unknown'), undefined, {
      localAddress: '127.0.0.2',
    });
    assert.equal(unknown.code, 550);
    assert.match(unknown.response, /Unknown MM4 peer/);

    const bad = await sendRaw(rig.port, forwardFromPeer('tx-badauth'), undefined, {
      localAddress: '127.0.0.2',
      auth: { user: 'peer-b', pass: 'wrong' },
    });
    assert.equal(bad.code, 535);

    const good = await sendRaw(rig.port, forwardFromPeer('tx-auth-ok', { ackRequest: false }), undefined, {
      localAddress: '127.0.0.2',
      auth: { user: 'peer-b', pass: PEER_B_PASSWORD },
    });
    assert.equal(good.code, 250, good.response);
    const id = /queued as ([0-9A-F]{16})/.exec(good.response)?.[1] ?? '';
    assert.equal((await rig.store.get(id))?.origin.account, 'peer-b');
  });

  test('Mm4Sender: 4xx is temporary, then OK; 5xx is permanent; the .RES and the delivery report update the message', async () => {
    const sender = new Mm4Sender(
      { ...rig.connector, pool: { maxConnections: 2 } },
      { content: rig.content, correlation: rig.correlation, store: rig.store },
    );
    try {
      const ref = await rig.content.put(PNG);
      const msg = mtMms(rig.ids, {
        subject: 'Out',
        text: 'hi',
        charset: 'utf-8',
        image: { ref, bytes: PNG },
      });
      await rig.store.put(msg);
      await rig.store.transition(msg.id, 'routed', 'routed');

      rig.peer.replies.push([451, '4.4.1 busy, try later']);
      await assert.rejects(sender.send(msg), (err: unknown) => {
        assert.ok(isHubError(err, 'HUB_ERR_MM4GW_PEER_UNAVAILABLE'));
        assert.equal(err.recovery, 'temporary');
        assert.equal(err.details?.smtpCode, 451);
        return true;
      });
      const sent = await sender.send(msg);
      assert.deepEqual(sent.upstreamIds, [`${msg.id}@${HUB_DOMAIN}`]);

      const got = await rig.peer.waitFor(
        (x) => x.pdu.messageId === sent.upstreamIds[0],
        'forward.REQ at the peer',
      );
      const req = got.pdu as Mm4ForwardReq;
      assert.equal(req.type, 'MM4_forward.REQ');
      assert.equal(req.transactionId, sent.transactionId);
      assert.equal(req.originatorSystem, HUB_SYSTEM);
      assert.equal(req.ackRequest, true);
      assert.equal(req.deliveryReport, true);
      assert.deepEqual(got.to, [`+972590000029/TYPE=PLMN@${PEER_DOMAIN}`]);
      assert.equal(req.from.value, '+4915100000001');
      assert.deepEqual(
        req.parts.map((p) => p.contentType),
        ['text/plain', 'image/png'],
      );
      assert.deepEqual(req.parts[1]?.body, PNG);

      rig.peer.replies.push([554, '5.7.1 not for you']);
      await assert.rejects(sender.send(msg), (err: unknown) => {
        assert.ok(isHubError(err, 'HUB_ERR_MM4GW_PEER_REJECTED'));
        assert.equal(err.recovery, 'permanent');
        assert.equal(err.details?.smtpCode, 554);
        return true;
      });

      // The peer's MM4_forward.RES arrives on Hub's listener: the message is en route at the peer.
      const res = encodeMm4(ackFor(req, 'Ok', { originatorSystem: PEER_SYSTEM }));
      assert.equal((await sendRaw(rig.port, res)).code, 250);
      await waitFor(async () => (await rig.store.get(msg.id))?.state === 'submitted', { what: 'submitted' });
      assert.deepEqual((await rig.store.get(msg.id))?.upstream, {
        connector: 'peer-a-out',
        id: sent.upstreamIds[0],
      });

      // Then the delivery report: the message is delivered and the SMPP client gets its receipt.
      const dr = encodeMm4({
        type: 'MM4_delivery_report.REQ',
        transactionId: 'peer-dr-1',
        messageId: req.messageId,
        recipient: '+972590000029',
        to: ['+4915100000001'],
        mmStatus: 'Retrieved',
        originatorSystem: PEER_SYSTEM,
        recipientDomain: HUB_DOMAIN,
      });
      const drReply = await sendRaw(rig.port, dr);
      assert.equal(drReply.code, 250, drReply.response);
      assert.equal((await rig.store.get(msg.id))?.state, 'delivered');
      const report = await waitFor(() => esmeOutbox.find((m) => m.report?.messageId === msg.id), {
        what: 'report on outbox',
      });
      assert.equal(report.class, 'report');
      assert.equal(report.report?.state, 'delivered');
      const drRes = await rig.peer.waitFor((x) => x.pdu.transactionId === 'peer-dr-1', 'delivery_report.RES');
      assert.equal(drRes.pdu.type, 'MM4_delivery_report.RES');
      assert.equal((drRes.pdu as Mm4Res).requestStatus, 'Ok');
    } finally {
      sender.close();
    }
  });

  test('a delivery report for an unknown message is taken and answered Error-message-not-found', async () => {
    const dr = encodeMm4({
      type: 'MM4_delivery_report.REQ',
      transactionId: 'peer-dr-unknown',
      messageId: 'nobody@mms.hub.example',
      recipient: '+972590000029',
      to: ['+4915100000001'],
      mmStatus: 'Retrieved',
      originatorSystem: PEER_SYSTEM,
      recipientDomain: HUB_DOMAIN,
    });
    assert.equal((await sendRaw(rig.port, dr)).code, 250);
    const res = await rig.peer.waitFor((x) => x.pdu.transactionId === 'peer-dr-unknown', '.RES');
    assert.equal((res.pdu as Mm4ForwardRes).requestStatus, 'Error-message-not-found');
  });

  test('a report owed to an MM4 peer leaves as MM4_delivery_report.REQ to that peer', async () => {
    // An MM the peer forwarded, then delivered here: the router/status worker puts the report on the peer's outbox.
    const r = await sendRaw(rig.port, forwardFromPeer('tx-for-report', { ackRequest: false }));
    const id = /queued as ([0-9A-F]{16})/.exec(r.response)?.[1] ?? '';
    const original = await rig.store.get(id);
    assert.ok(original);
    const report = {
      ...original,
      id: rig.ids.next(),
      class: 'report' as const,
      from: original.to[0] ?? original.from,
      to: [original.from],
      report: { messageId: id, state: 'delivered' as const, at: Date.now() },
      history: [],
    };
    await rig.bus.enqueue(Queues.outbox('peer-a'), report);
    const got = await rig.peer.waitFor(
      (x) =>
        x.pdu.type === 'MM4_delivery_report.REQ' &&
        x.pdu.messageId === 'tx-for-report-mid@mms.peer-a.example',
      'delivery_report.REQ at the peer',
    );
    assert.equal((got.pdu as { mmStatus: string }).mmStatus, 'Retrieved');
    assert.deepEqual(got.to, [`+972590000028/TYPE=PLMN@${PEER_DOMAIN}`]);
    assert.equal(got.pdu.originatorSystem, HUB_SYSTEM);
  });

  test('read_reply_report.REQ: recorded in the history, read report to the origin account, .RES Ok', async () => {
    const msg = createMessage({
      id: rig.ids.next(),
      direction: 'mt',
      kind: 'mms',
      origin: { protocol: 'smpp', account: 'esme-1' },
      from: { kind: 'e164', value: '+4915100000001', original: '+4915100000001' },
      to: [{ kind: 'e164', value: '+972590000029', original: '+972590000029' }],
      content: { type: 'mms', parts: [{ contentType: 'text/plain', size: 1, inline: 'eA==' }] },
      options: { readReply: true },
    });
    await rig.store.put(msg);
    await rig.store.linkUpstream('peer-a-out', `rr-${msg.id}@${HUB_DOMAIN}`, msg.id);
    const rr = encodeMm4({
      type: 'MM4_read_reply_report.REQ',
      transactionId: 'peer-rr-1',
      messageId: `rr-${msg.id}@${HUB_DOMAIN}`,
      recipient: '+972590000029',
      to: ['+4915100000001'],
      readStatus: 'Read',
      originatorSystem: PEER_SYSTEM,
      recipientDomain: HUB_DOMAIN,
    });
    const r = await sendRaw(rig.port, rr);
    assert.equal(r.code, 250, r.response);
    const report = await waitFor(() => esmeOutbox.find((m) => m.report?.messageId === msg.id), {
      what: 'read report',
    });
    assert.equal(report.report?.read, true);
    assert.equal(report.report?.state, 'delivered');
    const h = (await rig.store.get(msg.id))?.history ?? [];
    assert.ok(h.some((e) => e.hop === 'receipt' && /read reply: Read/.test(e.detail ?? '')));
    const res = await rig.peer.waitFor((x) => x.pdu.transactionId === 'peer-rr-1', 'read_reply_report.RES');
    assert.equal(res.pdu.type, 'MM4_read_reply_report.RES');
  });
});
