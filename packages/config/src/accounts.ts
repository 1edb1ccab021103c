import { BlockList, isIPv4 } from 'node:net';
import { Account } from './schema.js';

/**
 * A compiled allowlist of IP addresses and CIDR blocks (IPv4 and IPv6; IPv4-mapped IPv6 peers such as
 * `::ffff:10.0.0.1` match their IPv4 entries). An empty list allows every address.
 */
export class IpAllowlist {
  readonly #list: BlockList | undefined;

  constructor(cidrs: readonly string[]) {
    if (cidrs.length === 0) return;
    const list = new BlockList();
    for (const c of cidrs) {
      const [addr, bits] = c.split('/') as [string, string | undefined];
      const type = isIPv4(addr) ? 'ipv4' : 'ipv6';
      if (bits === undefined) list.addAddress(addr, type);
      else list.addSubnet(addr, Number(bits), type);
    }
    this.#list = list;
  }

  /** True when the list is empty or contains `ip`. */
  allows(ip: string): boolean {
    if (this.#list === undefined) return true;
    const plain = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
    return this.#list.check(plain, isIPv4(plain) ? 'ipv4' : 'ipv6');
  }

  /** True when the list names at least one address (identification by IP is possible). */
  get restricted(): boolean {
    return this.#list !== undefined;
  }
}

/** What {@link loadAccounts} reads from the config store (its `getAll`). */
export interface AccountSource {
  getAll(kind: 'accounts'): Promise<ReadonlyArray<{ readonly id: string; readonly doc: unknown }>>;
}

/**
 * The accounts in force for every gateway: the configuration file's, overridden by id with those edited
 * through the REST API (config store kind `accounts`). An invalid stored document is skipped and reported
 * through `onInvalid`, never fatal. Rejects only when the store cannot be read: keep the previous accounts.
 */
export async function loadAccounts(
  fromConfig: readonly Account[],
  store: AccountSource,
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
