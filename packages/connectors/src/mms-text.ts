/**
 * Cross-protocol content conversion for SMS connectors: a text-only MMS (typically an MM7 SubmitReq routed
 * to an SMPP connector) becomes SMS content. Pure: no I/O, so parts kept in the content store (`ref`, larger
 * than the ingress's inline threshold, 2 KB for MM7) are refused rather than fetched.
 */
import type { SmppConnectorConfig } from '@hub/config';
import { Errors } from '@hub/errors';
import type { MmsContent, MmsPart, SmsContent } from '@hub/message';
import { countSegments, encodeText, pickDataCoding } from '@hub/smpp';

/** The connector settings {@link mmsTextToSms} reads. */
export type MmsTextConfig = Pick<SmppConnectorConfig, 'id' | 'defaultAlphabet' | 'longMessages'>;

// Presentation only: a SMIL part adds nothing an SMS could show.
const IGNORED = new Set(['application/smil']);

function mediaType(part: MmsPart): string {
  return (part.contentType.split(';')[0] ?? '').trim().toLowerCase();
}

function charsetOf(part: MmsPart): string {
  if (part.charset !== undefined && part.charset !== '') return part.charset;
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(part.contentType);
  // RFC 2046 says us-ascii; VASPs send UTF-8 unlabelled far more often, and UTF-8 is a superset of it.
  return m?.[1] ?? 'utf-8';
}

/**
 * Turns an MMS whose parts are only `text/plain` (plus SMIL, ignored) into SMS content: texts decoded by
 * their charset and joined with a newline (the subject is used when there is no text part), data_coding
 * chosen with `pickDataCoding` for the connector's `defaultAlphabet`, exact bytes and the on-air segment
 * count for its `longMessages` method. Throws `HUB_ERR_CONNECTOR_UNSUPPORTED` (permanent: the message
 * fails, as MMS over SMPP always did) for any other part type, a part held in the content store, an
 * unknown charset or undecodable bytes, or no text at all; the codec's encoding errors pass through.
 */
export function mmsTextToSms(content: MmsContent, config: MmsTextConfig): SmsContent {
  const texts: string[] = [];
  for (const part of content.parts) {
    const type = mediaType(part);
    if (IGNORED.has(type)) continue;
    if (type !== 'text/plain') {
      throw new Errors.HUB_ERR_CONNECTOR_UNSUPPORTED(config.id, `MMS content (${type} part) over SMPP`);
    }
    if (part.inline === undefined) {
      throw new Errors.HUB_ERR_CONNECTOR_UNSUPPORTED(
        config.id,
        `text part of ${part.size} bytes kept in the content store (only inline text converts to SMS)`,
      );
    }
    const charset = charsetOf(part);
    let text: string;
    try {
      text = new TextDecoder(charset, { fatal: true }).decode(Buffer.from(part.inline, 'base64'));
    } catch {
      throw new Errors.HUB_ERR_CONNECTOR_UNSUPPORTED(
        config.id,
        `text part in charset ${charset} that cannot be decoded`,
      );
    }
    if (text !== '') texts.push(text);
  }
  const text = texts.length > 0 ? texts.join('\n') : (content.subject ?? '');
  if (text === '') throw new Errors.HUB_ERR_CONNECTOR_UNSUPPORTED(config.id, 'MMS without text over SMPP');
  const defaultAlphabet = config.defaultAlphabet;
  const dataCoding = pickDataCoding(text, { defaultAlphabet });
  const method = config.longMessages === 'payload' ? undefined : config.longMessages;
  return {
    type: 'sms',
    dataCoding,
    text,
    bytes: encodeText(dataCoding, text, { defaultAlphabet }).toString('base64'),
    segments: Math.min(
      255,
      countSegments(text, dataCoding, { defaultAlphabet, ...(method === undefined ? {} : { method }) }),
    ),
  };
}
