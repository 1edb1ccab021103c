/**
 * Interop: Kannel (Debian `kannel`: bearerbox + smsbox) as the ESME binding to Hub's SmppServer. MT is
 * injected through smsbox's HTTP sendsms; a recording proxy sits between Kannel and Hub. Asserts Kannel's
 * bind, the submit_sm text and coding, that our submit_sm_resp is accepted (Kannel reports the message
 * sent and later matches our receipt to it), and that Kannel acknowledges the receipt deliver_sm.
 * Needs bearerbox and smsbox; run scripts/install-peers.sh to get them.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { test } from 'node:test';
import {
  findKannel,
  Kannel,
  killGroup,
  parseSm,
  poll,
  startDlrSink,
  WireTap,
  within,
} from '@hub/interop-kit';
import type { SmppPdu } from '../session/node-smpp.js';
import { type BindRequest, type ServerSession, SmppServer } from '../session/server-session.js';
import type { RequestDecision, SmppSession } from '../session/session.js';
import { SessionState } from '../session/state.js';

const TEMPLATE = new URL('./kannel.fixture.conf', import.meta.url);

test('Kannel bearerbox ⇄ Hub SmppServer: transceiver bind, sendsms MT (GSM, UCS-2), submit_sm_resp, receipt', async (t) => {
  const boxes = findKannel();
  if (!boxes) {
    t.skip('Kannel (bearerbox/smsbox) not installed: run scripts/install-peers.sh');
    return;
  }

  // SMPP 3.4 limits: system_id ≤ 15 octets, password ≤ 8.
  const account = { systemId: 'kannel-esme', password: randomBytes(4).toString('hex') };
  const binds: BindRequest[] = [];
  const submits: SmppPdu[] = [];
  let counter = 0;
  const server = new SmppServer({
    onBind: (req) => {
      binds.push(req);
      return req.systemId === account.systemId && req.password === account.password
        ? { ok: true, context: { account: req.systemId } }
        : { ok: false, status: 0x0e };
    },
    onRequest: (_s: SmppSession, pdu): RequestDecision => {
      submits.push(pdu);
      return { status: 0, fields: { message_id: `hubk${++counter}` } };
    },
    enquireLinkIntervalMs: 0,
    responseTimeoutMs: 5_000,
  });
  // Everything started from here on is undone in the finally block, in reverse order.
  const cleanup: Array<() => Promise<void> | void> = [];
  try {
    const { port: hubPort } = await server.listen({ port: 0 });
    cleanup.push(() => within(server.close(), 10_000, 'server close'));
    const tap = await WireTap.start(hubPort);
    cleanup.push(() => tap.close());

    // Kannel calls this back with the delivery report it matched (dlr-url of the MT).
    const { port: dlrPort, dlrs, close: closeDlrs } = await startDlrSink();
    cleanup.push(closeDlrs);
    // Config in a temp dir; its cleanup stops the boxes in reverse start order: smsbox (a client of
    // bearerbox) first, then bearerbox (unbinds from Hub).
    const kannel = await Kannel.create({
      template: TEMPLATE,
      hubPort: tap.port,
      systemId: account.systemId,
      password: account.password,
    });
    cleanup.push(() => kannel.close());

    // ---- Kannel binds to Hub ----
    const bound = within(
      once(server, 'bound').then(([s]) => s as ServerSession),
      15_000,
      'Kannel to bind',
    ).catch(kannel.withLogs);
    const bb = kannel.start(boxes.bearerbox);
    const session = await bound;
    assert.equal(session.state, SessionState.BOUND_TRX, 'transceiver-mode = true → bind_transceiver');
    const bind = binds.at(-1);
    assert.ok(bind);
    assert.equal(bind.systemId, account.systemId);
    assert.equal(bind.password, account.password);
    assert.equal(bind.systemType, 'KANNEL');
    assert.equal(bind.interfaceVersion, 0x34);
    assert.equal(session.interfaceVersion, 0x34);
    const bindResp = await tap.waitFor(
      (f) => f.command === 'bind_transceiver_resp',
      1000,
      'bind_resp on the wire',
    );
    assert.equal(bindResp.status, 0);

    // ---- MT through smsbox's sendsms ----
    const sb = kannel.start(boxes.smsbox);
    const dlrUrl = `http://127.0.0.1:${dlrPort}/dlr?type=%d&smsc=%i&reply=%A`;
    const sendsms = (params: Record<string, string>) => kannel.send({ from: '12345', ...params });

    // GSM: '@' and '£' are GSM 03.38 0x00 and 0x01, '€' the escape pair 1B 65.
    const gsmText = 'Hello @ £ € from Kannel';
    const r1 = await poll(
      () =>
        sendsms({
          to: '447700900001',
          text: gsmText,
          charset: 'UTF-8',
          'dlr-mask': '3',
          'dlr-url': dlrUrl,
        }),
      10_000,
      'smsbox sendsms',
    ).catch(kannel.withLogs);
    assert.ok(r1.status === 202 || r1.status === 200, `sendsms answered ${r1.status}: ${r1.body}`);
    assert.match(r1.body, /Accepted|Sent/);
    const gsm = await poll(() => submits[0], 10_000, 'the GSM submit_sm').catch(kannel.withLogs);
    assert.equal(gsm.command, 'submit_sm');
    assert.equal(gsm.fields.data_coding, 0x00);
    assert.equal(gsm.fields.destination_addr, '447700900001');
    assert.equal(gsm.fields.source_addr, '12345');
    assert.equal(gsm.fields.registered_delivery, 1, 'dlr-mask asks for a receipt');
    assert.equal(
      (gsm.fields.short_message as Buffer).toString('hex'),
      Buffer.concat([
        Buffer.from('Hello ', 'latin1'),
        Buffer.from([0x00, 0x20, 0x01, 0x20, 0x1b, 0x65]),
        Buffer.from(' from Kannel', 'latin1'),
      ]).toString('hex'),
      'GSM 03.38 unpacked, as Kannel encodes it',
    );

    // UCS-2.
    const ucsText = 'Привет ✓';
    const r2 = await within(
      sendsms({ to: '447700900002', text: ucsText, charset: 'UTF-8', coding: '2' }),
      5_000,
      'sendsms UCS-2',
    );
    assert.ok(r2 && (r2.status === 202 || r2.status === 200), `sendsms answered ${r2?.status}: ${r2?.body}`);
    const ucs = await poll(() => submits[1], 10_000, 'the UCS-2 submit_sm').catch(kannel.withLogs);
    assert.equal(ucs.fields.data_coding, 0x08);
    assert.equal(
      (ucs.fields.short_message as Buffer).toString('hex'),
      Buffer.from(ucsText, 'utf16le').swap16().toString('hex'),
      'UTF-16BE',
    );

    // A long text: Kannel splits it into two UDH parts (IEI 00, 8-bit reference), esm_class with UDHI.
    const longText = 'L'.repeat(150) + '0123456789'.repeat(2);
    const r3 = await within(
      sendsms({ to: '447700900003', text: longText, charset: 'UTF-8' }),
      5_000,
      'sendsms long',
    );
    assert.ok(r3 && (r3.status === 202 || r3.status === 200), `sendsms answered ${r3?.status}: ${r3?.body}`);
    const parts = await poll(
      () => (submits.length >= 4 ? submits.slice(2, 4) : undefined),
      10_000,
      'two long parts',
    );
    const udhs = parts.map((p) => {
      assert.equal((p.fields.esm_class as number) & 0x40, 0x40, 'UDHI set');
      const sm = p.fields.short_message as Buffer;
      const udhl = sm[0] as number;
      return { udh: sm.subarray(0, udhl + 1), text: sm.subarray(udhl + 1).toString('latin1') };
    });
    for (const [i, { udh }] of udhs.entries()) {
      assert.equal(udh[1], 0x00, 'IEI 00: concatenation, 8-bit reference');
      assert.equal(udh[3], udhs[0]?.udh[3], 'same reference in both parts');
      assert.equal(udh[4], 2, 'two parts');
      assert.equal(udh[5], i + 1, 'part number');
    }
    assert.equal(udhs.map((u) => u.text).join(''), longText, 'the parts reassemble to the text');

    // All submit_sm on the wire, parsed independently; our submit_sm_resp went back with status 0.
    const wire = tap.frames
      .filter((f) => f.dir === 'in' && f.command === 'submit_sm')
      .map((f) => parseSm(f.raw));
    assert.equal(wire.length, 4);
    assert.equal(wire[0]?.dataCoding, 0);
    assert.equal(wire[1]?.dataCoding, 8);
    const resps = tap.frames.filter((f) => f.dir === 'out' && f.command === 'submit_sm_resp');
    assert.deepEqual(
      resps.map((f) => [f.status, f.raw.subarray(16).toString('latin1')]),
      [
        [0, 'hubk1\0'],
        [0, 'hubk2\0'],
        [0, 'hubk3\0'],
        [0, 'hubk4\0'],
      ],
    );

    // ---- receipt for the GSM message: Kannel answers and matches it to its DLR entry ----
    const receipt =
      'id:hubk1 sub:001 dlvrd:001 submit date:2501011200 done date:2501011201 stat:DELIVRD err:000 text:Hello';
    const dlvResp = await session.request(
      'deliver_sm',
      {
        source_addr: '447700900001',
        destination_addr: '12345',
        esm_class: 0x04,
        data_coding: 0x00,
        short_message: Buffer.from(receipt, 'latin1'),
      },
      { tlvs: { receipted_message_id: 'hubk1', message_state: 2 }, timeoutMs: 5_000 },
    );
    assert.equal(dlvResp.command, 'deliver_sm_resp');
    assert.equal(dlvResp.status, 0, `Kannel acknowledged the receipt\n${kannel.logs()}`);
    const dlr = await poll(() => dlrs[0], 10_000, 'Kannel to call the dlr-url').catch(kannel.withLogs);
    assert.equal(
      dlr.get('type'),
      '1',
      'DLR type 1 = delivered: Kannel matched receipted_message_id to our submit_sm_resp id',
    );
    assert.equal(dlr.get('smsc'), 'hub');
    assert.equal(dlr.get('reply'), receipt, 'the receipt text reached Kannel intact');

    // No protocol trouble on Hub's side during the whole exchange.
    // ---- enquire_link both ways (Kannel's enquire-link-interval is 1 s) ----
    const hubPing = await session.request('enquire_link', {}, { timeoutMs: 5_000 });
    assert.equal(hubPing.command, 'enquire_link_resp');
    assert.equal(hubPing.status, 0);
    const kannelPing = await tap.waitFor(
      (f) => f.dir === 'in' && f.command === 'enquire_link',
      5_000,
      "Kannel's enquire_link",
    );
    const pong = await tap.waitFor(
      (f) => f.dir === 'out' && f.command === 'enquire_link_resp' && f.sequence === kannelPing.sequence,
      2_000,
      'our enquire_link_resp',
    );
    assert.equal(pong.status, 0);

    // ---- shutdown: Kannel unbinds, Hub answers and closes the session as unbound ----
    const closed = within(once(session, 'close'), 10_000, 'the session to close');
    await killGroup(sb, 5_000);
    await killGroup(bb, 5_000);
    assert.deepEqual(await closed, ['unbound']);
    const unbind = tap.frames.find((f) => f.dir === 'in' && f.command === 'unbind');
    assert.ok(unbind, 'Kannel sent unbind on SIGTERM');
    const unbindResp = tap.frames.find((f) => f.dir === 'out' && f.command === 'unbind_resp');
    assert.equal(unbindResp?.sequence, unbind.sequence);
    assert.equal(unbindResp?.status, 0);

    assert.equal(binds.length, 1, 'one bind for the whole run: Kannel never had to reconnect');
    assert.ok(!tap.frames.some((f) => f.command === 'generic_nack'), 'no generic_nack either way');
  } finally {
    for (const undo of cleanup.reverse()) await undo();
  }
});
