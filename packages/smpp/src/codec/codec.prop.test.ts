/**
 * Property-based tests (fast-check) of the pure SMPP codec: charset round trips, segmentation,
 * receipts, SMPP time strings, header framing and UDH parsing. Seeded and bounded so a failure reproduces
 * and the file runs in a few seconds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHubError } from '@hub/errors';
import fc from 'fast-check';
import { encodeKsc5601, GSM7_BASIC, GSM7_ESCAPE, GSM7_EXTENSION } from './charsets.js';
import { decodeText, encodeText } from './dcs.js';
import { inspectHeader } from './header.js';
import { formatReceipt, parseReceipt, STAT_BY_STATE } from './receipt.js';
import {
  countSegments,
  readReceivedPart,
  reassemble,
  type SplitMethod,
  splitMessage,
} from './segmentation.js';
import { formatSmppAbsolute, parseSmppTime } from './time.js';
import { parseUdh } from './udh.js';

const SEED = 0x5eed_0009;
const params = (numRuns: number) => ({ seed: SEED, numRuns });

// ---------------------------------------------------------------------------------------------
// Alphabets
// ---------------------------------------------------------------------------------------------

const GSM_CHARS = [...GSM7_BASIC.filter((_, i) => i !== GSM7_ESCAPE), ...GSM7_EXTENSION.values()];
const gsmChar = fc.constantFrom(...GSM_CHARS);
const gsmText = (maxLength = 400) => fc.array(gsmChar, { maxLength, size: 'max' }).map((a) => a.join(''));
/** Extension characters weighted up so escapes land on cut points often. */
const gsmEscHeavy = fc
  .array(fc.oneof(gsmChar, fc.constantFrom(...GSM7_EXTENSION.values())), { maxLength: 500, size: 'max' })
  .map((a) => a.join(''));
const latin1Text = fc
  .array(fc.integer({ min: 0, max: 0xff }), { maxLength: 400, size: 'max' })
  .map((a) => String.fromCharCode(...a));
// fast-check 4: fc.string with unit 'grapheme' / 'binary' yields full code points, astral included.
const ucs2Text = fc.string({ unit: 'binary', maxLength: 250, size: 'max' });
const astralHeavy = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0x1f600, max: 0x1f64f }).map((c) => String.fromCodePoint(c)),
      fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      fc.integer({ min: 0xac00, max: 0xd7a3 }).map((c) => String.fromCharCode(c)),
    ),
    { maxLength: 300, size: 'max' },
  )
  .map((a) => a.join(''));

/** KS X 1001 sample: every strict-EUC-KR-encodable character from Hangul, Hanja, CJK symbols and ASCII. */
const KSC_SAMPLE: string[] = (() => {
  const out: string[] = [];
  const ranges: Array<[number, number, number]> = [
    [0x20, 0x7e, 1],
    [0x3000, 0x33ff, 1],
    [0x4e00, 0x9fff, 37],
    [0xac00, 0xd7a3, 3],
  ];
  for (const [lo, hi, step] of ranges) {
    for (let c = lo; c <= hi; c += step) {
      const ch = String.fromCharCode(c);
      try {
        encodeKsc5601(ch);
        out.push(ch);
      } catch {}
    }
  }
  return out;
})();
const kscText = fc
  .array(fc.constantFrom(...KSC_SAMPLE), { maxLength: 300, size: 'max' })
  .map((a) => a.join(''));

test('the KS X 1001 sample is meaningful', () => {
  assert.ok(KSC_SAMPLE.length > 1000, `only ${KSC_SAMPLE.length} characters`);
  assert.ok(KSC_SAMPLE.includes('가') && KSC_SAMPLE.includes('\u3000'));
});

// ---------------------------------------------------------------------------------------------
// encodeText ∘ decodeText
// ---------------------------------------------------------------------------------------------

const codings: Array<[string, number, fc.Arbitrary<string>]> = [
  ['GSM 03.38 (dc 0)', 0, gsmText()],
  ['GSM 03.38 escape-heavy (dc 0)', 0, gsmEscHeavy],
  ['Latin-1 (dc 3)', 3, latin1Text],
  ['UCS-2 (dc 8)', 8, ucs2Text],
  ['UCS-2 astral (dc 8)', 8, astralHeavy],
  ['KS C 5601 (dc 14)', 14, kscText],
];

for (const [label, dc, arb] of codings) {
  test(`decodeText(encodeText(s)) === s for ${label}`, () => {
    fc.assert(
      fc.property(arb, (s) => {
        assert.equal(decodeText(dc, encodeText(dc, s)), s);
      }),
      params(300),
    );
  });
}

test('UCS-2 text with lone surrogates is refused with a HubError, never mangled', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.integer({ min: 0xd800, max: 0xdfff }),
      (s, sur) => {
        const bad = `${s}${String.fromCharCode(sur)}`;
        assert.throws(
          () => encodeText(8, bad),
          (e: unknown) => isHubError(e, 'HUB_ERR_SMPP_UNENCODABLE'),
        );
      },
    ),
    params(200),
  );
});

// ---------------------------------------------------------------------------------------------
// Segmentation
// ---------------------------------------------------------------------------------------------

const methods: readonly SplitMethod[] = ['udh8', 'udh16', 'sar', 'payload'];
const splitCases: Array<[string, number, fc.Arbitrary<string | Uint8Array>]> = [
  ['GSM', 0, gsmEscHeavy],
  ['IA5', 1, fc.string({ unit: fc.constantFrom(...'ab 0{}[]~\\|^'.split('')), maxLength: 500, size: 'max' })],
  ['Latin-1', 3, latin1Text],
  ['binary', 4, fc.uint8Array({ maxLength: 700, size: 'max' })],
  ['UCS-2', 8, astralHeavy],
  ['KS C 5601', 14, kscText.chain((a) => fc.constant(a.repeat(2)))],
];

/** Bytes of a whole unit must not straddle a cut: checked by decoding each part alone. */
function assertPartsSelfContained(dc: number, bodies: readonly Buffer[]): void {
  for (const [k, body] of bodies.entries()) {
    if (dc === 0) assert.notEqual(body[body.length - 1], GSM7_ESCAPE, `part ${k + 1} ends with an escape`);
    if (dc === 8) {
      assert.equal(body.length % 2, 0, `part ${k + 1} has an odd octet count`);
      const last = body.length >= 2 ? (body[body.length - 2] as number) : 0;
      assert.ok(!(last >= 0xd8 && last <= 0xdb), `part ${k + 1} ends with a high surrogate`);
    }
    if (dc === 14 || dc === 0 || dc === 8 || dc === 3) decodeText(dc, body); // strict: throws on a split char
  }
}

for (const [label, dc, arb] of splitCases) {
  for (const method of methods) {
    test(`splitMessage → reassemble restores the bytes: ${label}, ${method}`, () => {
      let multipart = 0;
      fc.assert(
        fc.property(arb, fc.integer({ min: 0, max: 255 }), (input, reference) => {
          const r = splitMessage(input, dc, { method, reference });
          const segs = r.segments;
          assert.equal(segs.length > 0, true);
          if (method !== 'payload') assert.equal(segs.length, countSegments(input, dc, { method }));
          if (segs.length === 1) {
            const only = segs[0];
            assert.ok(only !== undefined);
            assert.deepEqual(only.body, r.encoded);
            assert.equal(only.udhi, false);
            return;
          }
          multipart++;
          // Receive each part as an SMSC would hand it back, shuffled, and join them.
          const parts = segs.map((s) => {
            const got = readReceivedPart(
              s.shortMessage,
              s.udhi ? 0x40 : 0,
              s.sar === undefined
                ? undefined
                : {
                    sar_msg_ref_num: s.sar.msgRefNum,
                    sar_total_segments: s.sar.totalSegments,
                    sar_segment_seqnum: s.sar.segmentSeqnum,
                  },
            );
            assert.ok(got.concat !== undefined, `part ${s.seq} lost its concat info`);
            assert.deepEqual(got.body, s.body);
            return {
              reference: got.concat.reference,
              total: got.concat.total,
              seq: got.concat.seq,
              bytes: got.body,
            };
          });
          parts.reverse();
          const joined = reassemble(parts);
          assert.equal(joined.status, 'complete');
          if (joined.status === 'complete') assert.deepEqual(joined.bytes, r.encoded);
          assertPartsSelfContained(
            dc,
            segs.map((s) => s.body),
          );
          for (const s of segs) assert.ok(s.shortMessage.length <= 160); // GSM unpacked: ≤ 160 octets
        }),
        params(60),
      );
      // The generators must reach the interesting cases, not only one-part messages.
      if (method !== 'payload') assert.ok(multipart >= 10, `only ${multipart} multi-part runs`);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Receipts and time strings
// ---------------------------------------------------------------------------------------------

const minuteDate = fc
  .integer({ min: Date.UTC(2000, 0, 1) / 60_000, max: Date.UTC(2099, 11, 31, 23, 59) / 60_000 })
  .map((m) => new Date(m * 60_000));
// Printable ASCII without space (formatReceipt refuses spaces in ids).
const receiptId = fc.string({
  unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 40,
});
// Trailing NULs are C-string padding and dropped by design, so the text never holds NUL.
const receiptText = fc.string({ unit: 'binary', maxLength: 30 }).map((t) => t.replaceAll('\0', '.'));

test('parseReceipt(formatReceipt(x)) recovers every field', () => {
  fc.assert(
    fc.property(
      fc.record({
        id: receiptId,
        sub: fc.integer({ min: 0, max: 999 }),
        dlvrd: fc.integer({ min: 0, max: 999 }),
        submitDate: minuteDate,
        doneDate: minuteDate,
        state: fc.integer({ min: 0, max: 9 }),
        err: fc.integer({ min: 0, max: 999 }),
        text: receiptText,
      }),
      (x) => {
        const s = formatReceipt({ ...x, stat: x.state });
        const p = parseReceipt(s);
        assert.equal(p.id, x.id);
        assert.equal(p.sub, x.sub);
        assert.equal(p.dlvrd, x.dlvrd);
        assert.equal(p.submitDate?.getTime(), x.submitDate.getTime());
        assert.equal(p.doneDate?.getTime(), x.doneDate.getTime());
        assert.equal(p.stat, STAT_BY_STATE[x.state]);
        assert.equal(p.state, x.state);
        assert.equal(Number(p.err), x.err);
        assert.equal(p.text, x.text.slice(0, 20));
        // The same receipt as raw Latin-1 bytes with C-string NULs parses the same (text kept Latin-1 only).
        if (/^[\x01-\xff]*$/.test(x.text)) {
          const q = parseReceipt(Buffer.concat([Buffer.from(s, 'latin1'), Buffer.alloc(2)]));
          assert.equal(q.id, x.id);
          assert.equal(q.text, p.text);
        }
      },
    ),
    params(300),
  );
});

test('parseReceipt on arbitrary text returns or throws HUB_ERR_SMPP_INVALID_RECEIPT', () => {
  const keyish = fc.constantFrom('id:', 'stat:', 'sub:', 'done date:', 'text:', 'err:', ' ', '\0', 'x');
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.array(fc.oneof(keyish, fc.string({ maxLength: 8 }))).map((a) => a.join('')),
      ),
      (s) => {
        try {
          parseReceipt(s);
        } catch (e) {
          assert.ok(isHubError(e, 'HUB_ERR_SMPP_INVALID_RECEIPT'), String(e));
        }
      },
    ),
    params(500),
  );
});

test('parseSmppTime(formatSmppAbsolute(d, offset)) recovers d to the tenth of a second', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: Date.UTC(2000, 0, 2), max: Date.UTC(2099, 11, 30) }),
      fc.integer({ min: -48, max: 48 }),
      (ms, offset) => {
        const d = new Date(ms);
        const s = formatSmppAbsolute(d, offset);
        assert.equal(s.length, 16);
        const back = parseSmppTime(s, new Date(0), 'expiry');
        assert.equal(back?.getTime(), Math.floor(ms / 100) * 100);
      },
    ),
    params(500),
  );
});

test('parseSmppTime on arbitrary 16-character strings returns or throws the field error', () => {
  const digitish = fc.string({
    unit: fc.constantFrom(...'0123456789+-R '.split('')),
    minLength: 15,
    maxLength: 17,
  });
  fc.assert(
    fc.property(fc.oneof(digitish, fc.string({ maxLength: 20 })), fc.boolean(), (s, sched) => {
      const field = sched ? 'schedule' : 'expiry';
      try {
        const d = parseSmppTime(s, new Date(Date.UTC(2024, 0, 31)), field);
        if (d !== undefined) assert.ok(Number.isFinite(d.getTime()), `${s} gave an invalid date`);
      } catch (e) {
        assert.ok(
          isHubError(e, sched ? 'HUB_ERR_SMPP_INVALID_SCHEDULE' : 'HUB_ERR_SMPP_INVALID_EXPIRY'),
          String(e),
        );
      }
    }),
    params(500),
  );
});

// ---------------------------------------------------------------------------------------------
// Framing and UDH on arbitrary bytes
// ---------------------------------------------------------------------------------------------

test('inspectHeader never throws and its verdict is consistent with the bytes', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 64 }),
      fc.nat({ max: 70 }),
      fc.integer({ min: 0, max: 0xffff_ffff }),
      (bytes, offset, maxLength) => {
        const v = inspectHeader(bytes, offset, maxLength);
        const have = bytes.length - offset;
        if (v.verdict === 'need-more') assert.ok(have < 16);
        else if (v.verdict === 'ok') {
          assert.ok(v.commandLength >= 16 && v.commandLength <= maxLength);
          assert.equal(v.complete, have >= v.commandLength);
        } else assert.ok(v.commandLength < 16 || v.commandLength > maxLength);
      },
    ),
    params(1000),
  );
});

test('inspectHeader works on a subarray view (byteOffset != 0)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat({ max: 40 }), (bytes, cut) => {
      const view = bytes.subarray(Math.min(cut, bytes.length));
      inspectHeader(view);
    }),
    params(300),
  );
});

test('parseUdh throws only HUB_ERR_SMPP_INVALID_UDH, and a parsed UDH stays inside the data', () => {
  const structured = fc
    .array(fc.record({ iei: fc.integer({ min: 0, max: 255 }), data: fc.uint8Array({ maxLength: 6 }) }), {
      maxLength: 6,
    })
    .chain((els) =>
      fc.tuple(fc.constant(els), fc.integer({ min: -3, max: 3 }), fc.uint8Array({ maxLength: 10 })),
    )
    .map(([els, skew, tail]) => {
      const body = Buffer.concat(els.map((e) => Buffer.concat([Buffer.of(e.iei, e.data.length), e.data])));
      return Buffer.concat([Buffer.of(Math.max(0, Math.min(255, body.length + skew))), body, tail]);
    });
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), structured), (bytes) => {
      try {
        const u = parseUdh(bytes);
        assert.ok(u.length <= bytes.length);
        if (u.concat) assert.ok(u.concat.seq >= 1 && u.concat.seq <= u.concat.total);
      } catch (e) {
        assert.ok(isHubError(e, 'HUB_ERR_SMPP_INVALID_UDH'), String(e));
      }
    }),
    params(1000),
  );
});

test('decodeText on arbitrary bytes and any data_coding returns text or throws a codec HubError', () => {
  const allowed = new Set(['HUB_ERR_SMPP_UNDECODABLE', 'HUB_ERR_SMPP_INVALID_DCS']);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 255 }),
      fc.uint8Array({ maxLength: 200 }),
      fc.boolean(),
      (dc, bytes, strict) => {
        try {
          const s = decodeText(dc, bytes, { strict });
          assert.equal(typeof s, 'string');
        } catch (e) {
          assert.ok(isHubError(e) && allowed.has(e.code), `dc ${dc}: ${String(e)}`);
          // Lenient decoding only refuses the coding itself, never the bytes.
          if (!strict) assert.equal(e.code, 'HUB_ERR_SMPP_INVALID_DCS');
        }
      },
    ),
    params(1000),
  );
});

test('readReceivedPart on arbitrary short_message / esm_class / SAR throws only HUB_ERR_SMPP_INVALID_UDH', () => {
  const sarValue = fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined });
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 200 }),
      fc.integer({ min: 0, max: 255 }),
      fc.record({ sar_msg_ref_num: sarValue, sar_total_segments: sarValue, sar_segment_seqnum: sarValue }),
      (bytes, esm, sar) => {
        try {
          const p = readReceivedPart(bytes, esm, sar);
          assert.ok(p.body.length <= bytes.length);
          if (p.concat) assert.ok(p.concat.seq >= 1 && p.concat.seq <= p.concat.total);
        } catch (e) {
          assert.ok(isHubError(e, 'HUB_ERR_SMPP_INVALID_UDH'), String(e));
        }
      },
    ),
    params(1000),
  );
});
