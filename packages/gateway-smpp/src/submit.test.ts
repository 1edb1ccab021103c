import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Queues } from '@hub/bus';
import { createMessage, IdGenerator, normalizeAddress, parseId } from '@hub/message';
import { encodeText, formatSmppAbsolute, SmppStatus } from '@hub/smpp';
import { EsmeClient, type EsmeSubmit, waitFor } from '@hub/testkit';
import { account, Harness, PASSWORD, PduClient, type StartedGateway } from './harness.fixture.js';

let h: Harness;
let g: StartedGateway;
const clients: EsmeClient[] = [];

async function esme(systemId: string, version = 0x34, port = g.port): Promise<EsmeClient> {
  const c = await EsmeClient.connect({ port, systemId, password: PASSWORD, interfaceVersion: version });
  clients.push(c);
  return c;
}

before(async () => {
  h = await Harness.start();
  g = await h.gateway([
    await account('acme', {}, { maxBinds: 1000 }),
    await account('beta'),
    await account('asc', {}, { defaultAlphabet: 'ascii' }),
    await account('lat', {}, { defaultAlphabet: 'latin1' }),
    await account('slow', { throughput: { messagesPerSecond: 2, segmentsPerSecond: 0 } }),
    await account('dec', { idBase: 'dec' }),
  ]);
});
after(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await h.close();
});

const base = { from: '12345', to: '821055551234' } as const;

/** Submits, asserts OK, returns the stored record. */
async function stored(c: EsmeClient, s: Partial<EsmeSubmit>) {
  const r = await c.submit({ ...base, ...s });
  assert.equal(r.status, 0, `status 0x${r.status.toString(16)}`);
  const id = parseId(r.messageId ?? '');
  assert.ok(id !== undefined, `bad id ${r.messageId}`);
  const rec = await h.record(id);
  assert.ok(rec !== undefined, 'record in Redis');
  assert.equal(rec.content.type, 'sms');
  return {
    rec,
    content: rec.content as Extract<typeof rec.content, { type: 'sms' }>,
    messageId: r.messageId as string,
  };
}

describe('data codings: the stored record keeps text and exact bytes', () => {
  test('dc 0 = GSM 03.38 (default account alphabet), escapes included', async () => {
    const c = await esme('acme');
    const text = 'Hi @£$¥ {€} ~';
    const bytes = encodeText(0, text);
    const { content, rec } = await stored(c, { dataCoding: 0, bytes });
    assert.equal(content.text, text);
    assert.deepEqual(Buffer.from(content.bytes, 'base64'), bytes);
    assert.equal(content.dataCoding, 0);
    assert.equal(content.segments, 1);
    assert.equal(rec.origin.account, 'acme');
    assert.equal(rec.state, 'accepted');
  });

  test('dc 0 = ASCII for an account configured so', async () => {
    const c = await esme('asc');
    const { content } = await stored(c, { dataCoding: 0, bytes: Buffer.from('a@b_c$') });
    assert.equal(content.text, 'a@b_c$');
  });

  test('dc 0 = Latin-1 for an account configured so', async () => {
    const c = await esme('lat');
    const { content } = await stored(c, { dataCoding: 0, bytes: Buffer.from('café', 'latin1') });
    assert.equal(content.text, 'café');
    assert.deepEqual(Buffer.from(content.bytes, 'base64'), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
  });

  test('dc 1 = IA5/ASCII', async () => {
    const c = await esme('acme');
    const { content } = await stored(c, { dataCoding: 1, bytes: Buffer.from('Hello {world}') });
    assert.equal(content.text, 'Hello {world}');
  });

  test('dc 3 = Latin-1', async () => {
    const c = await esme('acme');
    const { content } = await stored(c, { dataCoding: 3, bytes: Buffer.from('Grüße ÿ', 'latin1') });
    assert.equal(content.text, 'Grüße ÿ');
  });

  test('dc 8 = UCS-2 with an emoji surrogate pair kept', async () => {
    const c = await esme('acme');
    const bytes = Buffer.from([0x00, 0x48, 0x00, 0x69, 0x00, 0x20, 0xd8, 0x3d, 0xde, 0x00]);
    const { content } = await stored(c, { dataCoding: 8, bytes });
    assert.equal(content.text, 'Hi 😀');
    assert.deepEqual(Buffer.from(content.bytes, 'base64'), bytes);
  });

  test('dc 14 = KS C 5601 (EUC-KR)', async () => {
    const c = await esme('acme');
    const bytes = Buffer.from('bec8b3e7c7cfbcbcbfe4', 'hex'); // 안녕하세요
    const { content } = await stored(c, { dataCoding: 14, bytes });
    assert.equal(content.text, '안녕하세요');
    assert.deepEqual(Buffer.from(content.bytes, 'base64'), bytes);
  });

  test('dc 14 with CP949/UHC-only bytes (똠 = 8C 63) is refused: RINVDCS on 5.0, RSUBMITFAIL on 3.4', async () => {
    const uhc = Buffer.from([0xbe, 0xc8, 0x8c, 0x63]);
    const v5 = await esme('acme', 0x50);
    assert.equal((await v5.submit({ ...base, dataCoding: 14, bytes: uhc })).status, SmppStatus.ESME_RINVDCS);
    const v34 = await esme('acme', 0x34);
    assert.equal(
      (await v34.submit({ ...base, dataCoding: 14, bytes: uhc })).status,
      SmppStatus.ESME_RSUBMITFAIL,
    );
  });

  for (const dc of [2, 4]) {
    test(`dc ${dc} = binary, bytes kept, no text`, async () => {
      const c = await esme('acme');
      const bytes = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x1b, 0x7f]);
      const { content } = await stored(c, { dataCoding: dc, bytes });
      assert.equal(content.text, undefined);
      assert.deepEqual(Buffer.from(content.bytes, 'base64'), bytes);
    });
  }

  test('an unsupported coding (dc 5, JIS) is refused: RINVDCS on 5.0, RSUBMITFAIL on 3.4', async () => {
    const v5 = await esme('acme', 0x50);
    assert.equal(
      (await v5.submit({ ...base, dataCoding: 5, bytes: Buffer.from('x') })).status,
      SmppStatus.ESME_RINVDCS,
    );
    const v34 = await esme('acme');
    assert.equal(
      (await v34.submit({ ...base, dataCoding: 5, bytes: Buffer.from('x') })).status,
      SmppStatus.ESME_RSUBMITFAIL,
    );
  });

  test('bytes invalid for their coding (odd UCS-2 length, 8-bit octet in dc 1) are refused', async () => {
    const c = await esme('acme', 0x50);
    const bad = [
      { dataCoding: 8, bytes: Buffer.from([0x00, 0x41, 0x00]) },
      { dataCoding: 1, bytes: Buffer.from([0x41, 0xe9]) },
    ];
    for (const b of bad) assert.equal((await c.submit({ ...base, ...b })).status, SmppStatus.ESME_RINVDCS);
  });
});

describe('long messages become one logical message', () => {
  const parts = ['part one of three. ', 'part two of three. ', 'part three.'];
  const whole = parts.join('');

  async function sendParts(c: EsmeClient, each: (i: number) => Partial<EsmeSubmit>) {
    const rs = await Promise.all(
      parts.map((p, i) => c.submit({ ...base, dataCoding: 1, bytes: Buffer.from(p), ...each(i) })),
    );
    for (const r of rs) assert.equal(r.status, 0);
    const ids = new Set(rs.map((r) => r.messageId));
    assert.equal(ids.size, 1, 'every part answered with the same id');
    const id = parseId(rs[0]?.messageId ?? '') as string;
    const rec = await h.record(id);
    assert.ok(rec !== undefined && rec.content.type === 'sms');
    assert.equal(rec.content.text, whole);
    assert.equal(rec.content.segments, 3);
    assert.equal(rec.content.udh, undefined, 'concatenation UDH is not kept as payload UDH');
    return id;
  }

  test('UDH with an 8-bit reference', async () => {
    const c = await esme('acme');
    await sendParts(c, (i) => ({ udh: Buffer.from([5, 0, 3, 0x42, 3, i + 1]) }));
  });

  test('UDH with a 16-bit reference, parts out of order', async () => {
    const c = await esme('acme');
    const rs = await Promise.all(
      [2, 0, 1].map((i) =>
        c.submit({
          ...base,
          dataCoding: 1,
          bytes: Buffer.from(parts[i] as string),
          udh: Buffer.from([6, 8, 4, 0x12, 0x34, 3, i + 1]),
        }),
      ),
    );
    assert.equal(new Set(rs.map((r) => r.messageId)).size, 1);
    const rec = await h.record(parseId(rs[0]?.messageId ?? '') as string);
    assert.equal(rec?.content.type === 'sms' ? rec.content.text : '', whole);
  });

  test('sar_* TLVs', async () => {
    const c = await esme('acme');
    await sendParts(c, (i) => ({
      extra: { sar_msg_ref_num: 0x0102, sar_total_segments: 3, sar_segment_seqnum: i + 1 },
    }));
  });

  test('message_payload (one PDU), segment count from the length', async () => {
    const c = await esme('acme');
    const text = 'x'.repeat(400);
    const { content } = await stored(c, { dataCoding: 1, bytes: Buffer.from(text), payload: true });
    assert.equal(content.text, text);
    assert.equal(content.segments, 3);
  });

  test('an incomplete set is forwarded part by part by the sweeper (no accepted part is lost)', async () => {
    const c = await esme('acme');
    const udh = (i: number) => Buffer.from([5, 0, 3, 0x77, 3, i]);
    const r1 = await c.submit({
      ...base,
      dataCoding: 1,
      bytes: Buffer.from('first '),
      udh: udh(1),
      registeredDelivery: 1,
    });
    const r3 = await c.submit({
      ...base,
      dataCoding: 1,
      bytes: Buffer.from('third'),
      udh: udh(3),
      registeredDelivery: 1,
    });
    assert.equal(r1.status, 0);
    assert.equal(r1.messageId, r3.messageId);
    const id = parseId(r1.messageId ?? '') as string;
    assert.equal(await h.record(id), undefined, 'nothing stored while parts are missing');
    const depth = await h.bus.depth(Queues.route);
    assert.equal(await g.gateway.sweepStaleConcat(0), 1);
    assert.equal(await h.bus.depth(Queues.route), depth + 2, 'both received parts forwarded');
    const rec = await h.record(id);
    assert.ok(rec !== undefined && rec.content.type === 'sms');
    assert.equal(rec.content.text, 'first ');
    assert.deepEqual(Buffer.from(rec.content.udh ?? '', 'base64'), udh(1));
    assert.equal(rec.options.receipt, 'final', 'the part under the ESME’s id keeps its receipt');
    assert.equal(await g.gateway.sweepStaleConcat(0), 0, 'taken once');
    // A late part starts a new set rather than resurrecting the old one.
    const late = await c.submit({ ...base, dataCoding: 1, bytes: Buffer.from('second '), udh: udh(2) });
    assert.equal(late.status, 0);
  });

  test('the same reference from another source is another message', async () => {
    const c = await esme('acme');
    const a = await c.submit({
      ...base,
      from: '111',
      dataCoding: 1,
      bytes: Buffer.from('a'),
      udh: Buffer.from([5, 0, 3, 9, 2, 1]),
    });
    const b = await c.submit({
      ...base,
      from: '222',
      dataCoding: 1,
      bytes: Buffer.from('b'),
      udh: Buffer.from([5, 0, 3, 9, 2, 1]),
    });
    assert.notEqual(a.messageId, b.messageId);
  });
});

describe('other PDUs', () => {
  test('data_sm is accepted and stored like submit_sm', async () => {
    const c = await esme('acme');
    const { content } = await stored(c, {
      command: 'data_sm',
      dataCoding: 3,
      bytes: Buffer.from('via data_sm'),
    });
    assert.equal(content.text, 'via data_sm');
  });

  test('submit_multi: good destinations stored, a bad one listed in unsuccess_sme', async () => {
    const c = await PduClient.connect(g.port);
    await c.bind('acme', { type: 'tx' });
    const r = await c.request('submit_multi', {
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: '12345',
      dest_address: [
        { dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '821055551234' },
        { dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '' },
        { dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '821055550000' },
        { dl_name: 'friends' },
      ],
      data_coding: 1,
      short_message: Buffer.from('to many'),
    });
    assert.equal(r.pdu.command_status, 0);
    const unsuccess = r.pdu.unsuccess_sme as Array<Record<string, unknown>>;
    assert.equal(unsuccess.length, 2);
    assert.equal(unsuccess[0]?.error_status_code, SmppStatus.ESME_RINVDSTADR);
    const rec = await h.record(parseId(String(r.pdu.message_id)) as string);
    assert.deepEqual(
      rec?.to.map((a) => a.value),
      ['+821055551234', '+821055550000'],
    );
    c.close();
  });

  test('submit_multi with only bad destinations → ESME_RINVDSTADR', async () => {
    const c = await PduClient.connect(g.port);
    await c.bind('acme', { type: 'tx' });
    const r = await c.request('submit_multi', {
      source_addr: '12345',
      dest_address: [{ dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '' }],
      short_message: Buffer.from('x'),
    });
    assert.equal(r.pdu.command_status, SmppStatus.ESME_RINVDSTADR);
    c.close();
  });

  test('query_sm: own message found (ENROUTE); another account’s → ESME_RINVMSGID; garbage id → ESME_RINVMSGID', async () => {
    const acme = await PduClient.connect(g.port);
    await acme.bind('acme');
    const beta = await PduClient.connect(g.port);
    await beta.bind('beta');
    const sm = {
      source_addr: '12345',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '821055551234',
      short_message: Buffer.from('q'),
    };
    const sub = await acme.request('submit_sm', sm);
    const id = String(sub.pdu.message_id);
    const q = await acme.request('query_sm', { message_id: id, source_addr: '12345' });
    assert.equal(q.pdu.command_status, 0);
    assert.equal(q.pdu.message_id, id);
    assert.equal(q.pdu.message_state, 1);
    assert.equal(
      (await beta.request('query_sm', { message_id: id, source_addr: '12345' })).pdu.command_status,
      SmppStatus.ESME_RINVMSGID,
    );
    assert.equal(
      (await acme.request('query_sm', { message_id: 'zz-not-an-id', source_addr: '12345' })).pdu
        .command_status,
      SmppStatus.ESME_RINVMSGID,
    );
    acme.close();
    beta.close();
  });

  test('cancel_sm of a scheduled message → query shows DELETED; a second cancel fails', async () => {
    const c = await PduClient.connect(g.port);
    await c.bind('acme');
    const sub = await c.request('submit_sm', {
      source_addr: '12345',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '821055551234',
      schedule_delivery_time: '000000010000000R',
      short_message: Buffer.from('later'),
    });
    assert.equal(sub.pdu.command_status, 0);
    const id = String(sub.pdu.message_id);
    const rec = await h.record(parseId(id) as string);
    assert.ok((rec?.options.scheduleAt ?? 0) > Date.now() + 50 * 60_000);
    const cancel = await c.request('cancel_sm', {
      message_id: id,
      source_addr: '12345',
      destination_addr: '821055551234',
    });
    assert.equal(cancel.pdu.command_status, 0);
    const q = await c.request('query_sm', { message_id: id, source_addr: '12345' });
    assert.equal(q.pdu.message_state, 4);
    assert.equal((await h.record(parseId(id) as string))?.state, 'deleted');
    assert.equal(
      (
        await c.request('cancel_sm', {
          message_id: id,
          source_addr: '12345',
          destination_addr: '821055551234',
        })
      ).pdu.command_status,
      SmppStatus.ESME_RCANCELFAIL,
    );
    c.close();
  });

  test('replace_sm replaces text and schedule of a waiting message; it can still be cancelled after', async () => {
    const c = await PduClient.connect(g.port);
    await c.bind('acme');
    const sub = await c.request('submit_sm', {
      source_addr: '12345',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '821055551234',
      schedule_delivery_time: '000000010000000R',
      data_coding: 3,
      short_message: Buffer.from('old text'),
    });
    const id = String(sub.pdu.message_id);
    const rep = await c.request('replace_sm', {
      message_id: id,
      source_addr: '12345',
      schedule_delivery_time: '000000020000000R',
      validity_period: '',
      registered_delivery: 2,
      short_message: Buffer.from('new tëxt', 'latin1'),
    });
    assert.equal(rep.pdu.command_status, 0);
    const rec = await h.record(parseId(id) as string);
    assert.equal(rec?.content.type === 'sms' ? rec.content.text : '', 'new tëxt');
    assert.equal(rec?.options.receipt, 'failure');
    assert.ok((rec?.options.scheduleAt ?? 0) > Date.now() + 110 * 60_000);
    const cancel = await c.request('cancel_sm', {
      message_id: id,
      source_addr: '12345',
      destination_addr: '821055551234',
    });
    assert.equal(cancel.pdu.command_status, 0, 'the replaced job is still found by cancel_sm');
    c.close();
  });

  test('replace_sm of another account’s message → ESME_RINVMSGID', async () => {
    const a = await esme('acme');
    const r = await a.submit({
      ...base,
      bytes: Buffer.from('mine'),
      scheduleDeliveryTime: '000000010000000R',
    });
    const b = await PduClient.connect(g.port);
    await b.bind('beta');
    const rep = await b.request('replace_sm', {
      message_id: r.messageId,
      source_addr: '12345',
      short_message: Buffer.from('x'),
    });
    assert.equal(rep.pdu.command_status, SmppStatus.ESME_RINVMSGID);
    b.close();
  });
});

describe('options', () => {
  test('schedule_delivery_time and validity_period, absolute and relative', async () => {
    const c = await esme('acme');
    const at = new Date(Date.now() + 3 * 3600_000);
    at.setUTCMilliseconds(0);
    const exp = new Date(at.getTime() + 3600_000);
    const abs = await stored(c, {
      bytes: Buffer.from('a'),
      scheduleDeliveryTime: formatSmppAbsolute(at),
      validityPeriod: formatSmppAbsolute(exp, 36),
    });
    assert.equal(abs.rec.options.scheduleAt, at.getTime());
    assert.equal(abs.rec.options.expireAt, exp.getTime());
    const before = Date.now();
    const rel = await stored(c, {
      bytes: Buffer.from('r'),
      scheduleDeliveryTime: '000000001000000R',
      validityPeriod: '000001000000000R',
    });
    const s = rel.rec.options.scheduleAt ?? 0;
    assert.ok(s >= before + 600_000 - 1000 && s <= Date.now() + 600_000 + 1000);
    const e = rel.rec.options.expireAt ?? 0;
    assert.ok(e >= before + 86_400_000 - 1000 && e <= Date.now() + 86_400_000 + 1000);
  });

  test('invalid times → ESME_RINVSCHED / ESME_RINVEXPIRY', async () => {
    const c = await esme('acme');
    const sub = (s: Partial<EsmeSubmit>) =>
      c.submit({ ...base, bytes: Buffer.from('t'), ...s }).then((r) => r.status);
    assert.equal(await sub({ scheduleDeliveryTime: '2501011200' }), SmppStatus.ESME_RINVSCHED);
    assert.equal(await sub({ scheduleDeliveryTime: '251301120000000+' }), SmppStatus.ESME_RINVSCHED);
    assert.equal(await sub({ validityPeriod: 'abcdefghijklmnop' }), SmppStatus.ESME_RINVEXPIRY);
    assert.equal(
      await sub({ validityPeriod: '200101000000000+' }),
      SmppStatus.ESME_RINVEXPIRY,
      'already expired',
    );
    assert.equal(
      await sub({ scheduleDeliveryTime: '000000020000000R', validityPeriod: '000000010000000R' }),
      SmppStatus.ESME_RINVEXPIRY,
      'expires before it is due',
    );
  });

  test('registered_delivery variants → options.receipt / intermediate', async () => {
    const c = await esme('acme', 0x50);
    const cases: Array<[number, string, boolean]> = [
      [0, 'none', false],
      [1, 'final', false],
      [2, 'failure', false],
      [3, 'success', false],
      [0x11, 'final', true],
    ];
    for (const [rd, receipt, intermediate] of cases) {
      const { rec } = await stored(c, { bytes: Buffer.from('r'), registeredDelivery: rd });
      assert.equal(rec.options.receipt, receipt, `registered_delivery ${rd}`);
      assert.equal(rec.options.intermediate === true, intermediate);
    }
  });

  test('priority_flag → options.priority (0..3)', async () => {
    const c = await esme('acme');
    for (const p of [0, 1, 2, 3]) {
      const { rec } = await stored(c, { bytes: Buffer.from('p'), priorityFlag: p });
      assert.equal(rec.options.priority, p);
    }
  });

  test('an unusable destination → ESME_RINVDSTADR; source → ESME_RINVSRCADR', async () => {
    const c = await esme('acme');
    assert.equal(
      (await c.submit({ from: '12345', to: '', bytes: Buffer.from('x') })).status,
      SmppStatus.ESME_RINVDSTADR,
    );
    assert.equal(
      (await c.submit({ from: '12345', to: 'not a number', bytes: Buffer.from('x') })).status,
      SmppStatus.ESME_RINVDSTADR,
    );
    assert.equal(
      (await c.submit({ from: '', to: '821055551234', bytes: Buffer.from('x') })).status,
      SmppStatus.ESME_RINVSRCADR,
    );
  });

  test('decimal idBase: submit_sm_resp id is decimal and query_sm accepts it', async () => {
    const c = await PduClient.connect(g.port);
    await c.bind('dec');
    const sub = await c.request('submit_sm', {
      source_addr: '1',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '821055551234',
      short_message: Buffer.from('d'),
    });
    const id = String(sub.pdu.message_id);
    assert.match(id, /^[0-9]{17,20}$/);
    assert.equal((await c.request('query_sm', { message_id: id, source_addr: '1' })).pdu.command_status, 0);
    c.close();
  });
});

describe('flow control', () => {
  test('account messagesPerSecond → ESME_RTHROTTLED', async () => {
    const c = await esme('slow');
    const r = await c.submitMany(10, () => ({ ...base, bytes: Buffer.from('x') }), { window: 10 });
    assert.ok((r.byStatus.get(SmppStatus.ESME_RTHROTTLED) ?? 0) > 0, JSON.stringify([...r.byStatus]));
    assert.ok(r.ok >= 1 && r.ok <= 4);
  });

  test('account rate is shared by gateway instances (Redis-wide limiter)', async () => {
    const other = await h.gateway([
      await account('slow', { throughput: { messagesPerSecond: 2, segmentsPerSecond: 0 } }),
    ]);
    const a = await esme('slow', 0x34, g.port);
    const b = await esme('slow', 0x34, other.port);
    const [ra, rb] = await Promise.all([
      a.submitMany(5, () => ({ ...base, bytes: Buffer.from('x') }), { window: 5 }),
      b.submitMany(5, () => ({ ...base, bytes: Buffer.from('x') }), { window: 5 }),
    ]);
    assert.ok(ra.ok + rb.ok <= 4, `${ra.ok} + ${rb.ok} accepted`);
  });

  test('route queue above its high-water mark → ESME_RMSGQFUL', async () => {
    const c = await esme('acme');
    await stored(c, { bytes: Buffer.from('fill') });
    await stored(c, { bytes: Buffer.from('fill') });
    assert.ok((await h.bus.depth(Queues.route)) >= 2);
    const full = await h.gateway([await account('acme', {}, { maxBinds: 1000 })], { routeQueueHighWater: 1 });
    const f = await esme('acme', 0x34, full.port);
    assert.equal((await f.submit({ ...base, bytes: Buffer.from('x') })).status, SmppStatus.ESME_RMSGQFUL);
    const v5 = await esme('acme', 0x50, full.port);
    const r = await v5.submit({ ...base, bytes: Buffer.from('x') });
    assert.equal(r.status, SmppStatus.ESME_RMSGQFUL);
    assert.equal(r.congestionState, 100, '5.0 error responses carry congestion_state');
  });

  test('account outbox above queueHighWater → ESME_RMSGQFUL (5.0: congestion_state 100) until a receiver drains it', async () => {
    const own = await h.gateway([await account('backlog', { queueHighWater: 2 }), await account('fresh')]);
    const ids = new IdGenerator(901);
    // Three MO messages owed to the account while nothing of it is bound to receive them.
    for (let i = 0; i < 3; i++) {
      await h.bus.enqueue(
        Queues.outbox('backlog'),
        createMessage({
          id: ids.next(),
          direction: 'mo',
          kind: 'sms',
          origin: { protocol: 'smpp', connector: 'up1' },
          from: normalizeAddress('+821099998888')!,
          to: [normalizeAddress('12345', { ton: 3 })!],
          content: { type: 'sms', dataCoding: 1, text: `mo ${i}`, bytes: '', segments: 1 },
          options: { receipt: 'none', priority: 0 },
        }),
      );
    }
    const tx = await EsmeClient.connect({
      port: own.port,
      systemId: 'backlog',
      password: PASSWORD,
      bindType: 'tx',
      interfaceVersion: 0x50,
    });
    clients.push(tx);
    const refused = await tx.submit({ ...base, bytes: Buffer.from('x') });
    assert.equal(refused.status, SmppStatus.ESME_RMSGQFUL);
    assert.equal(refused.congestionState, 100, 'outbox fill 3/2, capped at 100');
    // Another account is not affected by this one's backlog.
    const other = await esme('fresh', 0x34, own.port);
    assert.equal((await other.submit({ ...base, bytes: Buffer.from('z') })).status, 0);
    const rx = await EsmeClient.connect({
      port: own.port,
      systemId: 'backlog',
      password: PASSWORD,
      bindType: 'rx',
    });
    clients.push(rx);
    await rx.waitForMos(3);
    // The depth is sampled every 250 ms: the next submits are accepted once the drained outbox is seen.
    const ok = await waitFor(async () => {
      const r = await tx.submit({ ...base, bytes: Buffer.from('y') });
      return r.status === 0 ? r : undefined;
    });
    assert.ok(ok.congestionState !== undefined && ok.congestionState < 100);
  });
});
