import { type Account, IpAllowlist, type Mm4ConnectorConfig } from '@hub/config';
import type { SmtpTarget } from '@hub/connectors';

/** How Hub reaches one peer for .RES and reports: its SMTP server and our system address toward it. */
export interface PeerRoute {
  readonly target: SmtpTarget;
  /** Our X-Mms-Originator-System toward this peer (the matching connector's), if configured. */
  readonly originatorSystem?: string;
  /** Id the route came from (connector id), for logs. */
  readonly via: string;
}

/**
 * The MM4 peers Hub knows: accounts with an `mm4` section (identified by SMTP AUTH username and/or
 * source IP) and, for sending back to them, the `kind: 'mm4'` connector with the same domain. Replaced
 * as a whole on configuration change.
 */
export class Mm4PeerDirectory {
  #peers: Account[] = [];
  #byUser = new Map<string, Account>();
  #byId = new Map<string, Account>();
  #allow = new Map<string, IpAllowlist>();
  #connectors: Mm4ConnectorConfig[] = [];

  constructor(accounts: readonly Account[] = [], connectors: readonly Mm4ConnectorConfig[] = []) {
    this.replace(accounts, connectors);
  }

  /** Swaps in new accounts and connectors. */
  replace(accounts: readonly Account[], connectors: readonly Mm4ConnectorConfig[]): void {
    const peers = accounts.filter((a) => a.mm4 !== undefined);
    const byUser = new Map<string, Account>();
    const byId = new Map<string, Account>();
    const allow = new Map<string, IpAllowlist>();
    for (const a of peers) {
      byId.set(a.id, a);
      if (a.mm4?.username !== undefined) byUser.set(a.mm4.username, a);
      if (a.allowedIps.length > 0) allow.set(a.id, new IpAllowlist(a.allowedIps));
    }
    this.#peers = peers;
    this.#byUser = byUser;
    this.#byId = byId;
    this.#allow = allow;
    this.#connectors = [...connectors];
  }

  /** Every MM4 peer account. */
  get peers(): readonly Account[] {
    return this.#peers;
  }

  byId(id: string): Account | undefined {
    return this.#byId.get(id);
  }

  byUsername(username: string): Account | undefined {
    return this.#byUser.get(username);
  }

  /** True when `ip` may connect for `account` (no allowlist = any). */
  ipAllowed(account: Account, ip: string): boolean {
    return this.#allow.get(account.id)?.allows(ip) ?? true;
  }

  /**
   * The peer a connection from `ip` is, without SMTP AUTH: an enabled account whose non-empty
   * allowlist contains `ip`. `requiresAuth` is set when that account also has credentials (then
   * AUTH is mandatory). An account without an allowlist is never identified by IP.
   */
  byIp(ip: string): { account: Account; requiresAuth: boolean } | undefined {
    for (const a of this.#peers) {
      if (!this.#allow.has(a.id) || !this.ipAllowed(a, ip)) continue;
      return { account: a, requiresAuth: a.mm4?.passwordHash !== undefined };
    }
    return undefined;
  }

  /** True when some peer authenticates with SMTP AUTH. */
  get anyAuth(): boolean {
    return this.#byUser.size > 0;
  }

  /** Connector ids whose upstream ids may belong to `peer`: same domain first, then every MM4 connector. */
  connectorIdsFor(peer: Account | undefined): string[] {
    const domain = peer?.mm4?.domain.toLowerCase();
    const same = this.#connectors.filter((c) => c.domain.toLowerCase() === domain).map((c) => c.id);
    return [...same, ...this.#connectors.map((c) => c.id).filter((id) => !same.includes(id))];
  }

  /** The `kind: 'mm4'` connector with id `id`, if configured. */
  connector(id: string): Mm4ConnectorConfig | undefined {
    return this.#connectors.find((c) => c.id === id);
  }

  /** How to reach `peer`: the enabled MM4 connector with the peer's domain, if any. */
  routeFor(peer: Account): PeerRoute | undefined {
    const domain = peer.mm4?.domain.toLowerCase();
    const c = this.#connectors.find((x) => x.enabled && x.domain.toLowerCase() === domain);
    if (c === undefined) return undefined;
    return {
      via: c.id,
      originatorSystem: c.originatorSystem,
      target: {
        host: c.host,
        port: c.port,
        secure: c.secure,
        requireTls: c.requireTls,
        maxConnections: c.pool.maxConnections,
        maxMessages: c.pool.maxMessages,
        ...(c.username === undefined ? {} : { auth: { user: c.username, pass: c.password ?? '' } }),
      },
    };
  }
}
