import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { parseId } from '@hub/message';
import { SmppStatus } from '@hub/smpp';
import { buildFrame, EsmeClient, rawSocket, waitFor } from '@hub/testkit';
import { account, Harness, PASSWORD, PduClient, type StartedGateway } from './harness.fixture.js';

let h: Harness;
let g: StartedGateway;

before(async () => {
  h = await Harness.start();
  g = await h.gateway([await account('acme', {}, { maxBinds: 100 })]);
});
after(async () => {
  await h.close();
});

const GENERIC_NACK = 0x80000000;

/** A second, healthy session still binds and submits. */
async function stillServing(): Promise<void> {
  const c = await EsmeClient.connect({ port: g.port, systemId: 'acme', password: PASSWORD });
  const r = await c.submit({ from: '12345', to: '821055551234', text: 'still here' });
  assert.equal(r.status, 0);
  await c.close();
}

describe('malformed input', () => {
  test('command_length 0xFFFFFFFF → generic_nack ESME_RINVCMDLEN and close; others keep working', async () => {
    const healthy = await EsmeClient.connect({ port: g.port, systemId: 'acme', password: PASSWORD });
    const s = await rawSocket(g.port);
    s.send(buildFrame({ commandId: 0x15, sequenceNumber: 7, commandLength: 0xffffffff }));
    const [nack] = await s.readPdus(1);
    assert.equal(nack?.commandId, GENERIC_NACK);
    assert.equal(nack?.commandStatus, SmppStatus.ESME_RINVCMDLEN);
    await s.waitForClose();
    assert.equal((await healthy.submit({ from: '1', to: '821055551234', text: 'x' })).status, 0);
    await healthy.close();
  });

  test('command_length below 16 → generic_nack and close', async () => {
    const s = await rawSocket(g.port);
    s.send(buildFrame({ commandId: 0x15, commandLength: 8 }));
    await s.waitForClose();
    assert.ok(s.pdus.every((p) => p.commandId === GENERIC_NACK));
    await stillServing();
  });

  test('unknown command_id → generic_nack ESME_RINVCMDID, the session goes on', async () => {
    const c = await PduClient.connect(g.port);
    await c.bind('acme');
    c.send(buildFrame({ commandId: 0x00000999, sequenceNumber: 42 }));
    await waitFor(() => c.raw.pdus.find((p) => p.sequenceNumber === 42));
    const nack = c.raw.pdus.find((p) => p.sequenceNumber === 42)!;
    assert.equal(nack.commandId, GENERIC_NACK);
    assert.equal(nack.commandStatus, SmppStatus.ESME_RINVCMDID);
    assert.equal((await c.request('enquire_link')).pdu.command_status, 0);
    c.close();
  });

  test('unsupported known PDU (broadcast_sm) → ESME_RINVCMDID response, session goes on', async () => {
    const c = await PduClient.connect(g.port);
    await c.bind('acme', { version: 0x50 });
    const s = buildFrame({ commandId: 0x00000111, sequenceNumber: 9, body: Buffer.alloc(0) });
    c.send(s);
    await waitFor(() => c.raw.pdus.find((p) => p.sequenceNumber === 9));
    const resp = c.raw.pdus.find((p) => p.sequenceNumber === 9)!;
    assert.notEqual(resp.commandStatus, 0);
    assert.equal((await c.request('enquire_link')).pdu.command_status, 0);
    c.close();
  });

  test('truncated submit_sm body → an error response, the session goes on', async () => {
    const c = await PduClient.connect(g.port);
    await c.bind('acme');
    c.send(buildFrame({ commandId: 0x04, sequenceNumber: 77, body: '00 01 01 31 32 00' }));
    await waitFor(() => c.raw.pdus.find((p) => p.sequenceNumber === 77));
    const r = c.raw.pdus.find((p) => p.sequenceNumber === 77)!;
    assert.ok(
      r.commandStatus === SmppStatus.ESME_RINVCMDLEN || r.commandStatus === SmppStatus.ESME_RINVMSGLEN,
      `0x${r.commandStatus.toString(16)}`,
    );
    assert.equal((await c.request('enquire_link')).pdu.command_status, 0);
    c.close();
  });

  test('sm_length past the end of the PDU → ESME_RINVMSGLEN', async () => {
    const c = await PduClient.connect(g.port);
    await c.bind('acme');
    // service_type "", src 1/1 "1", dst 1/1 "821055551234", esm 0, pid 0, prio 0, sched "", valid "", rd 0, rip 0, dc 0, sm_def 0, sm_length 200, 2 octets
    const body = Buffer.concat([
      Buffer.from('00 01 01 3100 01 01'.replace(/ /g, ''), 'hex'),
      Buffer.from('821055551234\0'),
      Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 200, 0x41, 0x42]),
    ]);
    c.send(buildFrame({ commandId: 0x04, sequenceNumber: 78, body }));
    await waitFor(() => c.raw.pdus.find((p) => p.sequenceNumber === 78));
    assert.equal(c.raw.pdus.find((p) => p.sequenceNumber === 78)?.commandStatus, SmppStatus.ESME_RINVMSGLEN);
    c.close();
  });

  test('listeners.smpp.maxPduLength: a longer PDU → generic_nack ESME_RINVCMDLEN and close; shorter ones pass', async () => {
    const small = await h.gateway([await account('acme', {}, { maxBinds: 100 })], {
      listener: { maxPduLength: 1024 },
    });
    const c = await PduClient.connect(small.port);
    assert.equal((await c.bind('acme')).pdu.command_status, 0);
    const sm = {
      source_addr: '12345',
      destination_addr: '821055551234',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      short_message: Buffer.alloc(0),
    };
    const fits = await c.request('submit_sm', { ...sm, message_payload: Buffer.alloc(900, 0x41) });
    assert.equal(fits.pdu.command_status, 0);
    c.send(
      buildFrame({
        commandId: 0x04,
        sequenceNumber: 4242,
        commandLength: 1025,
        body: Buffer.alloc(1025 - 16),
      }),
    );
    await c.raw.waitForClose();
    const nack = c.raw.pdus.find((p) => p.sequenceNumber === 4242);
    assert.equal(nack?.commandId, GENERIC_NACK);
    assert.equal(nack?.commandStatus, SmppStatus.ESME_RINVCMDLEN);
    // The default gateway (70000) takes the same PDU size.
    const d = await PduClient.connect(g.port);
    await d.bind('acme');
    const big = await d.request('submit_sm', { ...sm, message_payload: Buffer.alloc(2000, 0x41) });
    assert.equal(big.pdu.command_status, 0);
    d.close();
  });

  test('1000 random bytes → the session is dropped, the gateway keeps serving', async () => {
    const s = await rawSocket(g.port);
    const junk = randomBytes(1000);
    junk.writeUInt32BE(0x7fffffff, 0); // an impossible length first, so the stream cannot resync
    s.send(junk);
    await s.waitForClose();
    await stillServing();
  });
});

describe('durability', () => {
  test('submit answered only after Redis has it: Redis down → non-zero status; back up → OK', async () => {
    const own = await Harness.start();
    try {
      const gw = await own.gateway([await account('acme')]);
      const c = await EsmeClient.connect({
        port: gw.port,
        systemId: 'acme',
        password: PASSWORD,
        responseTimeoutMs: 15_000,
      });
      const ok = await c.submit({ from: '1', to: '821055551234', text: 'before' });
      assert.equal(ok.status, 0);
      await own.redis.kill();
      const down = await c.submit({ from: '1', to: '821055551234', text: 'during' });
      assert.notEqual(down.status, 0, 'never OK without Redis');
      await own.redis.restart();
      const back = await waitFor(
        async () => {
          const r = await c.submit({ from: '1', to: '821055551234', text: 'after' });
          return r.status === 0 ? r : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 200, what: 'a submit accepted after the restart' },
      );
      const rec = await own.record(parseId(back.messageId ?? '') as string);
      assert.equal(rec?.content.type === 'sms' ? rec.content.text : '', 'after');
      await c.close();
    } finally {
      await own.close();
    }
  });
});
