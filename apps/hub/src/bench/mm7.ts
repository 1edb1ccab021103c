import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { decodeMm7Request, encodeSubmitReq, type MimeEntity } from '@hub/mm7';
import { hashSecret } from '@hub/store';
import Fastify from 'fastify';
import { closedLoop, type LoopResult, loopRow, withBenchHub } from './drive.js';
import { startHubChild } from './hub-process.js';
import { procStats, type Row, selfStats } from './measure.js';

export interface Mm7BenchOptions {
  readonly n: number;
  readonly sessions: number;
  readonly window: number;
}

const IMAGE_BYTES = 50 * 1024;

/** One SubmitReq with SMIL, a line of text and a 50 KB (random, so incompressible) JPEG-typed image. */
function submitReq(i: number, image: Buffer): MimeEntity {
  return encodeSubmitReq(
    { transactionId: `bench-${i}` },
    {
      senderIdentification: { vaspId: 'BENCH', senderAddress: { kind: 'ShortCode', value: '12345' } },
      recipients: { to: [{ kind: 'Number', value: `+4915${String(1_000_000 + i)}` }], cc: [], bcc: [] },
      subject: `bench ${i}`,
    },
    [
      {
        contentType: 'application/smil',
        contentId: 'smil',
        body: '<smil><body><par><img src="cid:img"/><text src="cid:txt"/></par></body></smil>',
      },
      { contentType: 'text/plain; charset=utf-8', contentId: 'txt', body: `bench message ${i}` },
      { contentType: 'image/jpeg', contentId: 'img', body: image },
    ],
  );
}

/**
 * Posts `n` SubmitReqs (`bodies` round-robin) over `connections` keep-alive connections, one request in
 * flight per connection; returns latency samples (ms) and the count of non-200 answers.
 */
async function drive(
  url: string,
  bodies: readonly MimeEntity[],
  n: number,
  connections: number,
  auth: string,
): Promise<LoopResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const u = new URL(url);
  const post = (b: MimeEntity): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          agent,
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: 'POST',
          headers: {
            'content-type': b.contentType,
            'content-length': b.body.length,
            authorization: auth,
            soapaction: '""',
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(b.body);
    });
  const r = await closedLoop({
    n,
    lanes: connections,
    prepare: (i) => bodies[i % bodies.length] as MimeEntity,
    send: async (b) => {
      const res = await post(b);
      return res.status === 200 ? undefined : `HTTP ${res.status}: ${res.body.slice(0, 300)}`;
    },
  });
  agent.destroy();
  return r;
}

/**
 * `mm7-submit`: N SubmitReqs with a 50 KB image over C keep-alive connections (C = BENCH_CONNECTIONS,
 * default sessions × 8) into Hub's MM7 gateway (router running; each SubmitRsp only after Redis — with
 * appendonly — has the record, the image and the message's job), side by side with a bare fastify server
 * that only decodes the same posts with @hub/mm7 (MIME split + SOAP, no auth, no Redis): the parse ceiling
 * of this machine and load generator. BENCH_APPS: the Hub apps, `/` between processes (`mm7/router`).
 */
export async function mm7Submit(o: Mm7BenchOptions): Promise<Row[]> {
  const connections = Number(process.env.BENCH_CONNECTIONS ?? o.sessions * 8);
  const image = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(IMAGE_BYTES - 4)]);
  // A few distinct bodies (different recipients and ids) reused round-robin: encoding is not measured.
  const bodies = Array.from({ length: 64 }, (_, i) => submitReq(i, image));
  const auth = `Basic ${Buffer.from('bench:bench').toString('base64')}`;
  const size = bodies[0]?.body.length ?? 0;
  const rows: Row[] = [];

  // Reference: fastify + the MM7 decoder, answering a fixed 200.
  const ref = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 });
  ref.removeAllContentTypeParsers();
  ref.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  ref.post('/mm7', async (req, reply) => {
    const d = decodeMm7Request(req.headers['content-type'], req.body as Buffer);
    return reply.code(d.message.type === 'SubmitReq' ? 200 : 500).send('ok');
  });
  await ref.listen({ host: '127.0.0.1', port: 0 });
  const ra = ref.server.address();
  const refUrl = `http://127.0.0.1:${typeof ra === 'object' && ra !== null ? ra.port : 0}/mm7`;
  const before = selfStats();
  const r0 = await drive(refUrl, bodies, o.n, connections, auth);
  const after = selfStats();
  await ref.close();
  rows.push(
    loopRow(o.n, r0, {
      scenario: 'mm7-submit',
      system: 'reference: fastify + @hub/mm7 decode',
      cpu: `${(after.cpuSeconds - before.cpuSeconds).toFixed(1)} (bench proc, server+client)`,
      rss: after.peakRssMiB.toFixed(0),
      note: `${r0.failed} failed; ${connections} conns; ${(size / 1024).toFixed(0)} KB posts; no auth, no storage`,
    }),
  );

  const hash = await hashSecret('bench');
  // One Hub process per group: `BENCH_APPS=mm7/router` runs the gateway and the router apart.
  const groups = (process.env.BENCH_APPS ?? 'router,mm7').split('/').map((g) => g.split(','));
  const layout = groups.map((g) => g.join('+')).join(' | ');
  let config = '';
  await withBenchHub(
    'mm7',
    ({ redisUrl, port, dataDir }) =>
      (config = `redis: { url: ${redisUrl} }
dataDir: ${dataDir}
listeners:
  mm7: { host: 127.0.0.1, port: ${port}, path: /mm7 }
accounts:
  - id: bench
    queueHighWater: 10000000
    mm7: { vaspId: BENCH, username: bench, passwordHash: "${hash}" }
limits: { routeQueueHighWater: 10000000 }
routes:
  - { id: default, table: mt, order: 0, action: { type: connector, connector: parked } }
`),
    groups[0] ?? [],
    async (hub) => {
      const others = [];
      try {
        for (const g of groups.slice(1)) others.push(await startHubChild(config, g));
        const c0 = selfStats().cpuSeconds;
        const r = await drive(`http://127.0.0.1:${hub.port}/mm7`, bodies, o.n, connections, auth);
        const client = selfStats().cpuSeconds - c0;
        if (r.firstError !== undefined) console.error(`mm7-submit: first failure: ${r.firstError}`);
        const res = hub.resources();
        const more = others.map(
          (c, i) => `; ${groups[i + 1]?.join('+')} ${procStats(c.pid)?.cpuSeconds.toFixed(1) ?? '?'}`,
        );
        rows.push(
          loopRow(o.n, r, {
            scenario: 'mm7-submit',
            system: `Hub (${layout}; appendonly Redis)`,
            cpu: `${res.cpu}${more.join('')}`,
            rss: res.rss,
            note: `${r.failed} failed; ${connections} conns; load generator ${client.toFixed(1)} s CPU; ratio to reference ${(o.n / r.seconds / (o.n / r0.seconds)).toFixed(2)}`,
          }),
        );
      } finally {
        for (const c of others) await c.stop();
      }
    },
  );
  return rows;
}
