/**
 * Test harness for the SMPP gateway: a private redis-server, the real bus and message store, gateways on
 * ephemeral ports, and a small raw-PDU client (node-smpp's codec over a plain socket, independent of Hub's
 * session layer) for PDUs the testkit's EsmeClient does not send (submit_multi, query/cancel/replace) and
 * for byte-exact checks of what Hub writes.
 */
import { createRequire } from 'node:module';
import { connect as tlsConnect } from 'node:tls';
import { type Bus, createBus, createRedisConnection, type RedisConnection } from '@hub/bus';
import { Account, type HubConfig, SmppListener } from '@hub/config';
import { type HubMessage, IdGenerator } from '@hub/message';
import { hashSecret, MessageStore, RateLimiter, verifySecret } from '@hub/store';
import { RawSmppSocket, RedisServer, rawSocket } from '@hub/testkit';
import { AccountDirectory } from './accounts.js';
import { RedisBindRegistry } from './binds.js';
import { RedisConcatStore } from './concat.js';
import { SmppGateway, type SmppGatewayOptions } from './gateway.js';

const require = createRequire(import.meta.url);
interface NodePdu {
  command: string;
  command_id: number;
  command_status: number;
  sequence_number: number;
  toBuffer(): Buffer;
  [k: string]: unknown;
}
const smpp = require('smpp') as { PDU: new (c: string | Buffer, o?: Record<string, unknown>) => NodePdu };

export const PASSWORD = 'secret';
let hashed: Promise<string> | undefined;
/** A cheap scrypt hash of {@link PASSWORD} (tests need speed, not strength). */
export function passwordHash(): Promise<string> {
  hashed ??= hashSecret(PASSWORD, { N: 1024, r: 8, p: 1 });
  return hashed;
}

/** An account with SMPP access; `smpp` fields merge over defaults. */
export async function account(
  id: string,
  over: Record<string, unknown> = {},
  smppOver: Record<string, unknown> = {},
): Promise<Account> {
  return Account.parse({
    id,
    ...over,
    smpp: { systemId: id, passwordHash: await passwordHash(), ...smppOver },
  });
}

export const silent = { info() {}, warn() {}, error() {} };

export interface StartedGateway {
  readonly gateway: SmppGateway;
  readonly port: number;
  readonly tlsPort: number | undefined;
  readonly accounts: AccountDirectory;
}

/** One Redis, one bus, many gateways. Close with {@link Harness.close}. */
export class Harness {
  readonly gateways: SmppGateway[] = [];
  #node = 1;
  private constructor(
    readonly redis: RedisServer,
    readonly connection: RedisConnection,
    readonly bus: Bus,
    readonly store: MessageStore,
    readonly client: ReturnType<RedisConnection['client']>,
  ) {}

  static async start(): Promise<Harness> {
    const redis = await RedisServer.start({ appendonly: false });
    const connection = createRedisConnection({
      url: redis.url,
      prefix: 'hub',
      commandRetries: 1,
      connectTimeoutMs: 1000,
    });
    const bus = createBus({ connection });
    const client = connection.client('command');
    const store = new MessageStore({ redis: client, prefix: 'hub' });
    return new Harness(redis, connection, bus, store, client);
  }

  /** Starts a gateway for `accounts` on an ephemeral port. */
  async gateway(
    accounts: readonly Account[],
    opts: {
      listener?: Record<string, unknown>;
      tls?: { key: string; cert: string };
      routeQueueHighWater?: number;
      extra?: Partial<SmppGatewayOptions>;
    } = {},
  ): Promise<StartedGateway> {
    const listener = SmppListener.parse({
      host: '127.0.0.1',
      port: 0,
      responseTimeoutMs: 2000,
      enquireLinkIntervalMs: 60_000,
      ...(opts.tls === undefined ? {} : { tls: { port: 0, cert: 'x', key: 'x' } }),
      ...opts.listener,
    }) as HubConfig['listeners']['smpp'];
    const dir = new AccountDirectory(accounts);
    const gateway = new SmppGateway({
      listener,
      accounts: dir,
      store: this.store,
      bus: this.bus,
      concat: new RedisConcatStore(this.client, 'hub'),
      ids: new IdGenerator(this.#node++),
      verifyPassword: verifySecret,
      instance: `test/${this.#node}`,
      log: silent,
      routeQueueHighWater: opts.routeQueueHighWater ?? 1_000_000,
      rateLimiter: new RateLimiter({ redis: this.client, prefix: 'hub' }),
      binds: new RedisBindRegistry(this.client, 'hub'),
      ...(opts.tls === undefined ? {} : { tls: opts.tls }),
      ...opts.extra,
    });
    this.gateways.push(gateway);
    const urls = await gateway.listen();
    const ports = urls.map((u) => Number(u.slice(u.lastIndexOf(':') + 1)));
    return { gateway, port: ports[0] ?? 0, tlsPort: ports[1], accounts: dir };
  }

  /** The stored record of `id` (canonical hex). */
  async record(id: string): Promise<HubMessage | undefined> {
    return await this.store.get(id);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.gateways.map((g) => g.close()));
    await this.bus.close().catch(() => undefined);
    this.client.disconnect();
    await this.redis.stop();
  }
}

/** A decoded PDU plus the exact frame it came in. */
export interface Received {
  readonly pdu: NodePdu;
  readonly frame: Buffer;
}

/**
 * A raw SMPP client: builds requests with node-smpp, reads every frame, parses responses. Answers
 * enquire_link and deliver_sm (with `deliverStatus`) so it behaves like a sane ESME.
 */
export class PduClient {
  #seq = 0;
  readonly delivers: Received[] = [];
  deliverStatus = 0;

  private constructor(readonly raw: RawSmppSocket) {}

  static async connect(port: number, tls = false): Promise<PduClient> {
    if (!tls) return new PduClient(await rawSocket(port));
    const socket = await new Promise<import('node:tls').TLSSocket>((resolve, reject) => {
      const s = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => resolve(s));
      s.once('error', reject);
    });
    return new PduClient(new RawSmppSocket(socket));
  }

  /** Binds; returns the bind_resp. */
  async bind(
    systemId: string,
    opts: { type?: 'tx' | 'rx' | 'trx'; version?: number; password?: string; systemType?: string } = {},
  ): Promise<Received> {
    const command =
      opts.type === 'tx' ? 'bind_transmitter' : opts.type === 'rx' ? 'bind_receiver' : 'bind_transceiver';
    return await this.request(command, {
      system_id: systemId,
      password: opts.password ?? PASSWORD,
      system_type: opts.systemType ?? '',
      interface_version: opts.version ?? 0x34,
      addr_ton: 0,
      addr_npi: 0,
      address_range: '',
    });
  }

  /** Sends a request and resolves with its response (bounded wait). */
  async request(command: string, fields: Record<string, unknown> = {}, timeoutMs = 5000): Promise<Received> {
    const seq = ++this.#seq;
    const pdu = new smpp.PDU(command, { ...fields, sequence_number: seq });
    this.raw.send(pdu.toBuffer());
    return await this.#waitFor(
      (p) => (p.commandId & 0x80000000) !== 0 && p.sequenceNumber === seq,
      timeoutMs,
    );
  }

  /** Sends raw bytes. */
  send(bytes: Uint8Array): void {
    this.raw.send(bytes);
  }

  /** Waits for the next frame satisfying `match`. */
  async #waitFor(
    match: (p: { commandId: number; sequenceNumber: number }) => boolean,
    timeoutMs: number,
  ): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.#drain();
      const hit = this.raw.pdus.find((p) => match(p));
      if (hit !== undefined) {
        this.raw.pdus.splice(this.raw.pdus.indexOf(hit), 1);
        return { pdu: new smpp.PDU(hit.frame), frame: hit.frame };
      }
      if (this.raw.closed) throw new Error('connection closed while waiting for a response');
      if (Date.now() > deadline) throw new Error(`no matching PDU within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Answers the peer's requests (deliver_sm, enquire_link, unbind) received so far. */
  #drain(): void {
    for (let i = 0; i < this.raw.pdus.length; i++) {
      const p = this.raw.pdus[i]!;
      if ((p.commandId & 0x80000000) !== 0) continue;
      this.raw.pdus.splice(i--, 1);
      const pdu = new smpp.PDU(p.frame);
      if (pdu.command === 'deliver_sm' || pdu.command === 'data_sm') {
        this.delivers.push({ pdu, frame: p.frame });
        if (this.deliverStatus === 0) {
          this.raw.send(
            new smpp.PDU(`${pdu.command}_resp`, {
              sequence_number: pdu.sequence_number,
              message_id: '',
            }).toBuffer(),
          );
        } else {
          // An error response is header-only.
          const h = Buffer.alloc(16);
          h.writeUInt32BE(16, 0);
          h.writeUInt32BE((pdu.command_id | 0x80000000) >>> 0, 4);
          h.writeUInt32BE(this.deliverStatus, 8);
          h.writeUInt32BE(pdu.sequence_number, 12);
          this.raw.send(h);
        }
      } else if (pdu.command === 'enquire_link' || pdu.command === 'unbind') {
        this.raw.send(
          new smpp.PDU(`${pdu.command}_resp`, { sequence_number: pdu.sequence_number }).toBuffer(),
        );
      }
    }
  }

  /** Waits until `n` deliver_sm/data_sm have arrived. */
  async waitForDelivers(n: number, timeoutMs = 10_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.delivers.length < n) {
      this.#drain();
      if (Date.now() > deadline)
        throw new Error(`${this.delivers.length} of ${n} deliver_sm within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.delivers.slice();
  }

  close(): void {
    this.raw.close();
  }
}

/** TLVs of a frame after the mandatory fields end at `bodyEnd` (for 3.3 byte checks: expect none). */
export function tlvTags(frame: Buffer, bodyEnd: number): number[] {
  const out: number[] = [];
  let off = bodyEnd;
  while (off + 4 <= frame.length) {
    out.push(frame.readUInt16BE(off));
    off += 4 + frame.readUInt16BE(off + 2);
  }
  return out;
}
