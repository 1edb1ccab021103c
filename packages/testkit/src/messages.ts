import { createMessage, type HubMessage, type NewMessage, normalizeAddress } from '@hub/message';

/** Fields of {@link mtSms}: `id` and `origin` are required, anything else replaces the default. */
export type MtSmsFields = Partial<NewMessage> & Pick<NewMessage, 'id' | 'origin'>;

/**
 * A stored-shape MT SMS for tests: "hi" in GSM 03.38 (one segment) from the alphanumeric sender HUB to
 * +821055551234, asking for a final receipt at priority 0, unless `fields` says otherwise. `now` and `by`
 * go to `createMessage` (creation time, and who recorded the `received` hop). Throws like `createMessage`
 * on fields that do not validate.
 */
export function mtSms(fields: MtSmsFields, now?: number, by?: string): HubMessage {
  const from = normalizeAddress('HUB', { ton: 5 });
  const to = normalizeAddress('+821055551234');
  if (from === undefined || to === undefined) throw new Error('mtSms: test addresses do not normalise');
  return createMessage(
    {
      direction: 'mt',
      kind: 'sms',
      from,
      to: [to],
      content: {
        type: 'sms',
        dataCoding: 0,
        text: 'hi',
        bytes: Buffer.from('hi').toString('base64'),
        segments: 1,
      },
      options: { receipt: 'final', priority: 0 },
      ...fields,
    },
    now,
    by,
  );
}
