import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Queues } from '@hub/bus';
import {
  buildReport,
  createMessage,
  type HubMessage,
  IdGenerator,
  type MessageState,
  normalizeAddress,
  parseId,
} from '@hub/message';
import { EsmeClient, readMessagePdu, waitFor } from '@hub/testkit';
import { account, Harness, PASSWORD, PduClient, type StartedGateway } from './harness.fixture.js';

let h: Harness;
let g: StartedGateway;
const clients: EsmeClient[] = [];
const ids = new IdGenerator(900);

const RECEIPT =
  /^id:(\S+) sub:001 dlvrd:00([01]) submit date:(\d{10}) done date:(\d{10}) stat:(DELIVRD|EXPIRED|DELETED|UNDELIV|ACCEPTD|UNKNOWN|REJECTD|ENROUTE) err:(\d{3}) text:(.{0,20})$/;

before(async () => {
  h = await Harness.start();
  g = await h.gateway([
    await account('acme'),
    await account('dec', { idBase: 'dec' }),
    await account('held'),
    await account('retry'),
    await account('mo'),
    await account('dsm', {}, { receiptPdu: 'data_sm' }),
    await account('old'),
  ]);
});
after(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await h.close();
});

async function esme(
  systemId: string,
  opts: Partial<Parameters<typeof EsmeClient.connect>[0]> = {},
): Promise<EsmeClient> {
  const c = await EsmeClient.connect({ port: g.port, systemId, password: PASSWORD, ...opts });
  clients.push(c);
  return c;
}

/** Submits a message and returns the submit_sm_resp id and the stored record. */
async function submitted(
  c: EsmeClient,
  text = 'Hello receipt world, long enough',
): Promise<{ messageId: string; rec: HubMessage }> {
  const r = await c.submit({ from: '12345', to: '821055551234', dataCoding: 1, bytes: Buffer.from(text) });
  assert.equal(r.status, 0);
  const rec = await h.record(parseId(r.messageId ?? '') as string);
  assert.ok(rec !== undefined);
  return { messageId: r.messageId as string, rec };
}

async function report(
  rec: HubMessage,
  state: MessageState = 'delivered',
  error?: string,
): Promise<HubMessage> {
  const rep = buildReport(
    rec,
    { state, at: Date.now(), ...(error === undefined ? {} : { error }) },
    ids.next(),
  );
  await h.bus.enqueue(Queues.outbox(rec.origin.account as string), rep);
  return rep;
}

describe('delivery receipts', () => {
  test('receipt: esm_class 0x04, exact text format, TLVs, id = submit_sm_resp id (hex)', async () => {
    const c = await esme('acme');
    const { messageId, rec } = await submitted(c);
    await report(rec);
    await c.waitForReceipts(1);
    const r = c.receipts[0]!;
    assert.equal(r.esmClass & 0x3c, 0x04);
    const m = RECEIPT.exec(r.text);
    assert.ok(m, `format: ${r.text}`);
    assert.equal(m[1], messageId);
    assert.equal(m[2], '1');
    assert.equal(m[5], 'DELIVRD');
    assert.equal(m[6], '000');
    assert.equal(m[7], 'Hello receipt world,');
    assert.equal(r.receiptedMessageId, messageId);
    assert.equal(r.messageState, 2);
    assert.equal(r.destinationAddr, '12345', 'addressed back to the sender');
    assert.equal(r.respStatus, 0);
    // The record notes the receipt went out.
    await waitFor(async () => (await h.record(rec.id))?.history.some((e) => e.hop === 'receipt_delivered'));
  });

  test('failed delivery: stat UNDELIV with its error code', async () => {
    const c = await esme('acme');
    const { messageId, rec } = await submitted(c, 'x');
    await report(rec, 'undeliverable', '12');
    await waitFor(() => c.receipts.find((r) => r.receiptedMessageId === messageId));
    const r = c.receipts.find((x) => x.receiptedMessageId === messageId)!;
    const m = RECEIPT.exec(r.text);
    assert.ok(m, r.text);
    assert.equal(m[5], 'UNDELIV');
    assert.equal(m[2], '0');
    assert.equal(m[6], '012');
    assert.equal(r.messageState, 5);
  });

  test('decimal idBase: the receipt carries the same decimal id as the submit_sm_resp', async () => {
    const c = await esme('dec');
    const { messageId, rec } = await submitted(c);
    assert.match(messageId, /^\d+$/);
    await report(rec);
    await c.waitForReceipts(1);
    assert.equal(c.receipts[0]?.receiptedMessageId, messageId);
    assert.equal(RECEIPT.exec(c.receipts[0]?.text ?? '')?.[1], messageId);
  });

  test('receipts as data_sm when the account asks for it', async () => {
    const c = await esme('dsm');
    const { messageId, rec } = await submitted(c);
    await report(rec);
    await c.waitForReceipts(1);
    const r = c.receipts[0]!;
    assert.equal(r.command, 'data_sm');
    assert.equal(r.receiptedMessageId, messageId);
    assert.match(r.text, RECEIPT);
  });

  test('SMPP 3.3 receiver: the receipt deliver_sm carries no TLV at all (raw bytes)', async () => {
    const tx = await esme('old', { bindType: 'tx' });
    const { rec } = await submitted(tx);
    const rx = await PduClient.connect(g.port);
    assert.equal((await rx.bind('old', { type: 'rx', version: 0x33 })).pdu.command_status, 0);
    await report(rec);
    const [d] = await rx.waitForDelivers(1);
    const fields = readMessagePdu(d!.frame, 'deliver_sm');
    assert.equal(fields.tlvs.size, 0);
    assert.equal(fields.esmClass, 0x04);
    assert.match(fields.shortMessage.toString('latin1'), RECEIPT);
    rx.close();
  });

  test('held receipts: none bound → they wait; a later bind on another instance gets them all', async () => {
    const tx = await esme('held', { bindType: 'tx' });
    const sent: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { messageId, rec } = await submitted(tx, `held ${i}`);
      sent.push(messageId);
      await report(rec);
    }
    assert.equal(await h.bus.depth(Queues.outbox('held')), 4, 'waiting in the outbox');
    const second = await h.gateway([await account('held')]);
    const rx = await EsmeClient.connect({
      port: second.port,
      systemId: 'held',
      password: PASSWORD,
      bindType: 'rx',
    });
    clients.push(rx);
    await rx.waitForReceipts(4);
    // All four, once each. Not necessarily in queue order: up to a window of deliveries is in flight per
    // receiver bind, and two jobs fetched at the same moment can start in either order (docs/smpp.md).
    assert.deepEqual(rx.receipts.map((r) => r.receiptedMessageId).sort(), [...sent].sort());
    await waitFor(async () => (await h.bus.depth(Queues.outbox('held'))) === 0);
  });

  test('a non-zero deliver_sm_resp gets the receipt retried until acknowledged', async () => {
    let refusals = 1;
    const c = await esme('retry', {
      deliverSmRespStatus: () => (refusals-- > 0 ? 0x64 : 0), // ESME_RX_T_APPN once, then OK
    });
    const { messageId, rec } = await submitted(c);
    await report(rec);
    await c.waitForReceipts(2, 15_000);
    assert.deepEqual(
      c.receipts.map((r) => [r.receiptedMessageId, r.respStatus]),
      [
        [messageId, 0x64],
        [messageId, 0],
      ],
    );
  });
});

describe('MO messages', () => {
  test('an MO in the outbox reaches the ESME as deliver_sm with its bytes and coding', async () => {
    const c = await esme('mo');
    const bytes = Buffer.from('00480069d83dde00', 'hex'); // "Hi😀" UCS-2
    const mo = createMessage({
      id: ids.next(),
      direction: 'mo',
      kind: 'sms',
      origin: { protocol: 'smpp', connector: 'up1' },
      from: normalizeAddress('+821099998888')!,
      to: [normalizeAddress('12345', { ton: 3 })!],
      content: { type: 'sms', dataCoding: 8, text: 'Hi😀', bytes: bytes.toString('base64'), segments: 1 },
      options: { receipt: 'none', priority: 0 },
    });
    await h.bus.enqueue(Queues.outbox('mo'), mo);
    await c.waitForMos(1);
    const m = c.mos[0]!;
    assert.equal(m.esmClass, 0);
    assert.equal(m.dataCoding, 8);
    assert.deepEqual(m.body, bytes);
    assert.equal(m.sourceAddr, '821099998888');
    assert.equal(m.sourceAddrTon, 1);
    assert.equal(m.destinationAddr, '12345');
  });

  test('a long MO (> 254 octets) travels in message_payload', async () => {
    const c = await esme('mo');
    const text = 'y'.repeat(300);
    const mo = createMessage({
      id: ids.next(),
      direction: 'mo',
      kind: 'sms',
      origin: { protocol: 'smpp', connector: 'up1' },
      from: normalizeAddress('+821099998888')!,
      to: [normalizeAddress('12345', { ton: 3 })!],
      content: { type: 'sms', dataCoding: 1, text, bytes: Buffer.from(text).toString('base64'), segments: 2 },
      options: { receipt: 'none', priority: 0 },
    });
    const before = c.moCount;
    await h.bus.enqueue(Queues.outbox('mo'), mo);
    await c.waitForMos(before + 1);
    const m = c.mos.at(-1)!;
    assert.equal(m.shortMessage.length, 0);
    assert.equal(m.messagePayload?.toString(), text);
  });
});
