import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { Errors } from '@hub/errors';

/**
 * Password hashing for accounts (SMPP system_id passwords, MM7 VASP credentials, API keys): scrypt with a
 * random 16-byte salt, stored as `scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>` so parameters can be raised later
 * without breaking stored hashes.
 */

/** scrypt cost parameters. */
export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** Default cost: N=2^14, r=8, p=1 (about 50 ms of CPU, 16 MB of memory). */
export const DEFAULT_SCRYPT: ScryptParams = { N: 16_384, r: 8, p: 1 };
const KEYLEN = 32;

function run(plain: string, salt: Buffer, prm: ScryptParams, keylen: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      plain,
      salt,
      keylen,
      { N: prm.N, r: prm.r, p: prm.p, maxmem: 256 * prm.N * prm.r + 1_048_576 },
      (err, key) => (err === null ? resolve(key) : reject(err)),
    );
  });
}

/** Hashes a secret for storage (async: the work runs on libuv's thread pool). */
export async function hashSecret(plain: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await run(plain, salt, params, KEYLEN);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

// Successful verifications only, keyed by hash + sha256(plain): a client rebinding at high rate costs one
// scrypt per few minutes, not one per bind. A wrong password is never cached, so guessing still pays scrypt.
const CACHE_TTL_MS = 5 * 60_000;
const CACHE_MAX = 10_000;
const verified = new Map<string, number>();

/**
 * True when `plain` matches a hash from {@link hashSecret} (constant-time compare). Successful checks are cached
 * in process for 5 minutes. Throws `HUB_ERR_STORE_BAD_SECRET_HASH` for a stored value in an unknown format
 * (treat as a configuration error: refuse the login).
 */
export async function verifySecret(
  plain: string,
  stored: string,
  now: number = Date.now(),
): Promise<boolean> {
  const cacheKey = `${stored}\0${createHash('sha256').update(plain).digest('base64')}`;
  const until = verified.get(cacheKey);
  if (until !== undefined && until > now) return true;

  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt')
    throw new Errors.HUB_ERR_STORE_BAD_SECRET_HASH(parts[0] ?? '');
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const expected = Buffer.from(parts[5] ?? '', 'base64');
  if (![N, r, p].every((x) => Number.isInteger(x) && x > 0) || salt.length === 0 || expected.length < 16) {
    throw new Errors.HUB_ERR_STORE_BAD_SECRET_HASH('scrypt parameters');
  }
  const key = await run(plain, salt, { N, r, p }, expected.length);
  const ok = timingSafeEqual(key, expected);
  if (ok) {
    verified.delete(cacheKey);
    if (verified.size >= CACHE_MAX) {
      const oldest = verified.keys().next().value;
      if (oldest !== undefined) verified.delete(oldest);
    }
    verified.set(cacheKey, now + CACHE_TTL_MS);
  }
  return ok;
}

/** Empties the verification cache (tests). A password change needs no flush: entries are keyed by the stored hash. */
export function clearSecretCache(): void {
  verified.clear();
}
