import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHubError } from '@hub/errors';
import { createMessage, IdGenerator, type MmsContent, type MmsPart } from '@hub/message';
import { encodeGsm7, encodeUcs2 } from '@hub/smpp';
import { mmsTextToSms } from './mms-text.js';
import { planSubmits } from './smpp/submit.js';
import { addr, smppConfig } from './testing.fixture.js';

const cfg = smppConfig();

function text(body: Buffer | string, o: Partial<MmsPart> = {}): MmsPart {
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return { contentType: 'text/plain', size: b.length, inline: b.toString('base64'), ...o };
}

function mms(parts: MmsPart[], subject?: string): MmsContent {
  return { type: 'mms', parts, ...(subject === undefined ? {} : { subject }) };
}

function unsupported(fn: () => unknown, reason: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isHubError(e));
    assert.equal(e.code, 'HUB_ERR_CONNECTOR_UNSUPPORTED');
    assert.equal(e.recovery, 'permanent');
    assert.match(e.message, reason);
    return true;
  });
}

test('GSM text parts (SMIL ignored) are joined with a newline → dc 0 with GSM 03.38 bytes', () => {
  const c = mmsTextToSms(
    mms([
      { contentType: 'application/smil', size: 10, inline: Buffer.from('<smil/>').toString('base64') },
      text('Hello {world}'),
      text('€5'),
    ]),
    cfg,
  );
  assert.equal(c.dataCoding, 0);
  assert.equal(c.text, 'Hello {world}\n€5');
  assert.equal(
    Buffer.from(c.bytes, 'base64').toString('hex'),
    encodeGsm7('Hello {world}\n€5').toString('hex'),
  );
  assert.equal(c.segments, 1);
});

test('charsets are decoded from the part (charset field or Content-Type parameter); non-GSM text → UCS-2 dc 8', () => {
  const latin1 = mmsTextToSms(mms([text(Buffer.from('café', 'latin1'), { charset: 'iso-8859-1' })]), cfg);
  assert.equal(latin1.text, 'café');
  assert.equal(latin1.dataCoding, 0, 'é is in GSM 03.38');
  const utf16 = mmsTextToSms(
    mms([
      text(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Привет', 'utf16le')]), {
        contentType: 'text/plain; charset="UTF-16"',
      }),
    ]),
    cfg,
  );
  assert.equal(utf16.text, 'Привет');
  assert.equal(utf16.dataCoding, 8);
  assert.equal(Buffer.from(utf16.bytes, 'base64').toString('hex'), encodeUcs2('Привет').toString('hex'));
});

test('segments follow the connector: 161 GSM characters take 2 parts', () => {
  assert.equal(mmsTextToSms(mms([text('x'.repeat(161))]), cfg).segments, 2);
});

test('no text part: the subject is the text; nothing at all is refused', () => {
  assert.equal(mmsTextToSms(mms([], 'Just a subject'), cfg).text, 'Just a subject');
  unsupported(() => mmsTextToSms(mms([]), cfg), /without text/);
});

test('refused (permanent): an image part, a text part in the content store, an unknown or wrong charset', () => {
  unsupported(
    () => mmsTextToSms(mms([text('hi'), { contentType: 'image/jpeg', size: 3, inline: 'AAAA' }]), cfg),
    /image\/jpeg/,
  );
  unsupported(
    () => mmsTextToSms(mms([{ contentType: 'text/plain', size: 5000, ref: 'redis:x' }]), cfg),
    /content store/,
  );
  unsupported(() => mmsTextToSms(mms([text('hi', { charset: 'x-klingon' })]), cfg), /x-klingon/);
  unsupported(() => mmsTextToSms(mms([text(Buffer.from([0xc3, 0x28]), { charset: 'utf-8' })]), cfg), /utf-8/);
});

test('planSubmits sends a text-only MMS as SMS, and still refuses MMS with media', () => {
  const ids = new IdGenerator(3);
  const msg = (parts: MmsPart[]) =>
    createMessage({
      id: ids.next(),
      direction: 'mt',
      kind: 'mms',
      origin: { protocol: 'mm7', account: 'vasp1' },
      from: addr('12345'),
      to: [addr('+4915112345678')],
      content: mms(parts),
      options: { receipt: 'final' },
    });
  const plan = planSubmits(msg([text('Hello from a VASP')]), cfg, { reference: 1, now: Date.now() });
  assert.equal(plan.submits.length, 1);
  assert.equal(plan.dataCoding, 0);
  assert.equal(
    (plan.submits[0]!.fields.short_message as Buffer).toString('hex'),
    encodeGsm7('Hello from a VASP').toString('hex'),
  );
  assert.equal(plan.submits[0]?.fields.registered_delivery, 1);
  unsupported(
    () =>
      planSubmits(msg([{ contentType: 'image/png', size: 3, inline: 'AAAA' }]), cfg, {
        reference: 1,
        now: Date.now(),
      }),
    /image\/png/,
  );
});
