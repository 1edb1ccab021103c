/**
 * Malformed input must only ever produce HubErrors: truncations and byte flips of valid messages,
 * in a bounded, deterministic loop (seeded PRNG, fixed iteration counts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isHubError } from '@hub/errors';
import { encodeSubmitReq } from './encode.js';
import { decodeMm7Request } from './request.js';

const golden = (name: string): Buffer => readFileSync(new URL(`./__golden__/${name}`, import.meta.url));

/** xorshift32: deterministic, so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function mustBeHubOrOk(contentType: string | undefined, body: Buffer, label: string): void {
  try {
    decodeMm7Request(contentType, body);
  } catch (e) {
    assert.ok(isHubError(e), `${label}: non-Hub error ${String(e)}`);
    assert.ok(typeof e.code === 'string' && e.code.startsWith('HUB_ERR_MM7_'), `${label}: ${e.code}`);
  }
}

const multipart = encodeSubmitReq(
  { transactionId: 'fz-1' },
  {
    senderIdentification: { vaspId: 'v', senderAddress: { kind: 'ShortCode', value: '1234' } },
    recipients: {
      to: [{ kind: 'Number', value: '+15550001' }],
      cc: [{ kind: 'RFC2822Address', value: 'a@b.c' }],
      bcc: [],
    },
    subject: 'fuzz',
    deliveryReport: true,
    expiryDate: { kind: 'relative', raw: 'P1D', seconds: 86400 },
  },
  {
    contentType: 'multipart/related; type="application/smil"; start="<s>"',
    parts: [
      { contentType: 'application/smil', contentId: 's', body: '<smil/>' },
      { contentType: 'image/png', contentId: 'p', body: Buffer.alloc(64, 7) },
      { contentType: 'text/plain; charset=utf-8', contentId: 't', body: 'héllo' },
    ],
  },
  { boundary: 'fuzz-outer' },
);

const inputs: Array<[string, string | undefined, Buffer]> = [
  ['encoded multipart SubmitReq', multipart.contentType, multipart.body],
  ['encoded multipart SubmitReq, no header', undefined, multipart.body],
  ['golden REL-6 SubmitReq xml', 'text/xml', golden('submitreq-rel6-mm7-1-4-v6.8.0.xml')],
  ['golden RSErrorRsp xml', 'text/xml', golden('rserrorrsp-rel5-mm7-1-0-v5.3.0.xml')],
  [
    'golden nested multipart',
    'multipart/related; boundary=outer-boundary; start="<soap-root>"',
    golden('submitreq-rel6-mm7-1-4-v6.8.0-multipart.mime'),
  ],
];

test('truncations at every 7th offset only yield a decode or a HubError', () => {
  for (const [label, ct, body] of inputs) {
    for (let len = 0; len < body.length; len += 7)
      mustBeHubOrOk(ct, body.subarray(0, len), `${label} cut@${len}`);
  }
});

test('random byte flips, insertions and deletions only yield a decode or a HubError', () => {
  const next = rng(0x5eed);
  const interesting = [0x3c, 0x3e, 0x2f, 0x3a, 0x22, 0x26, 0x2d, 0x0d, 0x0a, 0x00, 0xff, 0x20, 0x3d];
  for (const [label, ct, body] of inputs) {
    for (let i = 0; i < 300; i++) {
      const copy = Buffer.from(body);
      const edits = 1 + (next() % 4);
      let mutated: Buffer = copy;
      for (let k = 0; k < edits; k++) {
        const at = next() % mutated.length;
        const byte = next() % 2 === 0 ? (interesting[next() % interesting.length] as number) : next() & 0xff;
        const op = next() % 3;
        if (op === 0) mutated[at] = byte;
        else if (op === 1)
          mutated = Buffer.concat([mutated.subarray(0, at), Buffer.from([byte]), mutated.subarray(at)]);
        else mutated = Buffer.concat([mutated.subarray(0, at), mutated.subarray(at + 1)]);
      }
      mustBeHubOrOk(ct, mutated, `${label} #${i}`);
    }
  }
});

test('random garbage and header permutations only yield HubErrors', () => {
  const next = rng(42);
  const headers = [
    undefined,
    'text/xml',
    'multipart/related',
    'multipart/related; boundary=',
    'multipart/related; boundary="x"; start=',
    'image/png',
    ';;;',
    'multipart/related; boundary=fuzz-outer',
  ];
  for (let i = 0; i < 200; i++) {
    const body = Buffer.alloc(next() % 300);
    for (let k = 0; k < body.length; k++) body[k] = next() & 0xff;
    if (i % 3 === 0 && body.length > 2) body[0] = 0x3c;
    if (i % 5 === 0 && body.length > 4) body.write('--x\n', 0, 'latin1');
    mustBeHubOrOk(headers[i % headers.length], body, `garbage #${i}`);
  }
});
