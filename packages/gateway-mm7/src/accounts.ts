import { BlockList, isIPv4 } from 'node:net';
import { Account } from '@hub/config';
import type { ConfigStore } from '@hub/store';

/**
 * The VASP accounts an MM7 endpoint knows, by id and by HTTP Basic username (accounts with an `mm7`
 * section only). Replaced as a whole on configuration change, so a request never sees a half-updated set.
 */
export class VaspDirectory {
  #byId = new Map<string, Account>();
  #byUsername = new Map<string, Account>();
  #allow = new Map<string, BlockList | undefined>();

  constructor(accounts: readonly Account[] = []) {
    this.replace(accounts);
  }

  /** Swaps in a new account list atomically; accounts without `mm7` are ignored. */
  replace(accounts: readonly Account[]): void {
    const byId = new Map<string, Account>();
    const byUsername = new Map<string, Account>();
    const allow = new Map<string, BlockList | undefined>();
    for (const a of accounts) {
      if (a.mm7 === undefined) continue;
      byId.set(a.id, a);
      byUsername.set(a.mm7.username, a);
      allow.set(a.id, a.allowedIps.length === 0 ? undefined : blockList(a.allowedIps));
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
    const list = this.#allow.get(account.id);
    if (list === undefined) return true;
    const plain = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
    return list.check(plain, isIPv4(plain) ? 'ipv4' : 'ipv6');
  }

  /** Largest `mm7.maxContentBytes` of all accounts (0 when none). */
  maxContentBytes(): number {
    let max = 0;
    for (const a of this.#byId.values()) max = Math.max(max, a.mm7?.maxContentBytes ?? 0);
    return max;
  }
}

function blockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) {
    const [addr, bits] = c.split('/') as [string, string | undefined];
    const type = isIPv4(addr) ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return list;
}

/**
 * The accounts in force: the configuration file's, overridden by id with those edited through the REST
 * API (config store kind `accounts`). An invalid stored document is skipped and reported through
 * `onInvalid`, never fatal. Rejects only when the store cannot be read (keep the previous accounts).
 * Same rule as `@hub/gateway-smpp`'s `loadAccounts` (kept here so the MM7 gateway does not depend on it).
 */
export async function loadAccounts(
  fromConfig: readonly Account[],
  store: Pick<ConfigStore, 'getAll'>,
  onInvalid: (id: string, issue: string) => void,
): Promise<Account[]> {
  const byId = new Map(fromConfig.map((a) => [a.id, a]));
  for (const d of await store.getAll('accounts')) {
    const r = Account.safeParse(d.doc);
    if (r.success) byId.set(r.data.id, r.data);
    else onInvalid(d.id, r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  return [...byId.values()];
}
