import iconv from 'iconv-lite';

/**
 * Decodes `bytes` in `charset` (any name iconv-lite knows: UTF-8, US-ASCII, EUC-KR, ISO-8859-x, ...).
 * Returns `undefined` when the charset is unknown, so the caller can keep the raw text instead of failing:
 * an exotic charset in a Subject must not cost us the whole message.
 */
export function decodeCharset(bytes: Buffer, charset: string | undefined): string | undefined {
  const cs = (charset ?? 'utf-8').trim().toLowerCase();
  if (cs === 'utf-8' || cs === 'utf8' || cs === 'us-ascii' || cs === 'ascii') return bytes.toString('utf8');
  if (!iconv.encodingExists(cs)) return undefined;
  return iconv.decode(bytes, cs);
}
