/** Shared builders for the end-to-end tests (not part of the build). */
import assert from 'node:assert/strict';
import { type HubConfig, HubConfig as HubConfigSchema } from '@hub/config';
import { createLogger } from '@hub/runtime';
import type { EsmeClient, EsmeReceipt, EsmeSubmit } from '@hub/testkit';

/** Logs off unless HUB_E2E_LOG=debug|info|warn (tests may read the environment; libraries may not). */
export const log = createLogger({ level: process.env.HUB_E2E_LOG ?? 'silent', name: 'e2e' });

export interface AccountSpec {
  readonly id: string;
  readonly password: string;
}

export interface SmppUpstream {
  readonly id: string;
  readonly port: number;
  readonly systemId: string;
  readonly password: string;
  readonly extra?: Record<string, unknown>;
}

/** A Hub configuration for tests: SMPP listener on 127.0.0.1, other listeners (metrics too) off, fast reconnects. */
export function hubConfig(o: {
  redisUrl: string;
  prefix: string;
  smppPort: number;
  accounts: ReadonlyArray<AccountSpec & { hash: string }>;
  connectors: readonly SmppUpstream[];
  routes: readonly Record<string, unknown>[];
  instance?: string;
  /** Config `workers` (lock duration, connector state polling). */
  workers?: Record<string, unknown>;
}): HubConfig {
  return HubConfigSchema.parse({
    ...(o.instance === undefined ? {} : { instance: o.instance }),
    ...(o.workers === undefined ? {} : { workers: o.workers }),
    redis: { url: o.redisUrl, prefix: o.prefix },
    listeners: {
      smpp: { host: '127.0.0.1', port: o.smppPort, windowSize: 50 },
      mm7: { enabled: false, port: 0 },
      mm4: { enabled: false, port: 0 },
      api: { enabled: false, port: 0 },
      // Several hubs run at once (test files in parallel, the crash test's child): no fixed metrics port.
      metrics: { enabled: false, port: 0 },
    },
    accounts: o.accounts.map((a) => ({ id: a.id, smpp: { systemId: a.id, passwordHash: a.hash } })),
    connectors: o.connectors.map((c) => ({
      id: c.id,
      kind: 'smpp',
      host: '127.0.0.1',
      port: c.port,
      systemId: c.systemId,
      password: c.password,
      reconnectDelayMs: 100,
      reconnectMaxDelayMs: 500,
      enquireLinkIntervalMs: 5_000,
      responseTimeoutMs: 5_000,
      retries: {
        throttled: { attempts: 50, delayMs: 100, maxDelayMs: 1_000 },
        temporary: { attempts: 10, delayMs: 500, maxDelayMs: 5_000 },
        permanent: { attempts: 1, delayMs: 0, maxDelayMs: 0 },
      },
      ...c.extra,
    })),
    routes: o.routes,
  });
}

/** An MT route on a destination prefix. */
export function mtRoute(
  id: string,
  order: number,
  prefix: string,
  action: Record<string, unknown>,
): Record<string, unknown> {
  return { id, order, table: 'mt', filters: [{ type: 'destinationPrefix', prefixes: [prefix] }], action };
}

/** An MO route for a short code (exact match) to an account. */
export function moRoute(
  id: string,
  order: number,
  shortCode: string,
  account: string,
): Record<string, unknown> {
  return {
    id,
    order,
    table: 'mo',
    filters: [{ type: 'destinationPrefix', prefixes: [shortCode], exact: true }],
    action: { type: 'account', account },
  };
}

/** E.164 destination (and a fixed E.164 source) fields for an EsmeSubmit. */
export function e164(
  to: string,
): Pick<EsmeSubmit, 'to' | 'destTon' | 'destNpi' | 'from' | 'sourceTon' | 'sourceNpi'> {
  return { to, destTon: 1, destNpi: 1, from: '4930123', sourceTon: 1, sourceNpi: 1 };
}

/** The standard SMPP receipt text, anchored: the id is captured. */
export const RECEIPT_TEXT =
  /^id:(\S+) sub:(\d{3}) dlvrd:(\d{3}) submit date:\d{10} done date:\d{10} stat:([A-Z]{7}) err:([0-9A-Za-z]{3}) text:/;

/**
 * Waits (bounded) for the receipt of `messageId` at `esme` and checks it is in the exact format: the id in
 * the text and in receipted_message_id is the one from the submit response, esm_class 0x04.
 */
export async function receiptFor(
  esme: EsmeClient,
  messageId: string,
  stat: string,
  timeoutMs = 15_000,
): Promise<EsmeReceipt> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = esme.receipts.find((x) => x.id === messageId);
    if (r !== undefined) {
      assert.equal(r.esmClass & 0x3c, 0x04, 'esm_class: delivery receipt');
      const m = RECEIPT_TEXT.exec(r.text);
      assert.ok(m, `receipt text in the standard format: ${r.text}`);
      assert.equal(m[1], messageId, 'id: in the text is the submit_sm_resp id');
      assert.equal(m[4], stat, `stat in ${r.text}`);
      assert.equal(r.receiptedMessageId, messageId);
      return r;
    }
    if (Date.now() > deadline)
      throw new Error(
        `no receipt for ${messageId} within ${timeoutMs} ms (have ${esme.receipts.map((x) => x.id).join(',')})`,
      );
    await new Promise((res) => setTimeout(res, 10));
  }
}
