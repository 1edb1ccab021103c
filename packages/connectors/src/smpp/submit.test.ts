import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHubError } from '@hub/errors';
import { encodeGsm7, encodeUcs2, splitMessage } from '@hub/smpp';
import { addr, smppConfig, sms } from '../testing.fixture.js';
import { capacity, cutPoints, encodeContent, planSubmits, smppAddress } from './submit.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

function sm(p: { fields: Record<string, unknown> }): Buffer {
  return p.fields.short_message as Buffer;
}

test('short GSM text: one submit, dc 0, GSM 03.38 unpacked bytes, e164 → TON 1 / NPI 1 without +', () => {
  const plan = planSubmits(sms({ text: 'Hello {world} €' }), smppConfig(), { reference: 7, now: NOW });
  assert.equal(plan.submits.length, 1);
  const s = plan.submits[0]!;
  assert.equal(s.fields.data_coding, 0);
  assert.equal(sm(s).toString('hex'), encodeGsm7('Hello {world} €').toString('hex'));
  assert.equal(s.fields.esm_class, 0);
  assert.deepEqual(
    [
      s.fields.source_addr_ton,
      s.fields.source_addr_npi,
      s.fields.source_addr,
      s.fields.dest_addr_ton,
      s.fields.dest_addr_npi,
      s.fields.destination_addr,
    ],
    [1, 1, '4915100000001', 1, 1, '4915112345678'],
  );
  assert.deepEqual(s.tlvs, {});
  assert.equal(s.fields.registered_delivery, 0);
});

test('text that is not GSM goes as UCS-2 dc 8; a client dc 1/3 is re-encoded for the connector', () => {
  const p = planSubmits(sms({ text: 'Привет', dataCoding: 3 }), smppConfig(), { reference: 1, now: NOW });
  assert.equal(p.dataCoding, 8);
  assert.equal(sm(p.submits[0]!).toString('hex'), encodeUcs2('Привет').toString('hex'));
  // dc 0 on a latin1 connector: é fits Latin-1 → dc 0 with Latin-1 bytes.
  const l = planSubmits(sms({ text: 'café', dataCoding: 1 }), smppConfig({ defaultAlphabet: 'latin1' }), {
    reference: 1,
    now: NOW,
  });
  assert.equal(l.dataCoding, 0);
  assert.equal(sm(l.submits[0]!).toString('hex'), Buffer.from('café', 'latin1').toString('hex'));
});

test('dc 8, dc 14 and binary dc 4 with a port UDH travel byte for byte', () => {
  const ucs = Buffer.from('00480069', 'hex');
  assert.equal(
    planSubmits(sms({ text: 'Hi', dataCoding: 8, bytes: ucs }), smppConfig(), { reference: 1, now: NOW })
      .submits[0]!.fields.data_coding,
    8,
  );
  const ksc = Buffer.from('c7d1b1db41', 'hex'); // 한글A
  const k = planSubmits(sms({ text: '한글A', dataCoding: 14, bytes: ksc }), smppConfig(), {
    reference: 1,
    now: NOW,
  });
  assert.equal(k.dataCoding, 14);
  assert.equal(sm(k.submits[0]!).toString('hex'), 'c7d1b1db41');
  const ports = Buffer.from('0605040b8423f0', 'hex'); // 16-bit ports 2948 ← 9200 (WAP push)
  const bin = Buffer.from('0106', 'hex');
  const b = planSubmits(sms({ dataCoding: 4, bytes: bin, udh: ports }), smppConfig(), {
    reference: 1,
    now: NOW,
  });
  assert.equal(b.submits[0]!.fields.esm_class, 0x40);
  assert.equal(sm(b.submits[0]!).toString('hex'), '0605040b8423f00106');
});

test('long GSM text, udh8: 153-septet parts with 05 00 03 RR TT SS, same cut points as the codec', () => {
  const text = 'x'.repeat(200) + '€'.repeat(60);
  const p = planSubmits(sms({ text }), smppConfig(), { reference: 0x1a2, now: NOW });
  const codec = splitMessage(text, 0, { method: 'udh8', reference: 0xa2 });
  assert.equal(p.submits.length, codec.segments.length);
  p.submits.forEach((s, i) => {
    assert.equal(sm(s).toString('hex'), codec.segments[i]!.shortMessage.toString('hex'));
    assert.equal(s.fields.esm_class, 0x40);
    assert.equal(
      sm(s).subarray(0, 6).toString('hex'),
      `050003a2${p.submits.length.toString(16).padStart(2, '0')}0${i + 1}`,
    );
  });
});

test('long UCS-2 text, udh16: 66-char parts, 06 08 04 RRRR TT SS, never splitting a surrogate pair', () => {
  const text = `${'ж'.repeat(65)}😀${'я'.repeat(70)}`;
  const p = planSubmits(sms({ text }), smppConfig({ longMessages: 'udh16' }), {
    reference: 0x1234,
    now: NOW,
  });
  assert.equal(p.submits.length, 3);
  const first = sm(p.submits[0]!);
  assert.equal(first.subarray(0, 7).toString('hex'), '06080412340301');
  // 65 chars + the pair would be 134 octets > 132: the emoji moves whole to part 2.
  assert.equal(first.length - 7, 130);
  assert.equal(sm(p.submits[1]!).subarray(7, 11).toString('hex'), encodeUcs2('😀').toString('hex'));
  const codec = splitMessage(text, 8, { method: 'udh16', reference: 0x1234 });
  assert.deepEqual(
    p.submits.map((s) => sm(s).toString('hex')),
    codec.segments.map((s) => s.shortMessage.toString('hex')),
  );
});

test('long message, sar: bodies without UDH plus sar_msg_ref_num / sar_total_segments / sar_segment_seqnum', () => {
  const p = planSubmits(sms({ text: 'a'.repeat(400) }), smppConfig({ longMessages: 'sar' }), {
    reference: 0xbeef,
    now: NOW,
  });
  assert.equal(p.submits.length, 3);
  p.submits.forEach((s, i) => {
    assert.equal(s.fields.esm_class, 0);
    assert.deepEqual(s.tlvs, { sar_msg_ref_num: 0xbeef, sar_total_segments: 3, sar_segment_seqnum: i + 1 });
  });
  assert.deepEqual(
    p.submits.map((s) => sm(s).length),
    [152, 152, 96],
  );
});

test('long message, payload: one submit, empty short_message, whole text in message_payload', () => {
  const text = 'b'.repeat(1000);
  const p = planSubmits(sms({ text }), smppConfig({ longMessages: 'payload' }), { reference: 1, now: NOW });
  assert.equal(p.submits.length, 1);
  assert.equal(sm(p.submits[0]!).length, 0);
  assert.equal(
    (p.submits[0]!.tlvs.message_payload as Buffer).toString('hex'),
    encodeGsm7(text).toString('hex'),
  );
});

test('dc 14 splits on character boundaries (134 octets per udh8 part)', () => {
  const bytes = Buffer.concat([Buffer.from('41', 'hex'), Buffer.from('c7d1'.repeat(80), 'hex')]); // 161 octets
  const p = planSubmits(sms({ text: `A${'한'.repeat(80)}`, dataCoding: 14, bytes }), smppConfig(), {
    reference: 9,
    now: NOW,
  });
  assert.equal(p.submits.length, 2);
  assert.equal(sm(p.submits[0]!).length - 6, 133); // 'A' + 66 Hangul: the 67th would straddle 134
});

test('options: receipt → registered_delivery 1 (+0x10 intermediate), priority, service_type, schedule/validity absolute', () => {
  const msg = sms({
    text: 'hi',
    options: {
      receipt: 'failure',
      intermediate: true,
      priority: 2,
      serviceType: 'CMT',
      scheduleAt: NOW + 3_600_000,
      expireAt: NOW + 86_400_000,
      esmClass: 0x43, // store-and-forward + UDHI from the client: only mode bits are kept
      protocolId: 0x40,
    },
  });
  const f = planSubmits(msg, smppConfig(), { reference: 1, now: NOW }).submits[0]!.fields;
  assert.equal(f.registered_delivery, 0x11);
  assert.equal(f.priority_flag, 2);
  assert.equal(f.service_type, 'CMT');
  assert.equal(f.schedule_delivery_time, '260115130000000+');
  assert.equal(f.validity_period, '260116120000000+');
  assert.equal(f.esm_class, 0x03);
  assert.equal(f.protocol_id, 0x40);
});

test('addresses: alnum 5/0, short 3/0, national 2/1, config overrides the source; e-mail refused', () => {
  assert.deepEqual(smppAddress(addr('HUB'), 'c'), { ton: 5, npi: 0, addr: 'HUB' });
  assert.deepEqual(smppAddress(addr('12345'), 'c'), { ton: 3, npi: 0, addr: '12345' });
  assert.deepEqual(smppAddress(addr('12345'), 'c', { ton: 0, npi: 1 }), { ton: 0, npi: 1, addr: '12345' });
  assert.deepEqual(smppAddress({ kind: 'national', value: '0301234', original: '0301234' }, 'c'), {
    ton: 2,
    npi: 1,
    addr: '0301234',
  });
  assert.throws(
    () => smppAddress(addr('a@b.example'), 'c'),
    (e) => isHubError(e, 'HUB_ERR_CONNECTOR_UNSUPPORTED') && e.recovery === 'permanent',
  );
  const f = planSubmits(sms({ from: 'HUB', to: '+4915112345678' }), smppConfig(), { reference: 1, now: NOW })
    .submits[0]!.fields;
  assert.deepEqual([f.source_addr_ton, f.source_addr_npi, f.source_addr], [5, 0, 'HUB']);
});

test('permanent refusals: expired, several recipients, too many parts', () => {
  assert.throws(
    () => planSubmits(sms({ options: { expireAt: NOW - 1 } }), smppConfig(), { reference: 1, now: NOW }),
    (e) => isHubError(e, 'HUB_ERR_CONNECTOR_EXPIRED') && e.recovery === 'permanent',
  );
  const two = { ...sms(), to: [addr('+4915112345678'), addr('+4915112345679')] };
  assert.throws(
    () => planSubmits(two, smppConfig(), { reference: 1, now: NOW }),
    (e) => isHubError(e, 'HUB_ERR_CONNECTOR_UNSUPPORTED'),
  );
  assert.throws(
    () => planSubmits(sms({ text: 'z'.repeat(2000) }), smppConfig(), { reference: 1, now: NOW, maxParts: 5 }),
    (e) => isHubError(e, 'HUB_ERR_SMPP_INVALID_MESSAGE_LENGTH') && e.recovery === 'permanent',
  );
});

test('capacity and cut points', () => {
  assert.deepEqual([capacity('gsm7', 0), capacity('gsm7', 6), capacity('gsm7', 7)], [160, 153, 152]);
  assert.deepEqual([capacity('ucs2', 6), capacity('ucs2', 7), capacity('binary', 7)], [134, 132, 133]);
  // Never cut between the escape 0x1B and its follower.
  assert.deepEqual(cutPoints('gsm7', Buffer.from('41411b65', 'hex'), 3), [2, 4]);
  assert.equal(
    encodeContent(
      { type: 'sms', dataCoding: 0, text: 'ok', bytes: '', segments: 1 },
      { defaultAlphabet: 'gsm' },
    ).dataCoding,
    0,
  );
});
