import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queues } from '@hub/bus';
import { Mm4Connector } from '@hub/connectors';
import type { HubMessage } from '@hub/message';
import { ackFor, encodeMm4, type Mm4ForwardReq } from '@hub/mm4';
import { hasRedisServer, waitFor } from '@hub/testkit';
import { mtMms, PEER_SYSTEM, type Rig, sendRaw, startRig } from './testing.fixture.js';

// The mm4 connector (as the connector worker runs it) sends; the gateway receives the .RES or, when none
// comes within the connector's resTimeoutMs, resends or fails the message.
describe('.RES timeout of forward.REQs sent by the mm4 connector', {
  skip: hasRedisServer() ? false : 'redis-server not installed',
}, () => {
  let rig: Rig;
  let connector: Mm4Connector;
  let outbox: HubMessage[];

  before(async () => {
    rig = await startRig({
      connector: { resTimeoutMs: 300, retries: { temporary: { attempts: 2, delayMs: 0 } } },
    });
    outbox = rig.collect(Queues.outbox('esme-1'));
    connector = new Mm4Connector(rig.connector, {
      mm4: { content: rig.content, correlation: rig.correlation },
    });
    await connector.start();
  });
  after(async () => {
    await connector.stop();
    await rig.close();
  });

  /** An MT MMS from an SMPP client, sent by the connector and marked as the worker does. */
  async function sendOne(text: string): Promise<{ msg: HubMessage; upstreamId: string }> {
    const msg = mtMms(rig.ids, { text });
    await rig.store.put(msg);
    await rig.store.transition(msg.id, 'routed', 'routed');
    const r = await connector.send(msg);
    const upstreamId = r.upstreamIds[0] ?? '';
    await rig.store.linkUpstream(connector.id, upstreamId, msg.id);
    await rig.store.transition(msg.id, 'submitted', 'upstream_ack', { connector: connector.id, upstreamId });
    return { msg, upstreamId };
  }

  const reqsFor = (messageId: string) =>
    rig.peer.received.filter((x) => x.pdu.type === 'MM4_forward.REQ' && x.pdu.messageId === messageId);

  test('no .RES: resent once with a new Transaction-ID, then undeliverable with the report owed', async () => {
    const { msg, upstreamId } = await sendOne('no res');
    const second = await waitFor(() => (reqsFor(upstreamId).length >= 2 ? reqsFor(upstreamId) : undefined), {
      timeoutMs: 15_000,
      what: 'the resent forward.REQ',
    });
    const [a, b] = second as [(typeof second)[0], (typeof second)[0]];
    assert.notEqual(a.pdu.transactionId, b.pdu.transactionId);
    assert.equal(b.pdu.messageId, a.pdu.messageId);

    await waitFor(async () => (await rig.store.get(msg.id))?.state === 'undeliverable', {
      timeoutMs: 15_000,
      what: 'undeliverable after the last attempt',
    });
    const rec = await rig.store.get(msg.id);
    const failed = rec?.history.find((h) => h.hop === 'failed');
    assert.match(failed?.detail ?? '', /no MM4_forward\.RES within 0 s \(attempt 2 of 2\)/);
    assert.ok(rec?.history.some((h) => h.hop === 'note' && /attempt 1 of 2\): resent/.test(h.detail ?? '')));
    const report = await waitFor(() => outbox.find((m) => m.report?.messageId === msg.id), {
      what: 'report owed to the SMPP client',
    });
    assert.equal(report.report?.state, 'undeliverable');
    assert.equal(reqsFor(upstreamId).length, 2, 'no third send');
  });

  test('.RES in time: the timeout does nothing', async () => {
    const { msg, upstreamId } = await sendOne('with res');
    const got = await rig.peer.waitFor((x) => x.pdu.messageId === upstreamId, 'forward.REQ at the peer');
    const res = encodeMm4(ackFor(got.pdu as Mm4ForwardReq, 'Ok', { originatorSystem: PEER_SYSTEM }));
    assert.equal((await sendRaw(rig.port, res)).code, 250);
    await waitFor(() => rig.correlation.hasRes(msg.id).then((x) => x || undefined), {
      what: '.RES recorded',
    });
    // Past the 300 ms timeout (the delayed job was removed; the marker would stop it anyway).
    await sleep(1_000);
    assert.equal(reqsFor(upstreamId).length, 1);
    assert.equal((await rig.store.get(msg.id))?.state, 'submitted');
  });
});
