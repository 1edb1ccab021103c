/**
 * Equivalence of the fast PDU codec (`fast-codec.ts`) with node-smpp: byte-identical encoding and
 * identical decoded PDUs (own properties, insertion order, values, types, Buffer contents) for random
 * field/TLV combinations of every fast command, golden vectors, and malformed or unusual input that must
 * take node-smpp's path. Seeded (fast-check) so a failure reproduces.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { decodeFast, encodeFast, FAST_COMMANDS } from './fast-codec.js';
import {
  decodeWithNodeSmpp,
  type EncodeInput,
  encodePdu,
  encodeWithNodeSmpp,
  type NodePdu,
  rawOf,
  registerTlv,
  type SmppPdu,
  smpp,
  toSmppPdu,
} from './node-smpp.js';

const SEED = 0x5eed_0c0d;
const runs = (numRuns: number) => ({ seed: SEED, numRuns });

// Vendor TLVs of every kind registerTlv accepts, so the fast path meets registered definitions too.
const VENDOR_KINDS = ['int8', 'int16', 'int32', 'cstring', 'string', 'buffer'] as const;
for (const [i, kind] of VENDOR_KINDS.entries()) registerTlv(`hub_test_${kind}`, 0x1500 + i, kind);
/** Tags no definition knows: decoded under their number. */
const UNKNOWN_TAGS = [0x1400, 0x1401, 0x2150, 0x3fff, 0x7777, 0xfffe];

// ---- helpers ------------------------------------------------------------------------------------

/** The production path: node-smpp's constructor with Hub's patched fromBuffer (fast path first). */
function decodeProduction(buf: Buffer): NodePdu {
  return new smpp.PDU(buf);
}

/** The fast path alone, on a fresh PDU: undefined when it declines. */
function decodeFastOnly(buf: Buffer): NodePdu | undefined {
  const pdu = Object.create(smpp.PDU.prototype) as NodePdu;
  return decodeFast(pdu as unknown as Record<string, unknown>, buf) ? pdu : undefined;
}

/** What a decode produced, comparable with deepStrictEqual: entries in order, or the error thrown. */
function outcome(decode: () => NodePdu): { entries: [string, unknown][] } | { error: string } {
  try {
    return { entries: Object.entries(decode()) };
  } catch (err) {
    return { error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

function assertSameDecode(buf: Buffer, label = ''): void {
  const expected = outcome(() => decodeWithNodeSmpp(buf));
  assert.deepStrictEqual(
    outcome(() => decodeProduction(buf)),
    expected,
    `${label} ${buf.toString('hex')}`,
  );
  const fast = decodeFastOnly(buf);
  if (fast) assert.deepStrictEqual({ entries: Object.entries(fast) }, expected, `${label} fast`);
}

/** encodePdu and node-smpp agree: same bytes, or the same HubError code and message. */
function encodeOutcome(encode: () => Buffer): { hex: string } | { error: string } {
  try {
    return { hex: encode().toString('hex') };
  } catch (err) {
    return { error: `${(err as { code?: string }).code}: ${(err as Error).message}` };
  }
}

function assertSameEncode(input: EncodeInput): void {
  assert.deepStrictEqual(
    encodeOutcome(() => encodePdu(input)),
    encodeOutcome(() => encodeWithNodeSmpp(input)),
  );
}

/** Appends raw TLVs to an encoded PDU and fixes command_length. */
function withRawTlvs(pdu: Buffer, tlvs: readonly (readonly [number, Buffer])[]): Buffer {
  const parts = [pdu];
  for (const [tag, value] of tlvs) {
    const head = Buffer.alloc(4);
    head.writeUInt16BE(tag, 0);
    head.writeUInt16BE(value.length, 2);
    parts.push(head, value);
  }
  return setLength(Buffer.concat(parts));
}

function setLength(buf: Buffer): Buffer {
  if (buf.length >= 4) buf.writeUInt32BE(buf.length, 0);
  return buf;
}

/** The pre-optimisation toSmppPdu, as the reference for the cheaper one. */
function toSmppPduReference(pdu: NodePdu): SmppPdu {
  const params = smpp.commands[pdu.command]?.params ?? {};
  const header = new Set(['command', 'command_length', 'command_id', 'command_status', 'sequence_number']);
  const fields: Record<string, unknown> = {};
  const tlvs: Record<string, unknown> = {};
  const unknownTlvs = new Map<number, Buffer>();
  for (const key of Object.keys(pdu)) {
    if (header.has(key)) continue;
    const value = pdu[key];
    if (Object.hasOwn(params, key)) fields[key] = value;
    else if (/^\d+$/.test(key)) unknownTlvs.set(Number(key), value as Buffer);
    else tlvs[key] = value;
  }
  return {
    command: pdu.command,
    commandId: pdu.command_id,
    status: pdu.command_status,
    sequence: pdu.sequence_number,
    fields,
    tlvs,
    unknownTlvs,
    raw: rawOf(pdu),
  };
}

// ---- arbitraries --------------------------------------------------------------------------------

const buf = (maxLength: number, minLength = 0) =>
  fc.uint8Array({ minLength, maxLength }).map((a) => Buffer.from(a));
/** Any UTF-16 units (lone surrogates included): node-smpp writes the low octet of each. */
const anyText = (maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength });
/** Strings a peer could send: no NUL, any octet otherwise (decoded with 'ascii', i.e. 7 bits). */
const wireText = (maxLength: number) =>
  fc.oneof(
    fc.constant(''),
    fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength }),
    fc.string({ unit: fc.integer({ min: 1, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength }),
  );
const int8 = fc.oneof(fc.integer({ min: 0, max: 0xff }), fc.constantFrom(0, 0xff));
const int16 = fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(0, 0xffff));
const int32 = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 0xffffffff));
const smpTime = fc.oneof(fc.constant(''), fc.constant('250102153000004+'), fc.constant('000001000000000R'));

const FIELD_ARBS = {
  service_type: wireText(5),
  source_addr_ton: int8,
  source_addr_npi: int8,
  source_addr: wireText(20),
  dest_addr_ton: int8,
  dest_addr_npi: int8,
  destination_addr: wireText(20),
  esm_class: int8,
  protocol_id: int8,
  priority_flag: int8,
  schedule_delivery_time: smpTime,
  validity_period: smpTime,
  registered_delivery: int8,
  replace_if_present_flag: int8,
  data_coding: fc.oneof(int8, fc.constant(null)),
  sm_default_msg_id: int8,
  short_message: fc.oneof(buf(254), buf(255, 250)),
  message_id: wireText(64),
} as const;

const TLV_ARBS = {
  message_payload: fc.oneof(buf(300), buf(2000, 1000)),
  receipted_message_id: wireText(64),
  message_state: int8,
  network_error_code: fc.oneof(buf(3, 3), buf(6)),
  sar_msg_ref_num: int16,
  sar_total_segments: int8,
  sar_segment_seqnum: int8,
  user_message_reference: int16,
  source_port: int16,
  dest_port: int16,
  congestion_state: int8,
  qos_time_to_live: int32,
  additional_status_info_text: wireText(40),
  source_subaddress: buf(23),
  broadcast_content_type_info: fc.oneof(wireText(10), buf(10)),
  dest_network_id: wireText(20),
  hub_test_int8: int8,
  hub_test_int16: int16,
  hub_test_int32: int32,
  hub_test_cstring: wireText(20),
  hub_test_string: fc.oneof(wireText(20), buf(20)),
  hub_test_buffer: fc.oneof(buf(20), wireText(20)),
} as const;
type TlvName = keyof typeof TLV_ARBS;

function paramsOf(command: string): string[] {
  return Object.keys(smpp.commands[command]?.params ?? {});
}

/** Random encodePdu input for `command`: any subset of its fields, TLVs in random order and places. */
function inputArb(command: string): fc.Arbitrary<EncodeInput> {
  const fieldArbs: Record<string, fc.Arbitrary<unknown>> = {};
  for (const name of paramsOf(command)) {
    const arb = (FIELD_ARBS as Record<string, fc.Arbitrary<unknown>>)[name];
    assert.ok(arb, `no arbitrary for ${command}.${name}`);
    fieldArbs[name] = arb;
  }
  const tlvEntries = fc
    .shuffledSubarray(Object.keys(TLV_ARBS) as TlvName[], { maxLength: 6 })
    .chain((names) =>
      fc.tuple(
        ...names.map((n) =>
          fc.tuple(fc.constant(n), TLV_ARBS[n] as fc.Arbitrary<unknown>, fc.integer({ min: 0, max: 3 })),
        ),
      ),
    );
  return fc
    .record({
      fields: fc.record(fieldArbs, { requiredKeys: [] }),
      tlvs: tlvEntries,
      sequence: fc.oneof(fc.integer({ min: 0, max: 0x7fffffff }), fc.constantFrom(0, 1, 0xffffffff)),
      status: fc.oneof(fc.constant(undefined), fc.constant(0), fc.constantFrom(0x08, 0x58, 0x45)),
      tlvsAllowed: fc.oneof(fc.constant(true), fc.constant(true), fc.constant(false)),
    })
    .map(({ fields, tlvs, sequence, status, tlvsAllowed }) => {
      // Place 0: in `tlvs`; 1: in `fields` (node-smpp style); 2: both (the tlvs value wins); 3: tlvs.
      const f: Record<string, unknown> = { ...fields };
      const t: Record<string, unknown> = {};
      for (const [name, value, place] of tlvs) {
        if (place === 1 || place === 2) f[name] = place === 2 ? Buffer.alloc(0) : value;
        if (place !== 1) t[name] = value;
      }
      // A mandatory field passed among the TLVs is a field for node-smpp too.
      return { command, sequence, status, fields: f, tlvs: t, tlvsAllowed };
    });
}

/** True when no string of `input` contains a NUL (then its encoding decodes back field by field). */
function nulFree(input: EncodeInput): boolean {
  const values = [...Object.values(input.fields ?? {}), ...Object.values(input.tlvs ?? {})];
  return values.every((v) => typeof v !== 'string' || !v.includes('\0'));
}

// ---- property tests ------------------------------------------------------------------------------

describe('fast encode is byte-identical to node-smpp', () => {
  for (const command of FAST_COMMANDS) {
    test(command, () => {
      fc.assert(
        fc.property(inputArb(command), (input) => {
          const fast = encodeFast(input);
          const reference = encodeWithNodeSmpp(input);
          assert.ok(fast, 'the fast path takes every generated input');
          assert.equal(fast.toString('hex'), reference.toString('hex'));
          assert.equal(encodePdu(input).toString('hex'), reference.toString('hex'));
        }),
        runs(command.endsWith('_sm') ? 3000 : 1000),
      );
    });
  }

  test('any UTF-16 text in C-string fields and string TLVs', () => {
    const arb = fc.record({
      source_addr: anyText(21),
      destination_addr: anyText(21),
      receipted_message_id: anyText(65),
      hub_test_string: anyText(30),
      hub_test_buffer: anyText(40),
    });
    fc.assert(
      fc.property(arb, ({ source_addr, destination_addr, ...tlvs }) => {
        const input = {
          command: 'deliver_sm',
          sequence: 3,
          fields: { source_addr, destination_addr },
          tlvs,
          tlvsAllowed: true,
        };
        const fast = encodeFast(input);
        assert.ok(fast);
        assert.equal(fast.toString('hex'), encodeWithNodeSmpp(input).toString('hex'));
      }),
      runs(1000),
    );
  });
});

describe('fast decode sets what node-smpp sets', () => {
  for (const command of FAST_COMMANDS) {
    test(command, () => {
      const unknownTlv = fc.tuple(fc.constantFrom(...UNKNOWN_TAGS), buf(12));
      const arb = fc.tuple(inputArb(command), fc.array(unknownTlv, { maxLength: 3 }), fc.nat(4));
      fc.assert(
        fc.property(arb, ([input, unknown, at]) => {
          let wire = encodeWithNodeSmpp(input);
          // Unknown vendor TLVs (repeated tags included), only where a TLV stream can follow.
          if (unknown.length > 0 && wire.length > 16 && (input.status ?? 0) === 0) {
            wire = withRawTlvs(wire, unknown);
            if (at === 0) wire = withRawTlvs(wire, unknown.slice(0, 1)); // a repeated tag: last one wins
          }
          const expected = decodeWithNodeSmpp(wire);
          const fast = decodeFastOnly(wire);
          if (nulFree(input)) assert.ok(fast, `the fast path takes ${wire.toString('hex')}`);
          if (fast) {
            assert.deepStrictEqual(Object.entries(fast), Object.entries(expected));
            for (const [k, v] of Object.entries(expected)) {
              assert.equal(typeof fast[k], typeof v, k);
              // Buffers are views of the received PDU, as node-smpp's slices are.
              if (Buffer.isBuffer(v)) {
                assert.equal((fast[k] as Buffer).buffer, v.buffer, k);
                assert.equal((fast[k] as Buffer).byteOffset, v.byteOffset, k);
              }
            }
          }
          const production = decodeProduction(wire);
          assert.deepStrictEqual(Object.entries(production), Object.entries(expected));
          assert.equal(rawOf(production), wire, 'raw bytes kept');
          assert.deepStrictEqual(Object.keys(production), Object.keys(expected));
          const propertyOf = Object.getOwnPropertyDescriptor(production, Symbol.for('hub.smpp.raw'));
          assert.equal(propertyOf?.enumerable, false);
          assert.deepStrictEqual(toSmppPdu(production), toSmppPduReference(expected));
        }),
        runs(command.endsWith('_sm') ? 3000 : 1000),
      );
    });
  }

  test('mutated PDUs (truncated, extended, bytes changed) decode as node-smpp decodes them', () => {
    const hot = fc.constantFrom(...FAST_COMMANDS).chain((c) => inputArb(c));
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('append' as const), bytes: buf(6, 1) }),
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: int8 }),
      fc.record({ kind: fc.constant('length' as const), delta: fc.integer({ min: -6, max: 6 }) }),
    );
    fc.assert(
      fc.property(hot, fc.array(mutation, { minLength: 1, maxLength: 3 }), (input, mutations) => {
        let wire = Buffer.from(encodeWithNodeSmpp(input));
        let fixLength = true;
        for (const m of mutations) {
          if (m.kind === 'truncate') wire = wire.subarray(0, 16 + (m.at % Math.max(1, wire.length - 15)));
          else if (m.kind === 'append') wire = Buffer.concat([wire, m.bytes]);
          else if (m.kind === 'set' && wire.length > 16) wire[16 + (m.at % (wire.length - 16))] = m.value;
          else if (m.kind === 'length') {
            // command_length disagreeing with the buffer (PDU.fromBuffer callers, not the stream).
            wire = Buffer.from(wire);
            wire.writeUInt32BE(Math.max(0, wire.length + m.delta), 0);
            fixLength = false;
          }
        }
        if (fixLength) setLength(wire);
        assertSameDecode(wire, 'mutated');
      }),
      runs(5000),
    );
  });

  test('random bodies under every fast command id', () => {
    const ids = FAST_COMMANDS.map((c) => smpp.commands[c]?.id as number);
    const arb = fc.tuple(fc.constantFrom(...ids), int32, int32, buf(80));
    fc.assert(
      fc.property(arb, ([id, status, seq, body]) => {
        const wire = Buffer.concat([Buffer.alloc(16), body]);
        wire.writeUInt32BE(wire.length, 0);
        wire.writeUInt32BE(id, 4);
        wire.writeUInt32BE(status, 8);
        wire.writeUInt32BE(seq, 12);
        assertSameDecode(wire, 'random');
      }),
      runs(5000),
    );
  });
});

// ---- golden vectors -----------------------------------------------------------------------------

describe('golden vectors', () => {
  const hex = (...parts: string[]) => parts.join('');
  const receiptText =
    'id:0123456789 sub:001 dlvrd:001 submit date:2501021530 done date:2501021531 stat:DELIVRD err:000 text:Hello';

  const vectors: { name: string; input: EncodeInput; wire: string }[] = [
    {
      name: 'submit_sm',
      input: {
        command: 'submit_sm',
        sequence: 0x2a,
        tlvsAllowed: true,
        fields: {
          source_addr_ton: 5,
          source_addr: 'Hub',
          dest_addr_ton: 1,
          dest_addr_npi: 1,
          destination_addr: '821012345678',
          registered_delivery: 1,
          data_coding: 0,
          short_message: Buffer.from('Hello from Hub'),
        },
      },
      wire: hex(
        '0000003e', // command_length 62
        '00000004', // submit_sm
        '00000000', // status
        '0000002a', // sequence 42
        '00', // service_type ''
        '05', // source_addr_ton
        '00', // source_addr_npi
        '48756200', // 'Hub'
        '01', // dest_addr_ton
        '01', // dest_addr_npi
        '38323130313233343536373800', // '821012345678'
        '00', // esm_class
        '00', // protocol_id
        '00', // priority_flag
        '00', // schedule_delivery_time ''
        '00', // validity_period ''
        '01', // registered_delivery
        '00', // replace_if_present_flag
        '00', // data_coding
        '00', // sm_default_msg_id
        '0e', // sm_length 14
        '48656c6c6f2066726f6d20487562', // 'Hello from Hub'
      ),
    },
    {
      name: 'deliver_sm receipt',
      input: {
        command: 'deliver_sm',
        sequence: 0x2b,
        tlvsAllowed: true,
        fields: {
          source_addr_ton: 1,
          source_addr_npi: 1,
          source_addr: '821012345678',
          dest_addr_ton: 5,
          destination_addr: 'Hub',
          esm_class: 4,
          data_coding: 0,
          short_message: Buffer.from(receiptText),
        },
        tlvs: { receipted_message_id: '0123456789', message_state: 2 },
      },
      wire: hex(
        '000000af', // command_length 175
        '00000005', // deliver_sm
        '00000000',
        '0000002b',
        '00', // service_type
        '0101', // source ton, npi
        '38323130313233343536373800', // '821012345678'
        '0500', // dest ton, npi
        '48756200', // 'Hub'
        '04', // esm_class: MC delivery receipt
        '0000', // protocol_id, priority_flag
        '0000', // schedule, validity
        '00000000', // registered_delivery, replace, data_coding, sm_default_msg_id
        '6b', // sm_length 107
        Buffer.from(receiptText).toString('hex'),
        '001e000b3031323334353637383900', // receipted_message_id '0123456789'
        '04270001' + '02', // message_state DELIVERED
      ),
    },
    {
      name: 'submit_sm_resp',
      input: {
        command: 'submit_sm_resp',
        sequence: 0x2a,
        tlvsAllowed: true,
        fields: { message_id: '0123456789' },
      },
      wire: hex('0000001b', '80000004', '00000000', '0000002a', '3031323334353637383900'),
    },
  ];

  for (const v of vectors) {
    test(v.name, () => {
      assert.equal(encodeWithNodeSmpp(v.input).toString('hex'), v.wire, 'node-smpp');
      assert.equal(encodeFast(v.input)?.toString('hex'), v.wire, 'fast path');
      const wire = Buffer.from(v.wire, 'hex');
      const fast = decodeFastOnly(wire);
      assert.ok(fast);
      assert.deepStrictEqual(Object.entries(fast), Object.entries(decodeWithNodeSmpp(wire)));
      const view = toSmppPdu(decodeProduction(wire));
      assert.equal(view.sequence, v.input.sequence);
      for (const [k, value] of Object.entries(v.input.fields ?? {}))
        assert.deepStrictEqual(view.fields[k], value);
      assert.deepStrictEqual(view.tlvs, v.input.tlvs ?? {});
    });
  }
});

// ---- what must take node-smpp's path ------------------------------------------------------------

describe('malformed input takes the node-smpp path', () => {
  const submit = encodeWithNodeSmpp({
    command: 'submit_sm',
    sequence: 9,
    tlvsAllowed: true,
    fields: { source_addr: '1', destination_addr: '2', short_message: Buffer.from('AB') },
    tlvs: { user_message_reference: 7 },
  });
  const bodyEnd = submit.length - 6; // before the user_message_reference TLV

  const cases: Record<string, Buffer> = {
    'truncated mandatory fields': setLength(Buffer.from(submit.subarray(0, 22))),
    'truncated inside a C-string': setLength(Buffer.from(submit.subarray(0, 20))),
    'stops between two fields': setLength(Buffer.from(submit.subarray(0, 19))),
    'sm_length past the end': (() => {
      const b = Buffer.from(submit.subarray(0, bodyEnd));
      b[bodyEnd - 3] = 200;
      return setLength(b);
    })(),
    'TLV length past the end': (() => {
      const b = Buffer.from(submit);
      b.writeUInt16BE(9, b.length - 4);
      return b;
    })(),
    'trailing garbage (3 octets)': setLength(Buffer.concat([submit, Buffer.from([1, 2, 3])])),
    'trailing garbage after fields': setLength(
      Buffer.concat([submit.subarray(0, bodyEnd), Buffer.from([9])]),
    ),
    'int TLV with the wrong length': withRawTlvs(submit.subarray(0, bodyEnd), [
      [0x0427, Buffer.from([2, 0])],
    ]),
    'int TLV with length 0': withRawTlvs(submit.subarray(0, bodyEnd), [[0x0204, Buffer.alloc(0)]]),
    'C-string TLV without its NUL': withRawTlvs(submit.subarray(0, bodyEnd), [[0x001e, Buffer.from('abc')]]),
    'multiple TLV (callback_num)': withRawTlvs(submit.subarray(0, bodyEnd), [
      [0x0381, Buffer.from('\x01\x01\x0112')],
    ]),
    'command_length longer than the buffer': (() => {
      const b = Buffer.from(submit);
      b.writeUInt32BE(b.length + 4, 0);
      return b;
    })(),
    'command_length shorter than the buffer': (() => {
      const b = Buffer.from(submit);
      b.writeUInt32BE(b.length - 2, 0);
      return b;
    })(),
    'not a fast command (bind_transceiver)': encodeWithNodeSmpp({
      command: 'bind_transceiver',
      sequence: 1,
      tlvsAllowed: true,
      fields: { system_id: 'a', password: 'b' },
    }),
    'unknown command id': Buffer.from('00000010000009990000000000000005', 'hex'),
  };

  for (const [name, wire] of Object.entries(cases)) {
    test(name, () => {
      assert.equal(decodeFastOnly(wire), undefined, 'the fast path declines');
      assertSameDecode(wire, name);
    });
  }

  test('a header-only body (error response) is fast and sets no field', () => {
    const wire = Buffer.from('0000001080000004000000580000000c', 'hex');
    const fast = decodeFastOnly(wire);
    assert.ok(fast);
    assert.deepStrictEqual(Object.entries(fast), Object.entries(decodeWithNodeSmpp(wire)));
    assert.deepStrictEqual(Object.keys(fast), [
      'command_length',
      'command_id',
      'command_status',
      'sequence_number',
      'command',
    ]);
  });
});

describe('encode inputs the fast path leaves to node-smpp', () => {
  const base = { command: 'submit_sm', sequence: 5, tlvsAllowed: true } as const;
  const declined: Record<string, EncodeInput> = {
    'string short_message (node-smpp throws)': { ...base, fields: { short_message: 'hi' } },
    'short_message over 255 octets (node-smpp throws)': {
      ...base,
      fields: { short_message: Buffer.alloc(256) },
    },
    'string message_payload (node-smpp throws)': { ...base, tlvs: { message_payload: 'hi' } },
    'unknown field (throws)': { ...base, fields: { nope: 1 } },
    'numeric C-string': { ...base, command: 'submit_sm_resp', fields: { message_id: 12345 } },
    'Buffer C-string': { ...base, fields: { destination_addr: Buffer.from('123') } },
    'null C-string (node-smpp throws)': { ...base, fields: { destination_addr: null } },
    'int8 out of range (node-smpp throws)': { ...base, fields: { esm_class: 256 } },
    'negative int (node-smpp throws)': { ...base, tlvs: { sar_msg_ref_num: -1 } },
    'fractional int': { ...base, fields: { esm_class: 1.5 } },
    'boolean int': { ...base, fields: { esm_class: true } },
    'string int': { ...base, fields: { esm_class: '4' } },
    'multiple TLV (callback_num_pres_ind)': { ...base, tlvs: { callback_num_pres_ind: [1, 2] } },
    'structured TLV filter (callback_num)': {
      ...base,
      tlvs: { callback_num: [{ digit_mode: 0, ton: 1, npi: 1, number: '123' }] },
    },
    'TLV alias (alert_on_msg_delivery)': { ...base, tlvs: { alert_on_msg_delivery: 1 } },
    'TLV value over 65535 octets (node-smpp throws)': {
      ...base,
      tlvs: { message_payload: Buffer.alloc(65536) },
    },
    'sequence out of range (node-smpp throws)': { ...base, sequence: -1 },
    'fractional sequence': { ...base, sequence: 1.5 },
    'not a fast command': { ...base, command: 'bind_transceiver', fields: { system_id: 'a' } },
    'unknown command (throws)': { ...base, command: 'nope' },
  };
  for (const [name, input] of Object.entries(declined)) {
    test(name, () => {
      if (name !== 'TLV alias (alert_on_msg_delivery)') assert.equal(encodeFast(input), undefined);
      assertSameEncode(input);
    });
  }

  test('status≠0: header only without TLVs, full body with them; TLVs dropped for 3.3', () => {
    const resp = { command: 'submit_sm_resp', sequence: 77, status: 0x58, fields: { message_id: 'x' } };
    const cases: EncodeInput[] = [
      { ...resp, tlvsAllowed: true },
      { ...resp, tlvsAllowed: true, tlvs: { congestion_state: 80 } },
      { ...resp, tlvsAllowed: false, tlvs: { congestion_state: 80 } },
      { ...resp, tlvsAllowed: true, status: -1, tlvs: { additional_status_info_text: 'busy' } },
      { command: 'generic_nack', sequence: 0x7fffffff, status: 3, tlvsAllowed: false },
      { command: 'generic_nack', sequence: -5, status: 3, tlvsAllowed: false },
      // A mandatory field among the TLVs is a field; a TLV among the fields is a TLV (node-smpp style).
      { ...resp, status: 0, tlvsAllowed: true, fields: { sar_msg_ref_num: 1 }, tlvs: { message_id: 'y' } },
      { ...resp, status: 0, tlvsAllowed: false, fields: { sar_msg_ref_num: 1 }, tlvs: { message_id: 'y' } },
    ];
    for (const input of cases) {
      assert.ok(encodeFast(input));
      assertSameEncode(input);
    }
  });
});
