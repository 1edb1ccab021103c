import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { encodeMm4 } from '@hub/mm4';
import { createTransport } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { closedLoop, type LoopResult, loopRow, withBenchHub } from './drive.js';
import { startHubChild } from './hub-process.js';
import { percentiles, procStats, type Row, selfStats } from './measure.js';

export interface Mm4BenchOptions {
  readonly n: number;
  /** Peer MMSC connections (× 4 = the default of BENCH_CONNECTIONS, the sending client's pooled SMTP connections). */
  readonly sessions: number;
}

const HUB_DOMAIN = 'mms.hub.bench';
const HUB_SYSTEM = `system-user@${HUB_DOMAIN}`;
const PEER_DOMAIN = 'mms.peer.bench';
const PEER_SYSTEM = `system-user@${PEER_DOMAIN}`;
const SEQ = 'SEQ0000000'; // fixed-width placeholder, overwritten per message

/** One MM4_forward.REQ with a 100 KB image, as bytes with the sequence placeholder's offsets. */
function template(): { mail: Buffer; from: string; to: string[]; at: number[] } {
  const e = encodeMm4({
    type: 'MM4_forward.REQ',
    transactionId: `bench-${SEQ}`,
    messageId: `bench-${SEQ}@${PEER_DOMAIN}`,
    from: '+972590000028',
    to: ['+4915112345678'],
    subject: 'bench',
    originatorSystem: PEER_SYSTEM,
    senderDomain: PEER_DOMAIN,
    recipientDomain: HUB_DOMAIN,
    ackRequest: true,
    deliveryReport: false,
    parts: [
      { contentType: 'text/plain', body: 'A 100 KB picture for you', contentId: 't.txt' },
      {
        contentType: 'image/jpeg',
        body: randomBytes(100 * 1024),
        contentId: 'p.jpg',
        contentLocation: 'p.jpg',
      },
    ],
  });
  const at: number[] = [];
  for (let i = e.mail.indexOf(SEQ); i !== -1; i = e.mail.indexOf(SEQ, i + 1)) at.push(i);
  if (at.length < 2) throw new Error('placeholder not found in the encoded mail');
  return { mail: e.mail, from: e.envelope.from, to: [...e.envelope.to], at };
}

function mailFor(t: ReturnType<typeof template>, i: number): Buffer {
  const b = Buffer.from(t.mail);
  const seq = String(i).padStart(SEQ.length, '0');
  for (const at of t.at) b.write(seq, at, 'latin1');
  return b;
}

/**
 * A test peer MMSC's SMTP server: reads every mail and answers 250; `onMail` sees the header bytes
 * (to pick out the Transaction-ID of a .RES).
 */
async function startPeer(
  onMail: (head: string) => void = () => {},
): Promise<{ port: number; close(): Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    logger: false,
    size: 10 * 1024 * 1024,
    closeTimeout: 200,
    onData(stream, _session, cb) {
      let head = '';
      stream.on('data', (c: Buffer) => {
        if (head.length < 4096) head += c.toString('latin1');
      });
      stream.on('end', () => {
        onMail(head);
        cb(null);
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Sends `n` mails over a pooled nodemailer transport, one lane per connection; SMTP latency samples (ms). */
async function drive(
  port: number,
  t: ReturnType<typeof template>,
  o: Mm4BenchOptions & { readonly connections: number },
  sentAt: Map<string, number>,
): Promise<LoopResult> {
  const transport = createTransport({
    pool: true,
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    maxConnections: o.connections,
    // A pooled connection carries many mails; the default (100) would reconnect every 100.
    maxMessages: Number.POSITIVE_INFINITY,
    socketTimeout: 60_000,
  });
  const r = await closedLoop({
    n: o.n,
    lanes: o.connections,
    prepare: (i) => mailFor(t, i),
    send: async (raw, i, t0) => {
      sentAt.set(String(i).padStart(SEQ.length, '0'), t0);
      await transport.sendMail({ envelope: { from: t.from, to: t.to }, raw });
      return undefined;
    },
    timeRejected: true,
  });
  transport.close();
  return r;
}

/**
 * `mm4-forward`: N MM4_forward.REQ (100 KB image, Ack-Request) into Hub's MM4 gateway over a pooled
 * nodemailer client with C keep-alive SMTP connections, one mail in flight on each (C = BENCH_CONNECTIONS,
 * default sessions × 4), every 250 given only after Redis (appendonly) has the message, its job and the
 * queued .RES; Hub sends each MM4_forward.RES back to a test peer in this process. Side by side with the
 * same client and mails against a plain smtp-server that stores nothing (the SMTP ceiling on this
 * machine). Latency is the SMTP transaction (MAIL FROM … 250 after DATA); the note has the .RES figures
 * and the CPU of this process (client and peer). BENCH_APPS: the Hub apps, `/` between processes.
 */
export async function mm4Forward(options: Mm4BenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  const t = template();
  // A peer MMSC sends over several connections; with 4 the closed loop measured the SMTP round trips, not Hub.
  const o = { ...options, connections: Number(process.env.BENCH_CONNECTIONS ?? options.sessions * 4) };

  const ref = await startPeer();
  const r0 = await drive(ref.port, t, o, new Map());
  await ref.close();
  const refStats = selfStats();
  rows.push(
    loopRow(o.n, r0, {
      scenario: 'mm4-forward',
      system: 'reference: smtp-server + pooled nodemailer',
      cpu: `${refStats.cpuSeconds.toFixed(1)} (bench proc)`,
      rss: refStats.peakRssMiB.toFixed(0),
      note: `${r0.failed > 0 ? `${r0.failed} failed; ` : ''}${o.connections} conns; no storage, no .RES; ${(t.mail.length / 1024).toFixed(0)} KB mails`,
    }),
  );

  // The .RES arrive at this peer; REQ → .RES latency by the sequence number in the Transaction-ID.
  const sentAt = new Map<string, number>();
  const resLat: number[] = [];
  let lastRes = 0;
  const peer = await startPeer((head) => {
    const seq = /X-Mms-Transaction-ID:\s*"?bench-(\d+)/i.exec(head)?.[1];
    const t0 = seq === undefined ? undefined : sentAt.get(seq);
    if (t0 === undefined) return;
    lastRes = performance.now();
    resLat.push(lastRes - t0);
  });
  // One Hub process per group: `BENCH_APPS=mm4/router` runs the gateway and the router apart.
  const groups = (process.env.BENCH_APPS ?? 'router,mm4').split('/').map((g) => g.split(','));
  const layout = groups.map((g) => g.join('+')).join(' | ');
  let config = '';
  try {
    await withBenchHub(
      'mm4',
      ({ redisUrl, port, dataDir }) =>
        (config = `redis: { url: ${redisUrl} }
dataDir: ${dataDir}
listeners:
  mm4: { host: 127.0.0.1, port: ${port} }
accounts:
  - id: peer
    allowedIps: [127.0.0.1]
    mm4: { domain: ${PEER_DOMAIN}, originatorSystem: ${PEER_SYSTEM} }
  - id: sink
    queueHighWater: 10000000
connectors:
  - { id: peer-out, kind: mm4, host: 127.0.0.1, port: ${peer.port}, domain: ${PEER_DOMAIN}, originatorSystem: ${HUB_SYSTEM}, pool: { maxConnections: 5 } }
limits: { routeQueueHighWater: 10000000 }
routes:
  - { id: default-mt, table: mt, order: 0, action: { type: connector, connector: parked } }
  - { id: default-mo, table: mo, order: 0, action: { type: account, account: sink } }
`),
      groups[0] ?? [],
      async (hub) => {
        const others = [];
        try {
          for (const g of groups.slice(1)) others.push(await startHubChild(config, g));
          const c0 = selfStats().cpuSeconds;
          const started = performance.now();
          const r = await drive(hub.port, t, o, sentAt);
          // Every .RES is owed; wait for them (bounded) so the figures cover the whole exchange.
          const deadline = Date.now() + 120_000;
          while (resLat.length < o.n - r.failed && Date.now() < deadline)
            await new Promise((res) => setTimeout(res, 50));
          const client = selfStats().cpuSeconds - c0;
          const res = percentiles(resLat);
          const resSeconds = (lastRes - started) / 1000;
          const used = hub.resources();
          const more = others.map(
            (c, i) => `; ${groups[i + 1]?.join('+')} ${procStats(c.pid)?.cpuSeconds.toFixed(1) ?? '?'}`,
          );
          rows.push(
            loopRow(o.n, r, {
              scenario: 'mm4-forward',
              system: `Hub (${layout}; appendonly Redis)`,
              cpu: `${used.cpu}${more.join('')}`,
              rss: used.rss,
              note:
                `${r.failed} failed; ${o.connections} conns; ratio to reference ${(r0.seconds / r.seconds).toFixed(2)}; ` +
                `.RES ${resLat.length}/${o.n} in ${resSeconds.toFixed(2)} s (${(resLat.length / resSeconds).toFixed(0)}/s), ` +
                `REQ→.RES p50 ${res.p50.toFixed(0)} p95 ${res.p95.toFixed(0)} p99 ${res.p99.toFixed(0)} ms; ` +
                `load generator and peer ${client.toFixed(1)} s CPU`,
            }),
          );
        } finally {
          for (const c of others) await c.stop();
        }
      },
    );
  } finally {
    await peer.close();
  }
  return rows;
}
