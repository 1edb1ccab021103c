import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHubError, toMm7Status } from '@hub/errors';
import {
  encodeDeliveryReportRsp,
  encodeMm7,
  encodeRsErrorRsp,
  type Mm7SubmitReq,
  mm7NamespaceFor,
  relativeTime,
} from '@hub/mm7';
import { bodyLimitFor } from './gateway.js';
import { submitOptions, submitRecipients, submitSender, toHubAddress, toMm7Address } from './inbound.js';
import { classifyVaspResponse } from './outbox.js';

const NOW = Date.UTC(2026, 0, 1);

function req(over: Partial<Mm7SubmitReq> = {}): Mm7SubmitReq {
  return {
    type: 'SubmitReq',
    extensions: [],
    senderIdentification: { vaspId: 'V', vasId: 'S' },
    recipients: { to: [{ kind: 'Number', value: '+491511234567' }], cc: [], bcc: [] },
    content: [],
    ...over,
  };
}

function statusOf(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    assert.ok(isHubError(err), String(err));
    return toMm7Status(err);
  }
  assert.fail('expected a HubError');
}

test('toHubAddress: Number, ShortCode, RFC2822Address and /TYPE=PLMN forms', () => {
  assert.deepEqual(toHubAddress({ kind: 'Number', value: ' +49 151 1234567 ' }), {
    kind: 'e164',
    value: '+491511234567',
    original: ' +49 151 1234567 ',
  });
  assert.equal(toHubAddress({ kind: 'Number', value: '+491511234567/TYPE=PLMN' })?.value, '+491511234567');
  assert.equal(toHubAddress({ kind: 'Number', value: '491511234567' })?.value, '+491511234567');
  // A 10-digit short code stays a short code (normalizeAddress alone would read it as E.164).
  assert.deepEqual(toHubAddress({ kind: 'ShortCode', value: '1065580001' }), {
    kind: 'short',
    value: '1065580001',
    original: '1065580001',
  });
  assert.equal(
    toHubAddress({ kind: 'RFC2822Address', value: 'Ann <Ann@Example.com>' })?.value,
    'ann@example.com',
  );
  assert.equal(
    toHubAddress({ kind: 'RFC2822Address', value: '+491511234567/TYPE=PLMN@mms.example.net' })?.value,
    '+491511234567',
  );
  assert.equal(toHubAddress({ kind: 'Number', value: 'not a number!' }), undefined);
  assert.equal(toHubAddress({ kind: 'Number', value: 'a@b.c' }), undefined);
  assert.equal(toHubAddress({ kind: 'ShortCode', value: '' }), undefined);
});

test('toMm7Address answers in the matching element', () => {
  assert.deepEqual(toMm7Address({ kind: 'e164', value: '+491511234567', original: '' }), {
    kind: 'Number',
    value: '+491511234567',
  });
  assert.deepEqual(toMm7Address({ kind: 'short', value: '12345', original: '' }), {
    kind: 'ShortCode',
    value: '12345',
  });
  assert.deepEqual(toMm7Address({ kind: 'email', value: 'a@b.c', original: '' }), {
    kind: 'RFC2822Address',
    value: 'a@b.c',
  });
});

test('submitRecipients: 2002 for a bad one; displayOnly kept aside; Cc-only promoted to To', () => {
  assert.equal(
    statusOf(() =>
      submitRecipients(req({ recipients: { to: [{ kind: 'Number', value: '##' }], cc: [], bcc: [] } })),
    ),
    2002,
  );
  const r = submitRecipients(
    req({
      recipients: {
        to: [
          { kind: 'Number', value: '+491511234567' },
          { kind: 'Number', value: '+491511234568', displayOnly: true },
        ],
        cc: [],
        bcc: [],
      },
    }),
  );
  assert.deepEqual(
    r.to.map((a) => a.value),
    ['+491511234567'],
  );
  assert.deepEqual(r.displayOnly, ['+491511234568']);
  const cc = submitRecipients(
    req({ recipients: { to: [], cc: [{ kind: 'ShortCode', value: '777' }], bcc: [] } }),
  );
  assert.deepEqual(
    cc.to.map((a) => a.value),
    ['777'],
  );
  assert.equal(
    statusOf(() =>
      submitRecipients(
        req({
          recipients: {
            to: [{ kind: 'Number', value: '+491511234567', displayOnly: true }],
            cc: [],
            bcc: [],
          },
        }),
      ),
    ),
    2002,
  );
});

test('submitSender: SenderAddress, else VASID, else VASPID; 2002 for a bad SenderAddress', () => {
  assert.equal(
    submitSender(
      req({ senderIdentification: { vaspId: 'V', senderAddress: { kind: 'ShortCode', value: '4444' } } }),
    ).value,
    '4444',
  );
  assert.equal(submitSender(req({ senderIdentification: { vaspId: 'V', vasId: 'SVC' } })).value, 'SVC');
  assert.equal(submitSender(req({ senderIdentification: { vaspId: 'V' } })).value, 'V');
  assert.equal(
    statusOf(() =>
      submitSender(
        req({ senderIdentification: { vaspId: 'V', senderAddress: { kind: 'Number', value: 'x y z!' } } }),
      ),
    ),
    2002,
  );
});

test('submitOptions: receipt, priority, absolute and relative times, 2007 for expiry in the past', () => {
  const o = submitOptions(
    req({
      deliveryReport: true,
      priority: 'High',
      expiryDate: relativeTime(3600),
      earliestDeliveryTime: { kind: 'absolute', raw: 'x', epochMs: NOW + 60_000 },
      chargedPartyId: 'acct-9',
    }),
    NOW,
  );
  assert.equal(o.receipt, 'final');
  assert.equal(o.priority, 2);
  assert.equal(o.expireAt, NOW + 3_600_000);
  assert.equal(o.scheduleAt, NOW + 60_000);
  assert.equal(o.charging, 'acct-9');
  assert.equal(submitOptions(req(), NOW).priority, 1, 'absent Priority is Normal');
  assert.equal(submitOptions(req(), NOW).receipt, 'none');
  assert.equal(
    statusOf(() =>
      submitOptions(req({ expiryDate: { kind: 'absolute', raw: 'past', epochMs: NOW - 1 } }), NOW),
    ),
    2007,
  );
  assert.equal(
    statusOf(() =>
      submitOptions(req({ expiryDate: relativeTime(60), earliestDeliveryTime: relativeTime(120) }), NOW),
    ),
    2007,
  );
});

test('classifyVaspResponse: success only for 1xxx; 3xxx/4006/5xx/timeouts temporary; 2xxx/4xxx permanent', () => {
  const ctx = { namespace: mm7NamespaceFor('REL-6-MM7-1-4'), version: '6.8.0' };
  const ok = encodeDeliveryReportRsp(ctx);
  assert.deepEqual(classifyVaspResponse(200, ok.contentType, ok.body), { ok: true, status: 1000 });
  const partial = encodeDeliveryReportRsp(ctx, 1100);
  assert.equal(classifyVaspResponse(200, partial.contentType, partial.body).ok, true);
  const vaspError = (code: number) => encodeMm7(ctx, { type: 'VASPErrorRsp', status: { code } });
  const rec = (code: number): string | undefined => {
    const e = vaspError(code);
    const r = classifyVaspResponse(500, e.contentType, e.body);
    return r.ok ? undefined : r.recovery;
  };
  assert.equal(rec(2005), 'permanent');
  assert.equal(rec(3000), 'temporary');
  assert.equal(rec(4006), 'temporary');
  assert.equal(rec(4001), 'permanent');
  const rs = encodeRsErrorRsp(ctx, 3001, 'busy');
  assert.equal(
    (classifyVaspResponse(500, rs.contentType, rs.body) as { recovery: string }).recovery,
    'temporary',
  );
  const html = Buffer.from('<html><body>Bad Gateway</body></html>');
  assert.equal((classifyVaspResponse(502, 'text/html', html) as { recovery: string }).recovery, 'temporary');
  assert.equal((classifyVaspResponse(404, 'text/html', html) as { recovery: string }).recovery, 'permanent');
  assert.equal(
    (classifyVaspResponse(503, undefined, Buffer.alloc(0)) as { recovery: string }).recovery,
    'temporary',
  );
  assert.equal(classifyVaspResponse(200, undefined, Buffer.alloc(0)).ok, false);
  assert.equal(classifyVaspResponse(200, undefined, Buffer.alloc(0), { acceptEmpty2xx: true }).ok, true);
  assert.equal(classifyVaspResponse(200, 'text/html', html).ok, false);
});

test('bodyLimitFor allows base64 growth plus SOAP slack', () => {
  assert.equal(bodyLimitFor(3 * 1024), 4 * 1024 + 64 * 1024);
});
