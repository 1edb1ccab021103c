// Test rig for the MM4 gateway: a private Redis, the gateway on 127.0.0.1, a test peer MMSC (a local
// smtp-server that records what it gets and can be told to answer 4xx/5xx), and a plain SMTP client.
import { type Bus, createBus, createRedisConnection, type QueueDef, type RedisConnection } from '@hub/bus';
import { Account, Mm4Connector, type Mm4ConnectorConfig } from '@hub/config';
import { createMessage, type HubMessage, IdGenerator } from '@hub/message';
import { decodeMm4, type EncodedMm4, type Mm4Pdu } from '@hub/mm4';
import { hashSecret, MessageStore, type RedisClient, RedisContentStore, verifySecret } from '@hub/store';
import { RedisServer, SmtpPeer, waitFor } from '@hub/testkit';
import { createTransport } from 'nodemailer';
import { RedisMm4Correlation } from './correlation.js';
import { Mm4Gateway } from './gateway.js';
import { Mm4PeerDirectory } from './peers.js';

export const HUB_SYSTEM = 'system-user@mms.hub.example';
export const HUB_DOMAIN = 'mms.hub.example';
export const PEER_DOMAIN = 'mms.peer-a.example';
export const PEER_SYSTEM = 'system-user@mms.peer-a.example';
export const PEER_B_PASSWORD = 'peer-b-secret';

const quiet = { info() {}, warn() {}, error() {} };

/** What the test peer MMSC received in one SMTP transaction. */
export interface Received {
  readonly from: string;
  readonly to: string[];
  readonly mail: Buffer;
  readonly pdu: Mm4Pdu;
}

/** A peer MMSC: records mails (decoded); `replies` scripts the next DATA answers (e.g. `[451, '4.4.1 busy']`). */
export class TestPeer extends SmtpPeer<Received> {
  constructor() {
    super((m) => ({ ...m, pdu: decodeMm4(m.mail) }));
  }

  /** What the peer received, in order. */
  get received(): Received[] {
    return this.mails;
  }

  async waitFor(pred: (r: Received) => boolean, what: string): Promise<Received> {
    return await waitFor(() => this.received.find(pred), { timeoutMs: 15_000, what });
  }
}

/** Options of {@link mtMms}. */
export interface MtMmsOptions {
  /** The text/plain part (ASCII: its length is its size). */
  readonly text: string;
  readonly subject?: string;
  /** The text part's charset parameter; none when absent. */
  readonly charset?: string;
  /** A stored PNG as the second part (`contentId` a.png). */
  readonly image?: { readonly ref: string; readonly bytes: Buffer };
}

/**
 * An MT MMS from SMPP account esme-1 (+4915100000001 → +972590000029), asking for a final receipt at
 * priority 1: what the mm4 connector sends in these tests.
 */
export function mtMms(ids: IdGenerator, o: MtMmsOptions): HubMessage {
  return createMessage({
    id: ids.next(),
    direction: 'mt',
    kind: 'mms',
    origin: { protocol: 'smpp', account: 'esme-1' },
    from: { kind: 'e164', value: '+4915100000001', original: '4915100000001' },
    to: [{ kind: 'e164', value: '+972590000029', original: '972590000029' }],
    content: {
      type: 'mms',
      ...(o.subject === undefined ? {} : { subject: o.subject }),
      parts: [
        {
          contentType: 'text/plain',
          ...(o.charset === undefined ? {} : { charset: o.charset }),
          size: o.text.length,
          inline: Buffer.from(o.text).toString('base64'),
        },
        ...(o.image === undefined
          ? []
          : [{ contentType: 'image/png', size: o.image.bytes.length, ref: o.image.ref, contentId: 'a.png' }]),
      ],
    },
    options: { receipt: 'final', priority: 1 },
  });
}

/** Outcome of one SMTP transaction from the test client. */
export interface SmtpOutcome {
  readonly code: number;
  readonly response: string;
}

/** Sends one raw mail to the gateway (non-pooled client: each call is its own connection). */
export async function sendRaw(
  port: number,
  mail: Buffer | EncodedMm4,
  envelope?: { from: string; to: string[] },
  opts: { localAddress?: string; auth?: { user: string; pass: string } } = {},
): Promise<SmtpOutcome> {
  const raw = Buffer.isBuffer(mail) ? mail : mail.mail;
  const env =
    envelope ?? (Buffer.isBuffer(mail) ? undefined : { from: mail.envelope.from, to: [...mail.envelope.to] });
  if (env === undefined) throw new Error('envelope required');
  const t = createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    connectionTimeout: 15_000,
    socketTimeout: 15_000,
    ...(opts.localAddress === undefined ? {} : { localAddress: opts.localAddress }),
    ...(opts.auth === undefined ? {} : { auth: opts.auth }),
  });
  try {
    const info = await t.sendMail({ envelope: env, raw });
    return { code: Number(/^(\d{3})/.exec(info.response)?.[1] ?? 250), response: info.response };
  } catch (err) {
    const e = err as { responseCode?: number; response?: string; message: string };
    return { code: e.responseCode ?? 0, response: e.response ?? e.message };
  } finally {
    t.close();
  }
}

/** The whole rig. */
export interface Rig {
  readonly redis: RedisServer;
  readonly connection: RedisConnection;
  readonly client: RedisClient;
  readonly bus: Bus;
  readonly store: MessageStore;
  readonly content: RedisContentStore;
  readonly correlation: RedisMm4Correlation;
  readonly ids: IdGenerator;
  readonly peer: TestPeer;
  readonly gateway: Mm4Gateway;
  readonly port: number;
  readonly connector: Mm4ConnectorConfig;
  /** Collects payloads of a queue (a worker that completes every job). */
  collect(def: QueueDef<HubMessage>): HubMessage[];
  close(): Promise<void>;
}

/** Options of {@link startRig}. */
export interface RigOptions {
  /** Overrides of the `peer-a-out` connector config (e.g. a short `resTimeoutMs`). */
  readonly connector?: Record<string, unknown>;
}

export async function startRig(o: RigOptions = {}): Promise<Rig> {
  const redis = await RedisServer.start();
  const prefix = `t${Math.random().toString(36).slice(2, 8)}`;
  const connection = createRedisConnection({ url: redis.url, prefix, commandRetries: 2 });
  const client = connection.client('command');
  const bus = createBus({ connection });
  const store = new MessageStore({ redis: client, prefix });
  const content = new RedisContentStore({ redis: client, prefix });
  const correlation = new RedisMm4Correlation({ redis: client, prefix, bus });
  const ids = new IdGenerator(7);
  const peer = new TestPeer();
  const peerPort = await peer.listen();
  const connector = Mm4Connector.parse({
    id: 'peer-a-out',
    kind: 'mm4',
    host: '127.0.0.1',
    port: peerPort,
    domain: PEER_DOMAIN,
    originatorSystem: HUB_SYSTEM,
    ...o.connector,
  });
  const hash = await hashSecret(PEER_B_PASSWORD, { N: 1024, r: 8, p: 1 });
  const accounts = [
    Account.parse({
      id: 'peer-a',
      allowedIps: ['127.0.0.1'],
      mm4: { domain: PEER_DOMAIN, originatorSystem: PEER_SYSTEM },
    }),
    Account.parse({
      id: 'peer-b',
      mm4: { domain: 'mms.peer-b.example', username: 'peer-b', passwordHash: hash },
    }),
    Account.parse({ id: 'esme-1' }),
  ];
  const workers: Array<{ close(): Promise<void> }> = [];
  const gateway = new Mm4Gateway({
    listener: { enabled: true, host: '127.0.0.1', port: 0, maxMessageBytes: 2 * 1024 * 1024 },
    peers: new Mm4PeerDirectory(accounts, [connector]),
    store,
    bus,
    content,
    correlation,
    ids,
    verifyPassword: verifySecret,
    instance: 'test',
    log: quiet,
    systemAddress: HUB_SYSTEM,
    localDomains: [HUB_DOMAIN],
    closeTimeoutMs: 200,
  });
  await gateway.listen();
  await gateway.ready();
  return {
    redis,
    connection,
    client,
    bus,
    store,
    content,
    correlation,
    ids,
    peer,
    gateway,
    port: gateway.port,
    connector,
    collect(def) {
      const out: HubMessage[] = [];
      workers.push(
        bus.worker(def, async (m) => {
          out.push(m);
        }),
      );
      return out;
    },
    async close() {
      await gateway.close();
      await Promise.all(workers.map((w) => w.close()));
      await bus.close();
      await peer.close();
      client.disconnect();
      await redis.stop();
    },
  };
}
