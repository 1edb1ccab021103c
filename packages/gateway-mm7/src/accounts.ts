import { type Account, IpAllowlist } from '@hub/config';

/**
 * The VASP accounts an MM7 endpoint knows, by id and by HTTP Basic username (accounts with an `mm7`
 * section only). Replaced as a whole on configuration change, so a request never sees a half-updated set.
 */
export class VaspDirectory {
  #byId = new Map<string, Account>();
  #byUsername = new Map<string, Account>();
  #allow = new Map<string, IpAllowlist>();

  constructor(accounts: readonly Account[] = []) {
    this.replace(accounts);
  }

  /** Swaps in a new account list atomically; accounts without `mm7` are ignored. */
  replace(accounts: readonly Account[]): void {
    const byId = new Map<string, Account>();
    const byUsername = new Map<string, Account>();
    const allow = new Map<string, IpAllowlist>();
    for (const a of accounts) {
      if (a.mm7 === undefined) continue;
      byId.set(a.id, a);
      byUsername.set(a.mm7.username, a);
      allow.set(a.id, new IpAllowlist(a.allowedIps));
    }
    this.#byId = byId;
    this.#byUsername = byUsername;
    this.#allow = allow;
  }

  /** Every MM7 account. */
  all(): Account[] {
    return [...this.#byId.values()];
  }

  byId(id: string): Account | undefined {
    return this.#byId.get(id);
  }

  byUsername(username: string): Account | undefined {
    return this.#byUsername.get(username);
  }

  /** True when `ip` may post for `account` (no allowlist = any address). */
  ipAllowed(account: Account, ip: string): boolean {
    return this.#allow.get(account.id)?.allows(ip) ?? true;
  }

  /** Largest `mm7.maxContentBytes` of all accounts (0 when none). */
  maxContentBytes(): number {
    let max = 0;
    for (const a of this.#byId.values()) max = Math.max(max, a.mm7?.maxContentBytes ?? 0);
    return max;
  }
}
