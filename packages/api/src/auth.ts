import { randomBytes } from 'node:crypto';
import { Errors } from '@hub/errors';
import type { ConfigStore } from '@hub/store';
import { hashSecret, verifySecret } from '@hub/store';

/** API roles, weakest first: `read` may GET; `operator` also cancels/retries messages and edits routes; `admin` everything. */
export type Role = 'read' | 'operator' | 'admin';

const RANK: Readonly<Record<Role, number>> = { read: 0, operator: 1, admin: 2 };

/** True when `has` is at least `needs`. */
export function roleAllows(has: Role, needs: Role): boolean {
  return RANK[has] >= RANK[needs];
}

/** Who made a request: the API key id and its role (the audit log's "who"). */
export interface Principal {
  readonly keyId: string;
  readonly role: Role;
  /** `config` for keys from the config file, `store` for keys created through the API. */
  readonly source: 'config' | 'store';
}

/** A stored API key: the secret only as a scrypt hash. */
export interface StoredApiKey {
  readonly id: string;
  readonly role: Role;
  readonly keyHash: string;
  readonly createdAt?: number;
  readonly createdBy?: string;
  readonly description?: string;
}

/** Config store kind of API keys created through the API. */
export const API_KEYS_KIND = 'apikeys';

/**
 * Splits a bearer token `<key id>:<secret>` (the form {@link newApiKey} returns). Key ids cannot contain
 * `:`, so the first one separates them. Returns `undefined` for anything else.
 */
export function parseToken(token: string): { id: string; secret: string } | undefined {
  const at = token.indexOf(':');
  if (at <= 0 || at === token.length - 1) return undefined;
  return { id: token.slice(0, at), secret: token.slice(at + 1) };
}

/** A fresh key: the token to hand out once, and the hash to store. */
export async function newApiKey(id: string): Promise<{ token: string; keyHash: string }> {
  const secret = randomBytes(24).toString('base64url');
  return { token: `${id}:${secret}`, keyHash: await hashSecret(secret) };
}

/**
 * Checks `Authorization: Bearer <id>:<secret>` against the config file's keys (`apiKeys`, `keyHash` = hash
 * of the secret part) and the keys in the config store (kind `apikeys`); config keys win on an id clash.
 * Throws `HUB_ERR_AUTH_FAILED` (401) for a missing, malformed, unknown or wrong key; the caller answers 401.
 * Store errors propagate (503).
 */
export class Authenticator {
  private readonly configKeys: ReadonlyMap<string, StoredApiKey>;

  constructor(
    configKeys: readonly StoredApiKey[],
    private readonly store: ConfigStore,
  ) {
    this.configKeys = new Map(configKeys.map((k) => [k.id, k]));
  }

  /** True when `id` is a key from the config file (those cannot be deleted through the API). */
  isConfigKey(id: string): boolean {
    return this.configKeys.has(id);
  }

  /** The config file's keys (never their hashes). */
  listConfigKeys(): Array<{ id: string; role: Role }> {
    return [...this.configKeys.values()].map((k) => ({ id: k.id, role: k.role }));
  }

  async authenticate(header: string | undefined): Promise<Principal> {
    const m = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    const parsed = m === null ? undefined : parseToken(m[1] as string);
    if (parsed === undefined || !/^[A-Za-z0-9_.-]{1,64}$/.test(parsed.id))
      throw new Errors.HUB_ERR_AUTH_FAILED();
    let key = this.configKeys.get(parsed.id);
    let source: Principal['source'] = 'config';
    if (key === undefined) {
      key = (await this.store.get<StoredApiKey>(API_KEYS_KIND, parsed.id))?.doc;
      source = 'store';
    }
    if (key === undefined) throw new Errors.HUB_ERR_AUTH_FAILED();
    let ok = false;
    try {
      ok = await verifySecret(parsed.secret, key.keyHash);
    } catch {
      ok = false; // an unreadable stored hash refuses the key
    }
    if (!ok) throw new Errors.HUB_ERR_AUTH_FAILED();
    return { keyId: key.id, role: key.role, source };
  }
}
