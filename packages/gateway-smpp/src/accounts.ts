import { BlockList, isIPv4 } from 'node:net';
import type { Account } from '@hub/config';

/**
 * The accounts an SMPP gateway knows, by id and by system_id. Replaced as a whole when configuration
 * changes (REST edits reach every instance through the store's change feed), so readers never see a
 * half-updated set.
 */
export class AccountDirectory {
  #byId = new Map<string, Account>();
  #bySystemId = new Map<string, Account>();
  #allow = new Map<string, BlockList | undefined>();

  constructor(accounts: readonly Account[] = []) {
    this.replace(accounts);
  }

  /** Swaps in a new account list atomically. */
  replace(accounts: readonly Account[]): void {
    const byId = new Map<string, Account>();
    const bySystemId = new Map<string, Account>();
    const allow = new Map<string, BlockList | undefined>();
    for (const a of accounts) {
      byId.set(a.id, a);
      if (a.smpp !== undefined) bySystemId.set(a.smpp.systemId, a);
      allow.set(a.id, a.allowedIps.length === 0 ? undefined : blockList(a.allowedIps));
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
    const list = this.#allow.get(account.id);
    if (list === undefined) return true;
    const plain = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
    return list.check(plain, isIPv4(plain) ? 'ipv4' : 'ipv6');
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
