import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildUdh, concatElement, encodeUcs2 } from '@hub/smpp';
import { smppConfig } from '../testing.fixture.js';
import {
  buildMo,
  canonicalId,
  isReport,
  MoAssembler,
  parseReport,
  type ReceivedPdu,
  readMoPart,
} from './receive.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

function pdu(
  fields: Record<string, unknown>,
  tlvs: Record<string, unknown> = {},
  unknown = new Map<number, Buffer>(),
): ReceivedPdu {
  return {
    command: 'deliver_sm',
    fields: {
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: '4915112345678',
      dest_addr_ton: 0,
      dest_addr_npi: 0,
      destination_addr: '12345',
      esm_class: 0,
      data_coding: 0,
      ...fields,
    },
    tlvs,
    unknownTlvs: unknown,
  };
}

const receiptText =
  'id:0E999F21 sub:001 dlvrd:001 submit date:2601151155 done date:2601151200 stat:DELIVRD err:000 text:hello';

test('receipt from text only: raw bytes read as Latin-1, id normalised with receiptIdBase hex', () => {
  // '_' is 0x11 in GSM; reading the raw bytes keeps ids like ab_c intact.
  const p = pdu({ esm_class: 0x04, short_message: Buffer.from(receiptText, 'latin1') });
  assert.equal(isReport(p), true);
  const r = parseReport(p, smppConfig({ receiptIdBase: 'hex' }), NOW)!;
  assert.equal(r.upstreamId, '244948769');
  assert.equal(r.state, 'delivered');
  assert.equal(r.error, '000');
  assert.equal(r.doneAt, Date.UTC(2026, 0, 15, 12, 0));
  assert.equal(r.submitDate, Date.UTC(2026, 0, 15, 11, 55));
  assert.equal(r.raw.id, '0E999F21');
  assert.equal(r.raw.stat, 'DELIVRD');
  assert.equal(r.connector, 'up1');
});

test('receipt TLVs win over the text: receipted_message_id, message_state, network_error_code', () => {
  const p = pdu(
    { esm_class: 0x04, short_message: Buffer.from(receiptText.replace('DELIVRD', 'ACCEPTD'), 'latin1') },
    { receipted_message_id: '244948769', message_state: 5, network_error_code: Buffer.from('030022', 'hex') },
  );
  const r = parseReport(p, smppConfig({ receiptIdBase: 'dec' }), NOW)!;
  assert.equal(r.upstreamId, '244948769');
  assert.equal(r.state, 'undeliverable');
  assert.equal(r.error, '000'); // the text's err: is kept; the NEC is in raw
  assert.deepEqual(r.raw.networkErrorCode, { type: 3, code: 0x22 });
  const tlvOnly = parseReport(
    pdu(
      { esm_class: 0x04, short_message: Buffer.alloc(0) },
      { receipted_message_id: 'abc', message_state: 2, network_error_code: Buffer.from('080001', 'hex') },
    ),
    smppConfig(),
    NOW,
  )!;
  assert.equal(tlvOnly.state, 'delivered');
  assert.equal(tlvOnly.error, '8:1');
  assert.equal(tlvOnly.doneAt, undefined);
});

test('an unparseable receipt gives undefined (caller answers ESME_RX_P_APPN)', () => {
  assert.equal(
    parseReport(pdu({ esm_class: 0x04, short_message: Buffer.from('garbage') }), smppConfig(), NOW),
    undefined,
  );
});

test('canonicalId: hex and dec ids meet; a mismatching base keeps the trimmed id', () => {
  assert.equal(canonicalId('0e999f21', 'hex'), canonicalId('244948769', 'dec'));
  assert.equal(canonicalId(' 00123 ', 'dec'), '123');
  assert.equal(canonicalId('xyz-1', 'hex'), 'xyz-1');
});

test('single MO: addresses normalised, text decoded, unknown TLVs in extras', () => {
  const part = readMoPart(
    pdu(
      { short_message: Buffer.from('Hi there', 'latin1') },
      {},
      new Map([[0x1401, Buffer.from('ab', 'hex')]]),
    ),
  );
  const mo = buildMo(part, part.body, 1, smppConfig(), NOW)!;
  assert.equal(mo.message.direction, 'mo');
  assert.deepEqual(mo.message.from, {
    kind: 'e164',
    value: '+4915112345678',
    original: '4915112345678',
    ton: 1,
    npi: 1,
  });
  assert.equal(mo.message.to[0]!.kind, 'short');
  assert.equal(mo.message.content.type, 'sms');
  assert.equal(mo.message.content.type === 'sms' && mo.message.content.text, 'Hi there');
  assert.deepEqual(mo.message.extras, { smppTlvs: { '5121': 'ab' } });
  assert.deepEqual(mo.message.origin, { protocol: 'smpp', connector: 'up1' });
});

test('concatenated MO (UDH, out of order, duplicate): reassembled once all parts are in', () => {
  const text = 'Ж'.repeat(100);
  const bytes = encodeUcs2(text);
  const parts = [bytes.subarray(0, 133), bytes.subarray(133)]; // cut mid-character on purpose
  const mk = (seq: number) =>
    readMoPart(
      pdu({
        esm_class: 0x40,
        data_coding: 8,
        short_message: Buffer.concat([
          buildUdh([concatElement({ reference: 5, total: 2, seq })]),
          parts[seq - 1]!,
        ]),
      }),
    );
  const a = new MoAssembler(60_000);
  assert.deepEqual(a.add(mk(2), NOW), { status: 'partial' });
  assert.deepEqual(a.add(mk(2), NOW), { status: 'partial' });
  const done = a.add(mk(1), NOW);
  assert.equal(done.status, 'complete');
  if (done.status !== 'complete') return;
  const mo = buildMo(done.first, done.bytes, done.total, smppConfig(), NOW)!;
  assert.equal(mo.message.content.type === 'sms' && mo.message.content.text, text);
  assert.equal(mo.message.content.type === 'sms' && mo.message.content.segments, 2);
  a.done(mk(1));
  assert.equal(a.size, 0);
});

test('SAR MO parts; forget() lets a redelivered last part complete again; sweep returns timed-out groups', () => {
  const sar = (seq: number, total = 3) =>
    readMoPart(
      pdu(
        { short_message: Buffer.from(`p${seq}`) },
        { sar_msg_ref_num: 300, sar_total_segments: total, sar_segment_seqnum: seq },
      ),
    );
  const a = new MoAssembler(1000);
  a.add(sar(1), NOW);
  a.add(sar(2), NOW);
  const c = a.add(sar(3), NOW);
  assert.equal(c.status === 'complete' && c.bytes.toString(), 'p1p2p3');
  a.forget(sar(3));
  assert.equal(a.add(sar(3), NOW).status, 'complete');
  a.done(sar(3));
  a.add(sar(1, 4), NOW);
  a.add(sar(3, 4), NOW);
  assert.deepEqual(a.sweep(NOW + 999), []);
  const [g] = a.sweep(NOW + 1000);
  assert.equal(g!.bytes.toString(), 'p1p3');
  assert.deepEqual(g!.missing, [2, 4]);
  const mo = buildMo(g!.first, g!.bytes, g!.total, smppConfig(), NOW, {
    total: g!.total,
    missing: g!.missing,
  })!;
  assert.deepEqual(mo.incomplete, { total: 4, missing: [2, 4] });
});

test('an MO with an unusable source gives undefined; an unsupported coding keeps bytes without text', () => {
  const bad = readMoPart(pdu({ source_addr: '', short_message: Buffer.from('x') }));
  assert.equal(buildMo(bad, bad.body, 1, smppConfig(), NOW), undefined);
  const jis = readMoPart(pdu({ data_coding: 5, short_message: Buffer.from('8140', 'hex') }));
  const mo = buildMo(jis, jis.body, 1, smppConfig(), NOW)!;
  assert.equal(mo.message.content.type === 'sms' && mo.message.content.text, undefined);
  assert.equal(
    mo.message.content.type === 'sms' && mo.message.content.bytes,
    Buffer.from('8140', 'hex').toString('base64'),
  );
});
