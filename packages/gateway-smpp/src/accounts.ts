import { type Account, IpAllowlist } from '@hub/config';

/**
 * The accounts an SMPP gateway knows, by id and by system_id. Replaced as a whole when configuration
 * changes (REST edits reach every instance through the store's change feed), so readers never see a
 * half-updated set.
 */
export class AccountDirectory {
  #byId = new Map<string, Account>();
  #bySystemId = new Map<string, Account>();
  #allow = new Map<string, IpAllowlist>();

  constructor(accounts: readonly Account[] = []) {
    this.replace(accounts);
  }

  /** Swaps in a new account list atomically. */
  replace(accounts: readonly Account[]): void {
    const byId = new Map<string, Account>();
    const bySystemId = new Map<string, Account>();
    const allow = new Map<string, IpAllowlist>();
    for (const a of accounts) {
      byId.set(a.id, a);
      if (a.smpp !== undefined) bySystemId.set(a.smpp.systemId, a);
      allow.set(a.id, new IpAllowlist(a.allowedIps));
    }
    this.#byId = byId;
    this.#bySystemId = bySystemId;
    this.#allow = allow;
  }

  byId(id: string): Account | undefined {
    return this.#byId.get(id);
  }

  bySystemId(systemId: string): Account | undefined {
    return this.#bySystemId.get(systemId);
  }

  /** True when `ip` may connect for `account` (no allowlist = any). */
  ipAllowed(account: Account, ip: string): boolean {
    return this.#allow.get(account.id)?.allows(ip) ?? true;
  }
}
