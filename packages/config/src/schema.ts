import { z } from 'zod';

/**
 * The one configuration of Hub, shared by every app. Loaded from a YAML or JSON file plus environment
 * overrides (see `load.ts`), validated, frozen. Durations are milliseconds, rates per second.
 */

const Id = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    'must be 1-64 of A-Z a-z 0-9 _ . - (not starting with a symbol)',
  );
const Port = z.number().int().min(0).max(65_535);
const Host = z.string().min(1).default('0.0.0.0');
/** An IPv4/IPv6 address or CIDR block. */
const Cidr = z
  .string()
  .regex(/^([0-9.]+|[0-9a-fA-F:]+)(\/[0-9]{1,3})?$/, 'must be an IP address or CIDR block like 10.0.0.0/8');
/** scrypt hash produced by `hub hash-password` (never a clear password). */
const SecretHash = z
  .string()
  .regex(/^scrypt\$/, 'must be a hash from `hub hash-password` (starts with scrypt$)');

const Tls = z.object({
  port: Port,
  /** PEM files. */
  cert: z.string().min(1),
  key: z.string().min(1),
  ca: z.string().optional(),
});

export const SmppListener = z.object({
  enabled: z.boolean().default(true),
  host: Host,
  port: Port.default(2775),
  tls: Tls.optional(),
  /** No bind within this time → close (SMPP session init timer). */
  sessionInitTimeoutMs: z.number().int().positive().default(10_000),
  /** Idle this long → Hub sends enquire_link. */
  enquireLinkIntervalMs: z.number().int().positive().default(30_000),
  /** No PDU at all for this long → the session is dead and closed. */
  inactivityTimeoutMs: z.number().int().positive().default(120_000),
  /** Hub's own requests (deliver_sm, enquire_link) fail after this long without a response. */
  responseTimeoutMs: z.number().int().positive().default(10_000),
  /** Outstanding deliver_sm per session. */
  windowSize: z.number().int().min(1).max(1000).default(10),
  /** Largest PDU accepted (a 64K message_payload needs ~65,600). */
  maxPduLength: z.number().int().min(1024).max(1_048_576).default(70_000),
});

export const HttpListener = z.object({
  enabled: z.boolean().default(true),
  host: Host,
  port: Port,
  tls: z.object({ cert: z.string(), key: z.string(), ca: z.string().optional() }).optional(),
});

export const SmtpListener = z.object({
  enabled: z.boolean().default(true),
  host: Host,
  port: Port.default(2525),
  /** STARTTLS certificate. */
  tls: z.object({ cert: z.string(), key: z.string() }).optional(),
  maxMessageBytes: z
    .number()
    .int()
    .positive()
    .default(10 * 1024 * 1024),
});

export const Throughput = z.object({
  /** Messages per second (0 = unlimited). */
  messagesPerSecond: z.number().nonnegative().default(0),
  /** Segments per second (0 = unlimited). */
  segmentsPerSecond: z.number().nonnegative().default(0),
});

/** A client of Hub: an ESME, a VASP or a peer MMSC, with a section per protocol it uses. */
export const Account = z.object({
  id: Id,
  name: z.string().max(128).optional(),
  enabled: z.boolean().default(true),
  /** Allowed source IPs for every protocol (empty = any). */
  allowedIps: z.array(Cidr).default([]),
  throughput: Throughput.default({ messagesPerSecond: 0, segmentsPerSecond: 0 }),
  /** Queue high-water mark for this account's waiting messages → ESME_RMSGQFUL / 503 above it. */
  queueHighWater: z.number().int().positive().default(100_000),
  /** How Hub writes message ids to this account (SMPP submit_sm_resp and receipts). */
  idBase: z.enum(['hex', 'dec']).default('hex'),
  smpp: z
    .object({
      systemId: z.string().min(1).max(16),
      passwordHash: SecretHash,
      /** When set, binds must present this system_type. */
      systemType: z.string().max(13).optional(),
      maxBinds: z.number().int().min(1).max(1000).default(10),
      /** What data_coding 0 means for this account. */
      defaultAlphabet: z.enum(['gsm', 'ascii', 'latin1']).default('gsm'),
      /** data_coding values accepted (default: 0,1,2,3,4,8,14). */
      allowedCodings: z.array(z.number().int().min(0).max(255)).default([0, 1, 2, 3, 4, 8, 14]),
      /** Send receipts as deliver_sm (default) or data_sm. */
      receiptPdu: z.enum(['deliver_sm', 'data_sm']).default('deliver_sm'),
    })
    .optional(),
  mm7: z
    .object({
      vaspId: z.string().min(1).max(128),
      vasIds: z.array(z.string().max(128)).default([]),
      username: z.string().min(1).max(128),
      passwordHash: SecretHash,
      /** Where Hub posts DeliverReq, DeliveryReportReq and ReadReplyReq for this VASP. */
      deliveryUrl: z.string().url().optional(),
      deliveryUsername: z.string().optional(),
      /** `${ENV}` reference resolved at load: outbound credentials cannot be hashed. */
      deliveryPassword: z.string().optional(),
      maxContentBytes: z
        .number()
        .int()
        .positive()
        .default(1024 * 1024),
    })
    .optional(),
  mm4: z
    .object({
      /** The peer's MMS domain and originator system (where .RES and reports go). */
      domain: z.string().min(1),
      originatorSystem: z.string().optional(),
      username: z.string().optional(),
      passwordHash: SecretHash.optional(),
      maxContentBytes: z
        .number()
        .int()
        .positive()
        .default(2 * 1024 * 1024),
    })
    .optional(),
});
export type Account = z.infer<typeof Account>;

const RetryPolicy = z.object({
  attempts: z.number().int().min(1).max(100),
  /** First backoff; doubled each time up to maxDelayMs. */
  delayMs: z.number().int().nonnegative(),
  maxDelayMs: z.number().int().nonnegative().default(300_000),
});

const Retries = z
  .object({
    throttled: RetryPolicy.default({ attempts: 50, delayMs: 1_000, maxDelayMs: 30_000 }),
    temporary: RetryPolicy.default({ attempts: 10, delayMs: 5_000, maxDelayMs: 300_000 }),
    permanent: RetryPolicy.default({ attempts: 1, delayMs: 0, maxDelayMs: 0 }),
  })
  .default({
    throttled: { attempts: 50, delayMs: 1_000, maxDelayMs: 30_000 },
    temporary: { attempts: 10, delayMs: 5_000, maxDelayMs: 300_000 },
    permanent: { attempts: 1, delayMs: 0, maxDelayMs: 0 },
  });

export const SmppConnector = z.object({
  id: Id,
  kind: z.literal('smpp'),
  enabled: z.boolean().default(true),
  host: z.string().min(1),
  port: Port.default(2775),
  tls: z.object({ rejectUnauthorized: z.boolean().default(true), ca: z.string().optional() }).optional(),
  systemId: z.string().min(1).max(16),
  /** Outbound password: write `${ENV_NAME}` and set the variable; never commit it. */
  password: z.string().max(9).default(''),
  systemType: z.string().max(13).default(''),
  bindType: z.enum(['transceiver', 'transmitter', 'receiver']).default('transceiver'),
  /** Extra receiver binds when bindType is transmitter. */
  binds: z.number().int().min(1).max(64).default(1),
  interfaceVersion: z.number().int().default(0x34),
  windowSize: z.number().int().min(1).max(1000).default(10),
  responseTimeoutMs: z.number().int().positive().default(10_000),
  enquireLinkIntervalMs: z.number().int().positive().default(30_000),
  reconnectDelayMs: z.number().int().positive().default(1_000),
  reconnectMaxDelayMs: z.number().int().positive().default(60_000),
  /** Upstream rate limit (0 = unlimited); backs off on ESME_RTHROTTLED and congestion_state. */
  messagesPerSecond: z.number().nonnegative().default(0),
  /** data_coding to use for GSM-encodable text (0 or 1), and what dc 0 means upstream. */
  defaultAlphabet: z.enum(['gsm', 'ascii', 'latin1']).default('gsm'),
  /** How to send messages longer than one segment. */
  longMessages: z.enum(['udh8', 'udh16', 'sar', 'payload']).default('udh8'),
  /** Form of ids in submit_sm_resp and in receipts (Kannel msg-id-type). */
  submitIdBase: z.enum(['hex', 'dec', 'string']).default('string'),
  receiptIdBase: z.enum(['hex', 'dec', 'string']).default('string'),
  sourceTon: z.number().int().min(0).max(255).optional(),
  sourceNpi: z.number().int().min(0).max(255).optional(),
  retries: Retries,
});

export const Mm4Connector = z.object({
  id: Id,
  kind: z.literal('mm4'),
  enabled: z.boolean().default(true),
  host: z.string().min(1),
  port: Port.default(25),
  secure: z.boolean().default(false),
  requireTls: z.boolean().default(false),
  username: z.string().optional(),
  password: z.string().optional(),
  /** The peer's MMS domain (recipients become +E164/TYPE=PLMN@domain). */
  domain: z.string().min(1),
  /** Our originator system address for .RES and reports. */
  originatorSystem: z.string().min(1),
  /**
   * Pooled SMTP connections to the peer: at most `maxConnections` at once (raise it when the peer allows
   * more), each closed and reopened after `maxMessages` mails (nodemailer's own default, 100, reconnects far
   * too often for MMs; 1000 is the per-connection cap of e.g. Exim: we close before such a peer refuses).
   */
  pool: z
    .object({
      maxConnections: z.number().int().min(1).default(5),
      maxMessages: z.number().int().min(1).default(1000),
    })
    .default({ maxConnections: 5, maxMessages: 1000 }),
  /** Wait this long for MM4_forward.RES before retrying or failing. */
  resTimeoutMs: z.number().int().positive().default(300_000),
  retries: Retries,
});

export const Mm7Connector = z.object({
  id: Id,
  kind: z.literal('mm7'),
  enabled: z.boolean().default(true),
  url: z.string().url(),
  username: z.string().optional(),
  password: z.string().optional(),
  vaspId: z.string().optional(),
  vasId: z.string().optional(),
  version: z.string().default('6.8.0'),
  namespace: z
    .string()
    .default('http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-6-MM7-1-4'),
  timeoutMs: z.number().int().positive().default(30_000),
  retries: Retries,
});

export const Connector = z.discriminatedUnion('kind', [SmppConnector, Mm4Connector, Mm7Connector]);
export type Connector = z.infer<typeof Connector>;
export type SmppConnectorConfig = z.infer<typeof SmppConnector>;
export type Mm4ConnectorConfig = z.infer<typeof Mm4Connector>;
export type Mm7ConnectorConfig = z.infer<typeof Mm7Connector>;

export const ApiKey = z.object({
  id: Id,
  role: z.enum(['read', 'operator', 'admin']),
  keyHash: SecretHash,
});

/**
 * Queue worker settings shared by every Hub worker (router, connector and status workers, gateway outboxes).
 * Defaults suit production; tests shorten the lock so a killed process's jobs come back within seconds.
 */
export const Workers = z.object({
  /**
   * How long a job stays locked without renewal (renewed every half of it). A crashed process's jobs are
   * taken over by another worker about one to two lock durations later; too short a lock on a loaded
   * machine (event-loop stalls longer than half of it) makes healthy jobs look stalled and run twice.
   */
  lockDurationMs: z.number().int().min(1_000).default(30_000),
  /** How often a worker looks for stalled (lock expired) jobs (default: `lockDurationMs`). */
  stalledIntervalMs: z.number().int().min(500).optional(),
  /** Route jobs processed in parallel by each router process. */
  routerConcurrency: z.number().int().min(1).max(1_000).default(50),
  /**
   * Status events (receipts) applied in parallel by each connectors process. Each waits on a few Redis
   * round trips, so this wants to be well above a connector's window: at 50, receipts arriving at once
   * with the submits fell ~1 s behind in the end-to-end benchmark.
   */
  statusConcurrency: z.number().int().min(1).max(5_000).default(200),
  /** How often the router re-reads which connectors are up (published connector states). */
  connectorStateIntervalMs: z.number().int().min(100).default(2_000),
});
export type Workers = z.infer<typeof Workers>;

export const HubConfig = z.object({
  /** Instance name for logs and node ids (defaults to hostname-pid). */
  instance: z.string().max(128).optional(),
  /** Where `hub start` keeps the embedded Redis files and the content store. */
  dataDir: z.string().default('./.data'),
  redis: z
    .object({
      /** redis://, rediss://, redis+sentinel://, redis+cluster:// — absent: `hub start` runs an embedded redis-server. */
      url: z.string().optional(),
      prefix: z
        .string()
        .regex(/^[A-Za-z0-9:_{}.-]+$/)
        .default('hub'),
      embeddedPort: Port.default(6380),
    })
    .default({ prefix: 'hub', embeddedPort: 6380 }),
  listeners: z
    .object({
      smpp: SmppListener.default(SmppListener.parse({})),
      mm7: HttpListener.extend({
        port: Port.default(8070),
        path: z.string().default('/mm7'),
        /** Hub's own POSTs to VASPs (DeliverReq, reports): give up on one after this long and retry later. */
        deliveryTimeoutMs: z.number().int().positive().default(30_000),
        /** Outbox deliveries in parallel per VASP account. */
        deliveryConcurrency: z.number().int().min(1).max(256).default(4),
      }).default({
        enabled: true,
        host: '0.0.0.0',
        port: 8070,
        path: '/mm7',
        deliveryTimeoutMs: 30_000,
        deliveryConcurrency: 4,
      }),
      mm4: SmtpListener.default(SmtpListener.parse({})),
      api: HttpListener.extend({ port: Port.default(8080) }).default({
        enabled: true,
        host: '0.0.0.0',
        port: 8080,
      }),
      /** Prometheus `/metrics` of this process (every app). Each process on a host needs its own port. */
      metrics: z
        .object({ enabled: z.boolean().default(true), host: Host, port: Port.default(9464) })
        .default({ enabled: true, host: '0.0.0.0', port: 9464 }),
    })
    .default({
      smpp: SmppListener.parse({}),
      mm7: {
        enabled: true,
        host: '0.0.0.0',
        port: 8070,
        path: '/mm7',
        deliveryTimeoutMs: 30_000,
        deliveryConcurrency: 4,
      },
      mm4: SmtpListener.parse({}),
      api: { enabled: true, host: '0.0.0.0', port: 8080 },
      metrics: { enabled: true, host: '0.0.0.0', port: 9464 },
    }),
  retention: z
    .object({
      messagesSeconds: z
        .number()
        .int()
        .positive()
        .default(7 * 86_400),
      upstreamIdsSeconds: z
        .number()
        .int()
        .positive()
        .default(3 * 86_400),
    })
    .default({ messagesSeconds: 7 * 86_400, upstreamIdsSeconds: 3 * 86_400 }),
  limits: z
    .object({
      /** Total messages waiting for the router before every ingress answers "queue full". */
      routeQueueHighWater: z.number().int().positive().default(1_000_000),
    })
    .default({ routeQueueHighWater: 1_000_000 }),
  workers: Workers.default({
    lockDurationMs: 30_000,
    routerConcurrency: 50,
    statusConcurrency: 200,
    connectorStateIntervalMs: 2_000,
  }),
  routing: z
    .object({
      /**
       * The SMPP, MM7 and MM4 gateways apply the route table themselves to each MT they accept (same
       * table, same reload and connector-state rules as the router) and enqueue straight on the connector
       * queue (or the account's outbox): one queue hop fewer. Scheduled submits, MO from connectors and
       * operator retries still go through the router. `false`: everything goes through the `route` queue
       * and the router.
       */
      atIngest: z.boolean().default(true),
    })
    .default({ atIngest: true }),
  accounts: z.array(Account).default([]),
  connectors: z.array(Connector).default([]),
  /** Route tables (validated by @hub/routing at start). */
  routes: z.array(z.record(z.string(), z.unknown())).default([]),
  apiKeys: z.array(ApiKey).default([]),
  /** Bulk campaigns through the API (sent over Hub's own SMPP listener, like any client). */
  campaigns: z
    .object({
      /** Clear SMPP passwords of the accounts campaigns send as: write `${ENV_NAME}`, never the secret. */
      passwords: z.record(z.string(), z.string()).default({}),
      /** Accept a password in the upload request for accounts not listed above (checked against the hash). */
      allowRequestPassword: z.boolean().default(true),
      /** Campaigns running at once per API instance. */
      maxConcurrent: z.number().int().min(1).max(64).default(4),
    })
    .default({ passwords: {}, allowRequestPassword: true, maxConcurrent: 4 }),
});
export type HubConfig = z.infer<typeof HubConfig>;
export type HubConfigInput = z.input<typeof HubConfig>;
