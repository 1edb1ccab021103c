/**
 * Bounded fuzz of a live MM7 endpoint over HTTP (127.0.0.1, private Redis): mutated SOAP and multipart
 * SubmitReq bodies, wrong and random Content-Types, random Authorization headers. Every answer must be
 * MM7 (a SubmitRsp, or an RSErrorRsp/Fault that decodes), never an HTML page, never a socket hang; the
 * heap stays bounded and a clean SubmitReq is still accepted afterwards. Inputs come from fast-check with
 * a fixed seed, so a failure reproduces.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type Bus, createBus, createRedisConnection, type RedisConnection } from '@hub/bus';
import { Account } from '@hub/config';
import { IdGenerator } from '@hub/message';
import { decodeMm7Request, encodeSubmitReq, type MimeEntity, mm7NamespaceFor } from '@hub/mm7';
import {
  FileContentStore,
  hashSecret,
  MessageStore,
  RedisContentStore,
  TieredContentStore,
  verifySecret,
} from '@hub/store';
import { RedisServer } from '@hub/testkit';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { VaspDirectory } from './accounts.js';
import { buildMm7App } from './app.js';
import { Mm7Gateway } from './gateway.js';
import { silentLogger } from './ports.js';

const SEED = 0x5eed_0777;
const REL6 = mm7NamespaceFor('REL-6-MM7-1-4');

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

let redis: RedisServer;
let conn: RedisConnection;
let bus: Bus;
let client: ReturnType<RedisConnection['client']>;
let gateway: Mm7Gateway;
let app: FastifyInstance;
let url: string;
let contentDir: string;
let heapBefore = 0;

const basic = (user: string, pass: string): string =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const GOOD_AUTH = basic('vasp1', 'secret');

before(async () => {
  redis = await RedisServer.start({ appendonly: false });
  conn = createRedisConnection({ url: redis.url, prefix: 'fzmm7' });
  bus = createBus({ connection: conn });
  client = conn.client('command');
  contentDir = mkdtempSync(path.join(tmpdir(), 'hub-mm7-fuzz-'));
  const passwordHash = await hashSecret('secret', { N: 1024, r: 8, p: 1 });
  gateway = new Mm7Gateway({
    accounts: new VaspDirectory([
      Account.parse({
        id: 'vasp1',
        mm7: { vaspId: 'VASP1', vasIds: ['SVC1'], username: 'vasp1', passwordHash, maxContentBytes: 200_000 },
      }),
    ]),
    store: new MessageStore({ redis: client, prefix: conn.prefix }),
    bus,
    content: new TieredContentStore({
      small: new RedisContentStore({ redis: client, prefix: conn.prefix }),
      large: new FileContentStore({ dir: contentDir }),
      thresholdBytes: 4096,
    }),
    ids: new IdGenerator(21),
    verifyPassword: verifySecret,
    instance: 'fuzz',
    log: silentLogger,
    routeQueueHighWater: 100_000,
    delivery: { timeoutMs: 2_000 },
  });
  app = buildMm7App({ gateway, path: '/mm7', log: silentLogger });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const a = app.server.address();
  url = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}/mm7`;
  // Warm up before the memory baseline.
  const w = await post(validSubmit().contentType, validSubmit().body, GOOD_AUTH);
  assert.equal(w.code, 1000);
  heapBefore = heapAfterGc();
});

after(async () => {
  await gateway?.close();
  await app?.close();
  await bus?.close();
  client?.disconnect();
  await redis?.stop();
  rmSync(contentDir, { recursive: true, force: true });
});

function validSubmit(tx = 'fz-1'): MimeEntity {
  return encodeSubmitReq(
    { transactionId: tx, namespace: REL6, version: '6.8.0' },
    {
      senderIdentification: {
        vaspId: 'VASP1',
        vasId: 'SVC1',
        senderAddress: { kind: 'ShortCode', value: '12345' },
      },
      recipients: { to: [{ kind: 'Number', value: '+491511234567' }], cc: [], bcc: [] },
      subject: 'fuzz ✓',
      deliveryReport: true,
    },
    {
      contentType: 'multipart/related; type="application/smil"; start="<smil>"',
      contentId: 'content',
      parts: [
        {
          contentType: 'application/smil',
          contentId: 'smil',
          body: '<smil><body><par><img src="cid:img"/></par></body></smil>',
        },
        { contentType: 'text/plain; charset=utf-8', contentId: 'txt', body: 'Grüße' },
        { contentType: 'image/jpeg', contentId: 'img', body: Buffer.alloc(300, 0xd8) },
      ],
    },
    { boundary: 'fz-outer' },
  );
}

/** A bare text/xml SubmitReq (no content). */
const bareXml = encodeSubmitReq(
  { transactionId: 'fz-xml', namespace: REL6, version: '6.8.0' },
  {
    senderIdentification: { vaspId: 'VASP1', senderAddress: { kind: 'ShortCode', value: '12345' } },
    recipients: { to: [{ kind: 'Number', value: '+491511234567' }], cc: [], bcc: [] },
  },
);

interface Mm7Answer {
  readonly http: number;
  readonly type: string;
  readonly code: number | undefined;
}

/** POSTs and checks the answer is MM7; a socket hang trips the abort signal and fails the test. */
async function post(
  contentType: string | undefined,
  body: Buffer,
  auth: string | undefined,
): Promise<Mm7Answer> {
  const headers: Record<string, string> = {};
  if (contentType !== undefined) headers['content-type'] = contentType;
  if (auth !== undefined) headers.authorization = auth;
  const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(5_000) });
  const bytes = Buffer.from(await res.arrayBuffer());
  const ct = res.headers.get('content-type') ?? '';
  assert.match(
    ct,
    /^(text\/xml|multipart\/related)/,
    `HTTP ${res.status} answered ${ct}: ${bytes.toString().slice(0, 200)}`,
  );
  assert.doesNotMatch(bytes.toString('latin1', 0, 200), /<html/i);
  const d = decodeMm7Request(ct, bytes);
  const m = d.message;
  const code = 'status' in m ? m.status.code : undefined;
  if (res.status === 200) assert.equal(m.type, 'SubmitRsp', `HTTP 200 with ${m.type}`);
  else {
    assert.ok(res.status === 500 || res.status === 401, `HTTP ${res.status}`);
    assert.ok(m.type === 'RSErrorRsp' || m.type === 'Fault', `HTTP ${res.status} with ${m.type}`);
  }
  return { http: res.status, type: m.type, code };
}

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

const TOKENS = [
  '<',
  '>',
  '</',
  '/>',
  '&',
  '&#0;',
  '&#xD800;',
  ']]>',
  '<![CDATA[',
  '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>&e;',
  '<!ENTITY',
  '\r\n',
  '\r\n\r\n',
  '--',
  '--fz-outer',
  '--fz-outer--',
  'Content-Transfer-Encoding: base64\r\n',
  'Content-Type: multipart/related; boundary=fz-outer\r\n',
  '\0',
  '\xff',
  'cid:',
  '<MM7Version>1.0</MM7Version>',
  '<mm7:Number>x</mm7:Number>',
  '<mm7:VASPID>OTHER</mm7:VASPID>',
  'x'.repeat(2000),
].map((t) => Buffer.from(t, 'utf8'));

const mutation = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.constantFrom(...TOKENS) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 60 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(body: Buffer, muts: readonly Mutation[]): Buffer {
  let b = Buffer.from(body);
  for (const m of muts) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1);
    if (m.op === 'set') {
      if (at < b.length) b[at] = m.byte;
    } else if (m.op === 'insert') b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
    else if (m.op === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
    else b = b.subarray(0, at);
  }
  return b;
}

const valid = validSubmit();
const contentTypes = fc.oneof(
  { weight: 4, arbitrary: fc.constant('keep') },
  fc.constantFrom(
    undefined,
    'text/xml',
    'application/soap+xml; charset=utf-16',
    'multipart/related',
    'multipart/related; boundary=',
    'multipart/related; boundary="nope"',
    'multipart/form-data; boundary=fz-outer',
    'application/json',
    'application/x-www-form-urlencoded',
    'text/html',
    'image/png',
    '',
    ';;;',
    'text/xml; charset=x-bogus',
  ),
  fc.string({ maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
);

type Input =
  | { kind: 'mutated'; seed: 'multipart' | 'xml'; muts: Mutation[]; ct: string | undefined }
  | { kind: 'random'; body: Uint8Array; ct: string | undefined }
  | { kind: 'auth'; auth: string | undefined };

const input: fc.Arbitrary<Input> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('mutated' as const),
      seed: fc.constantFrom('multipart' as const, 'xml' as const),
      muts: fc.array(mutation, { minLength: 1, maxLength: 5 }),
      ct: contentTypes,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('random' as const),
      body: fc.uint8Array({ maxLength: 600 }),
      ct: contentTypes,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('auth' as const),
      auth: fc.oneof(
        fc.constant(undefined),
        fc.string({ maxLength: 60 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
        fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 })).map(([u, p]) => basic(u, p)),
        fc.constantFrom(
          'Basic',
          'Basic ',
          'Basic !!!!',
          `Basic ${Buffer.from('vasp1').toString('base64')}`,
          `Basic ${Buffer.from('vasp1:').toString('base64')}`,
          basic('vasp1', 'Secret'),
          basic('vasp1', 'secret '),
          basic('VASP1', 'secret'),
          basic('vasp1\0', 'secret'),
          `basic ${Buffer.from('vasp1:wrong').toString('base64')}`,
          'Bearer secret',
          'Digest username="vasp1"',
        ),
      ),
    }),
  },
);

test('300 fuzzed requests: every answer is MM7 (SubmitRsp or RSErrorRsp/Fault), never HTML, never a hang', async (t) => {
  const inputs = fc.sample(input, { seed: SEED, numRuns: 300 });
  const byOutcome = new Map<string, number>();
  let unauthorized = 0;
  // Four at a time: concurrent requests must not disturb each other either.
  for (let i = 0; i < inputs.length; i += 4) {
    await Promise.all(
      inputs.slice(i, i + 4).map(async (x, k) => {
        const label = `input ${i + k} (${x.kind})`;
        let a: Mm7Answer;
        if (x.kind === 'auth') {
          a = await post(valid.contentType, valid.body, x.auth);
          // Random credentials never authenticate (the only valid pair is not in the generator's reach).
          assert.equal(a.http, 401, `${label}: ${JSON.stringify(x.auth)} got HTTP ${a.http}`);
          assert.equal(a.code, 4001, label);
          unauthorized++;
        } else {
          const seedBody =
            x.kind === 'random' ? Buffer.from(x.body) : x.seed === 'multipart' ? valid.body : bareXml.body;
          const seedCt = x.kind === 'mutated' && x.seed === 'xml' ? bareXml.contentType : valid.contentType;
          const body = x.kind === 'mutated' ? mutate(seedBody, x.muts) : seedBody;
          a = await post(x.ct === 'keep' ? seedCt : x.ct, body, GOOD_AUTH).catch((e: unknown) => {
            throw new Error(`${label}: ${String(e)}`, { cause: e });
          });
          if (a.type === 'SubmitRsp') assert.equal(a.code, 1000, label);
          // Faults carry a real MM7 status: 2xxx (client) / 3xxx (server) / 4xxx (protocol).
          else
            assert.ok(a.code !== undefined && a.code >= 2000 && a.code < 5000, `${label}: status ${a.code}`);
        }
        const key = `${a.http} ${a.type} ${a.code}`;
        byOutcome.set(key, (byOutcome.get(key) ?? 0) + 1);
      }),
    );
  }
  t.diagnostic(JSON.stringify(Object.fromEntries([...byOutcome].sort())));
  assert.ok(unauthorized > 30, `only ${unauthorized} auth cases`);
  assert.ok((byOutcome.get('200 SubmitRsp 1000') ?? 0) > 10, 'some mutants must still be accepted');
  assert.equal(
    [...byOutcome.keys()].filter((k) => k.includes(' 3000') || k.includes(' 3001')).length,
    0,
    'no request may fail as an internal server error',
  );
});

test('after the fuzz run: a clean SubmitReq is accepted and the heap stayed bounded', async (t) => {
  const v = validSubmit('fz-final');
  const a = await post(v.contentType, v.body, GOOD_AUTH);
  assert.equal(a.http, 200);
  assert.equal(a.code, 1000);
  const grewBy = heapAfterGc() - heapBefore;
  t.diagnostic(`heap after GC grew by ${(grewBy / 1048576).toFixed(2)} MiB`);
  assert.ok(grewBy < 32 * 1024 * 1024, `heap grew by ${(grewBy / 1048576).toFixed(1)} MiB`);
});

test('HTTP-level abuse: oversized body → MM7 2004; aborted and non-HTTP connections do not disturb the endpoint', async () => {
  const big = await post('text/xml', Buffer.alloc(1_600_000, 0x20), GOOD_AUTH);
  assert.equal(big.code, 2004);
  const { connect } = await import('node:net');
  const { port } = new URL(url);
  const raw = async (bytes: string): Promise<string> =>
    await new Promise<string>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: Number(port) });
      let got = '';
      s.on('data', (c: Buffer) => {
        got += c.toString('latin1');
      });
      s.on('error', () => resolve(got));
      s.on('close', () => resolve(got));
      s.write(bytes);
      // A client that promised more body than it sends, then gives up.
      setTimeout(() => s.destroy(), 300);
    });
  await Promise.all([
    raw(
      `POST /mm7 HTTP/1.1\r\nHost: x\r\nAuthorization: ${GOOD_AUTH}\r\nContent-Type: text/xml\r\nContent-Length: 100000\r\n\r\n<a>`,
    ),
    raw('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage, not HTTP\r\n\r\n'),
    raw(
      'POST /mm7 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: text/xml\r\n\r\nzz\r\n',
    ),
    raw(`POST /mm7 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello`),
  ]);
  const v = validSubmit('fz-after-abuse');
  const ok = await post(v.contentType, v.body, GOOD_AUTH);
  assert.equal(ok.code, 1000);
});
