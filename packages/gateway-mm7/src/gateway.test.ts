import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Bus, createBus, createRedisConnection, Queues, type RedisConnection } from '@hub/bus';
import { Account } from '@hub/config';
import { buildReport, createMessage, type HubMessage, IdGenerator, normalizeAddress } from '@hub/message';
import {
  type DecodedMm7Request,
  decodeMm7Request,
  encodeCancelReq,
  encodeDeliverRsp,
  encodeDeliveryReportReq,
  encodeDeliveryReportRsp,
  encodeReadReplyRsp,
  encodeReplaceReq,
  encodeSubmitReq,
  type MimeEntity,
  type MimePartInput,
  mm7NamespaceFor,
  relativeTime,
} from '@hub/mm7';
import {
  FileContentStore,
  hashSecret,
  MessageStore,
  RedisContentStore,
  TieredContentStore,
} from '@hub/store';
import { RedisServer, waitFor } from '@hub/testkit';
import type { FastifyInstance } from 'fastify';
import { VaspDirectory } from './accounts.js';
import { buildMm7App } from './app.js';
import { Mm7Gateway } from './gateway.js';
import { silentLogger } from './ports.js';

const vectorsDir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../shared/vectors/mm7',
);
const REL6 = mm7NamespaceFor('REL-6-MM7-1-4');
const REL5 = mm7NamespaceFor('REL-5-MM7-1-0');

// ---- a simulated VASP: records what Hub posts, answers as scripted ---------------------------------------

interface Received {
  readonly auth: string | undefined;
  readonly decoded: DecodedMm7Request;
}
const received: Received[] = [];
/** How many more times the VASP answers HTTP 500 before answering properly. */
let failNext = 0;
let vasp: Server;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function startVasp(): Promise<string> {
  vasp = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (failNext > 0) {
        failNext -= 1;
        res.writeHead(500, { 'content-type': 'text/html' }).end('<html>busy</html>');
        return;
      }
      const decoded = decodeMm7Request(req.headers['content-type'], body);
      received.push({ auth: req.headers.authorization, decoded });
      const ctx = {
        transactionId: decoded.envelope.transactionId,
        namespace: decoded.envelope.namespace,
        version: decoded.envelope.version,
      };
      const rsp: MimeEntity =
        decoded.message.type === 'DeliverReq'
          ? encodeDeliverRsp(ctx)
          : decoded.message.type === 'ReadReplyReq'
            ? encodeReadReplyRsp(ctx)
            : encodeDeliveryReportRsp(ctx);
      res.writeHead(200, { 'content-type': rsp.contentType }).end(rsp.body);
    })();
  });
  await new Promise<void>((r) => vasp.listen(0, '127.0.0.1', r));
  const a = vasp.address();
  return `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}/vasp/mm7`;
}

// ---- Hub side: real Redis, bus, store, content store, HTTP on 127.0.0.1 ----------------------------------

let redis: RedisServer;
let conn: RedisConnection;
let bus: Bus;
let store: MessageStore;
let content: TieredContentStore;
let gateway: Mm7Gateway;
let app: FastifyInstance;
let base: string;
let contentDir: string;
let client: ReturnType<RedisConnection['client']>;
const ids = new IdGenerator(11);

before(async () => {
  redis = await RedisServer.start();
  conn = createRedisConnection({ url: redis.url, prefix: 'gwmm7' });
  bus = createBus({ connection: conn });
  client = conn.client('command');
  store = new MessageStore({ redis: client, prefix: conn.prefix });
  contentDir = mkdtempSync(path.join(tmpdir(), 'hub-mm7-content-'));
  content = new TieredContentStore({
    small: new RedisContentStore({ redis: client, prefix: conn.prefix }),
    large: new FileContentStore({ dir: contentDir }),
    thresholdBytes: 4096,
  });
  const vaspUrl = await startVasp();
  // Cheap scrypt cost: the test checks the flow, not the hash strength.
  const passwordHash = await hashSecret('secret', { N: 1024, r: 8, p: 1 });
  const mm7 = (o: Record<string, unknown>) => ({
    username: o.vaspId,
    passwordHash,
    maxContentBytes: 200_000,
    ...o,
  });
  const accounts = [
    {
      id: 'vasp1',
      mm7: mm7({
        vaspId: 'VASP1',
        vasIds: ['SVC1'],
        username: 'vasp1',
        deliveryUrl: vaspUrl,
        deliveryUsername: 'hub',
        deliveryPassword: 'hubpw',
      }),
    },
    { id: 'fixture', mm7: mm7({ vaspId: 'vasp-001' }) },
    { id: 'prls', mm7: mm7({ vaspId: 'PRLS01AUDC' }) },
    { id: 'skycore', mm7: mm7({ vaspId: 'spUsdstW2u6GbvnMOsdseXrBa7NNLwTdKL' }) },
    { id: 'locked', allowedIps: ['10.0.0.0/8'], mm7: mm7({ vaspId: 'LOCKED' }) },
    { id: 'off', enabled: false, mm7: mm7({ vaspId: 'OFF' }) },
  ].map((a) => Account.parse(a));
  const { verifySecret } = await import('@hub/store');
  gateway = new Mm7Gateway({
    accounts: new VaspDirectory(accounts),
    store,
    bus,
    content,
    ids,
    verifyPassword: verifySecret,
    instance: 'test',
    log: silentLogger,
    routeQueueHighWater: 100_000,
    delivery: { timeoutMs: 5_000 },
  });
  app = buildMm7App({ gateway, path: '/mm7', log: silentLogger });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const a = app.server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}/mm7`;
});

after(async () => {
  await gateway?.close();
  await app?.close();
  await bus?.close();
  client?.disconnect();
  vasp?.closeAllConnections();
  await new Promise((r) => vasp?.close(r));
  await redis?.stop();
  rmSync(contentDir, { recursive: true, force: true });
});

// ---- helpers ---------------------------------------------------------------------------------------------

const basic = (user: string, pass: string): string =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly decoded: DecodedMm7Request;
}

async function post(
  entity: { contentType: string; body: Buffer },
  auth: string | null = basic('vasp1', 'secret'),
): Promise<Answer> {
  const res = await fetch(base, {
    method: 'POST',
    headers: { 'content-type': entity.contentType, ...(auth === null ? {} : { authorization: auth }) },
    body: entity.body,
    signal: AbortSignal.timeout(10_000),
  });
  const body = Buffer.from(await res.arrayBuffer());
  return {
    status: res.status,
    headers: res.headers,
    decoded: decodeMm7Request(res.headers.get('content-type') ?? undefined, body),
  };
}

function statusOf(a: Answer): { code: number; details: string | undefined } {
  const m = a.decoded.message;
  assert.ok('status' in m, `expected a status in ${m.type}`);
  return { code: m.status.code, details: m.status.details };
}

function jpeg(size: number): Buffer {
  const b = randomBytes(size);
  b[0] = 0xff;
  b[1] = 0xd8;
  b[2] = 0xff;
  return b;
}

const SMIL = '<smil><body><par><img src="cid:img1"/><text src="cid:txt1"/></par></body></smil>';

function mmsContent(image: Buffer): MimePartInput {
  return {
    contentType: 'multipart/related; type="application/smil"; start="<smil>"',
    contentId: 'content',
    parts: [
      { contentType: 'application/smil', contentId: 'smil', body: SMIL },
      { contentType: 'text/plain; charset=utf-8', contentId: 'txt1', body: 'Grüße from the VASP' },
      { contentType: 'image/jpeg', contentId: 'img1', contentLocation: 'photo.jpg', body: image },
    ],
  };
}

function submit(
  over: {
    ctx?: { transactionId?: string; namespace?: string; version?: string };
    vaspId?: string;
    vasId?: string;
    to?: string[];
  } & Record<string, unknown> = {},
  parts?: MimePartInput,
): MimeEntity {
  const { ctx, vaspId, vasId, to, ...fields } = over;
  return encodeSubmitReq(
    { transactionId: 'tx-1', namespace: REL6, version: '6.8.0', ...ctx },
    {
      senderIdentification: {
        vaspId: vaspId ?? 'VASP1',
        vasId: vasId ?? 'SVC1',
        senderAddress: { kind: 'ShortCode', value: '12345' },
      },
      recipients: {
        to: (to ?? ['+491511234567']).map((v) => ({ kind: 'Number' as const, value: v })),
        cc: [],
        bcc: [],
      },
      ...fields,
    },
    parts,
  );
}

async function submitted(a: Answer): Promise<HubMessage> {
  assert.equal(a.status, 200);
  const m = a.decoded.message;
  assert.equal(m.type, 'SubmitRsp');
  assert.equal(m.status.code, 1000);
  assert.ok(m.messageId !== undefined);
  const msg = await store.get(m.messageId);
  assert.ok(msg !== undefined, 'message stored in Redis');
  return msg;
}

// ---- SubmitReq --------------------------------------------------------------------------------------------

test('REL-6 6.8.0 SubmitReq with a JPEG: SubmitRsp 1000 echoing the envelope, message and parts stored, route job queued', async () => {
  const image = jpeg(20_000);
  const a = await post(
    submit(
      {
        subject: 'Photo',
        deliveryReport: true,
        readReply: true,
        priority: 'High',
        serviceCode: 'SC42',
        linkedId: 'mo-77',
        messageClass: 'Informational',
        chargedParty: 'Recipient',
        distributionIndicator: false,
        expiryDate: relativeTime(3600),
        to: ['+491511234567'],
        ctx: { transactionId: '  tx-rel6-jpeg  ' },
      },
      mmsContent(image),
    ),
  );
  assert.equal(a.decoded.envelope.transactionId, 'tx-rel6-jpeg');
  assert.equal(a.decoded.envelope.namespace, REL6);
  assert.equal(a.decoded.envelope.version, '6.8.0');
  const msg = await submitted(a);
  assert.equal(msg.kind, 'mms');
  assert.equal(msg.direction, 'mt');
  assert.equal(msg.state, 'accepted');
  assert.deepEqual(
    { ...msg.origin, instance: undefined, remoteAddress: undefined },
    {
      protocol: 'mm7',
      account: 'vasp1',
      vaspId: 'VASP1',
      vasId: 'SVC1',
      transactionId: 'tx-rel6-jpeg',
      instance: undefined,
      remoteAddress: undefined,
    },
  );
  assert.deepEqual(msg.from, { kind: 'short', value: '12345', original: '12345' });
  assert.equal(msg.to[0]?.value, '+491511234567');
  assert.equal(msg.options.receipt, 'final');
  assert.equal(msg.options.readReply, true);
  assert.equal(msg.options.priority, 2);
  assert.equal(msg.options.serviceCode, 'SC42');
  assert.equal(msg.options.linkedId, 'mo-77');
  assert.equal(msg.options.messageClass, 'Informational');
  assert.equal(msg.options.chargedParty, 'Recipient');
  assert.equal(msg.options.distributionIndicator, false);
  assert.ok(msg.options.expireAt !== undefined && msg.options.expireAt > Date.now() + 3_500_000);
  assert.equal(msg.extras?.mm7?.namespace, REL6);
  assert.equal(msg.extras?.mm7?.version, '6.8.0');
  assert.ok(msg.content.type === 'mms');
  assert.equal(msg.content.subject, 'Photo');
  assert.equal(msg.content.contentType, 'multipart/related');
  assert.equal(msg.content.start, 'smil');
  assert.deepEqual(
    msg.content.parts.map((p) => [
      p.contentType,
      p.contentId,
      p.size,
      p.inline !== undefined,
      p.ref !== undefined,
    ]),
    [
      ['application/smil', 'smil', Buffer.byteLength(SMIL), true, false],
      ['text/plain', 'txt1', Buffer.byteLength('Grüße from the VASP'), true, false],
      ['image/jpeg', 'img1', 20_000, false, true],
    ],
  );
  const img = msg.content.parts[2];
  assert.equal(img?.location, 'photo.jpg');
  assert.ok(img?.ref?.startsWith('file:'), 'a 20 KB part goes to the large tier');
  assert.deepEqual(await content.get(img.ref ?? ''), image);
  assert.equal(
    Buffer.from(msg.content.parts[1]?.inline ?? '', 'base64').toString('utf8'),
    'Grüße from the VASP',
  );
  assert.equal(msg.content.parts[1]?.charset, 'utf-8');
  // The route job exists and is still waiting (removing it proves both).
  assert.equal(await bus.remove(Queues.route, msg.id), true);
});

test('REL-5 5.3.0 SubmitReq as plain text/xml (no content): 1000, namespace and version echoed', async () => {
  const entity = submit({
    ctx: { namespace: REL5, version: '5.3.0', transactionId: 'tx-rel5' },
    subject: 'no content',
    priority: 'Low',
  });
  assert.match(entity.contentType, /^text\/xml/);
  const a = await post(entity);
  assert.equal(a.decoded.envelope.namespace, REL5);
  assert.equal(a.decoded.envelope.version, '5.3.0');
  assert.equal(a.decoded.envelope.transactionId, 'tx-rel5');
  const msg = await submitted(a);
  assert.ok(msg.content.type === 'mms');
  assert.deepEqual(msg.content.parts, []);
  assert.equal(msg.options.priority, 0);
  assert.equal(msg.options.receipt, 'none');
  assert.equal(await bus.remove(Queues.route, msg.id), true);
});

test('SubmitReq with Cc/Bcc, a relative EarliestDeliveryTime and an RFC2822 recipient', async () => {
  const entity = encodeSubmitReq(
    { transactionId: 'tx-cc', namespace: REL6, version: '6.5.0' },
    {
      senderIdentification: {
        vaspId: 'VASP1',
        vasId: 'SVC1',
        senderAddress: { kind: 'Number', value: '+4930123456/TYPE=PLMN' },
      },
      recipients: {
        to: [{ kind: 'RFC2822Address', value: 'Someone <someone@example.com>' }],
        cc: [{ kind: 'Number', value: '491701234567' }],
        bcc: [{ kind: 'ShortCode', value: '1065580001' }],
      },
      earliestDeliveryTime: relativeTime(600),
    },
  );
  const msg = await submitted(await post(entity));
  assert.equal(msg.from.value, '+4930123456');
  assert.deepEqual(
    msg.to.map((a) => [a.kind, a.value]),
    [['email', 'someone@example.com']],
  );
  assert.deepEqual(
    msg.cc?.map((a) => [a.kind, a.value]),
    [['e164', '+491701234567']],
  );
  assert.deepEqual(
    msg.bcc?.map((a) => [a.kind, a.value]),
    [['short', '1065580001']],
  );
  assert.ok(msg.options.scheduleAt !== undefined && msg.options.scheduleAt > Date.now() + 500_000);
  assert.equal(await bus.remove(Queues.route, msg.id), true, 'a scheduled message waits as a delayed job');
});

// ---- real-world vectors ---------------------------------------------------------------------------------

function vector(name: string): Buffer | undefined {
  const p = path.join(vectorsDir, name);
  return existsSync(p) ? readFileSync(p) : undefined;
}

test('vector: REL-5 5.3.0 VectorCore fixture (text part, ShortCode sender) is accepted', async (t) => {
  const body = vector('submitreq-rel5-mm7-1-0-v5.3.0-vectorcore-fixture-shortcode-text.mime');
  if (body === undefined) return t.skip('shared vectors absent (../shared/vectors/mm7)');
  const a = await post(
    { contentType: 'multipart/related; boundary="soap-boundary"; type="text/xml"', body },
    basic('vasp-001', 'secret'),
  );
  assert.equal(a.decoded.envelope.transactionId, 'txn-fixture');
  assert.equal(a.decoded.envelope.namespace, REL5);
  const msg = await submitted(a);
  assert.equal(msg.origin.vasId, 'service-001');
  assert.ok(msg.content.type === 'mms');
  assert.equal(msg.content.subject, 'Hello');
  assert.equal(
    Buffer.from(msg.content.parts[0]?.inline ?? '', 'base64')
      .toString()
      .trim(),
    'hello from fixture',
  );
  await bus.remove(Queues.route, msg.id);
});

test('vector: REL-6 6.8.0 text + base64 JPEG in a nested multipart/mixed is accepted with both parts', async (t) => {
  const body = vector('submitreq-rel6-mm7-1-4-v6.8.0-text-jpeg-multipart-mixed.mime');
  if (body === undefined) return t.skip('shared vectors absent (../shared/vectors/mm7)');
  const boundary = /^--(\S+)/.exec(body.toString('latin1'))?.[1] ?? '';
  const a = await post(
    { contentType: `multipart/related; boundary="${boundary}"; type="text/xml"`, body },
    basic('PRLS01AUDC', 'secret'),
  );
  const msg = await submitted(a);
  assert.ok(msg.content.type === 'mms');
  assert.equal(msg.content.contentType, 'multipart/mixed');
  const types = msg.content.parts.map((p) => p.contentType);
  assert.deepEqual(types, ['text/plain', 'image/jpeg']);
  const img = msg.content.parts[1];
  assert.ok(img !== undefined);
  const bytes = img.ref !== undefined ? await content.get(img.ref) : Buffer.from(img.inline ?? '', 'base64');
  assert.deepEqual([...bytes.subarray(0, 2)], [0xff, 0xd8]);
  assert.equal(msg.options.chargedParty, 'Sender');
  await bus.remove(Queues.route, msg.id);
});

test('vector: Skycore HTTP capture decodes; its 2015 ExpiryDate is refused with 2007 and the TransactionID echoed', async (t) => {
  const raw = vector('submitreq-rel6-mm7-1-4-v6.8.0-skycore-doc-http-post-multipart.http');
  if (raw === undefined) return t.skip('shared vectors absent (../shared/vectors/mm7)');
  const sep = raw.indexOf('\r\n\r\n') >= 0 ? raw.indexOf('\r\n\r\n') + 4 : raw.indexOf('\n\n') + 2;
  const head = raw
    .subarray(0, sep)
    .toString('latin1')
    .replace(/\r?\n[ \t]+/g, ' ');
  const contentType = /^content-type:\s*(.+)$/im.exec(head)?.[1]?.trim() ?? '';
  const a = await post(
    { contentType, body: raw.subarray(sep) },
    basic('spUsdstW2u6GbvnMOsdseXrBa7NNLwTdKL', 'secret'),
  );
  assert.equal(a.status, 500);
  assert.equal(a.decoded.message.type, 'RSErrorRsp');
  assert.equal(statusOf(a).code, 2007);
  assert.equal(a.decoded.envelope.transactionId, '555e29f8879be');
});

// ---- refusals -------------------------------------------------------------------------------------------

test('authentication: missing, wrong password, unknown user → 401 + WWW-Authenticate + RSErrorRsp 4001', async () => {
  for (const auth of [null, basic('vasp1', 'wrong'), basic('nobody', 'secret'), 'Bearer xyz']) {
    const a = await post(submit(), auth);
    assert.equal(a.status, 401, String(auth));
    assert.match(a.headers.get('www-authenticate') ?? '', /^Basic /);
    assert.equal(a.decoded.message.type, 'RSErrorRsp');
    assert.equal(statusOf(a).code, 4001);
  }
});

test('IP allowlist and disabled accounts → 2001 Operation restricted (HTTP 500 Fault)', async () => {
  const locked = await post(submit({ vaspId: 'LOCKED' }), basic('LOCKED', 'secret'));
  assert.equal(locked.status, 500);
  assert.equal(statusOf(locked).code, 2001);
  const off = await post(submit({ vaspId: 'OFF' }), basic('OFF', 'secret'));
  assert.equal(statusOf(off).code, 2001);
});

test('VASPID or VASID not matching the account → 4001, with the TransactionID echoed', async () => {
  const a = await post(submit({ vaspId: 'OTHER', ctx: { transactionId: 'tx-mismatch' } }));
  assert.equal(a.status, 500);
  assert.equal(a.decoded.message.type, 'RSErrorRsp');
  assert.equal(statusOf(a).code, 4001);
  assert.equal(a.decoded.envelope.transactionId, 'tx-mismatch');
  const b = await post(submit({ vasId: 'SVC-NOT-LISTED' }));
  assert.equal(statusOf(b).code, 4001);
});

test('a bad recipient address → 2002', async () => {
  const a = await post(submit({ to: ['+491511234567', 'not a number!'] }));
  assert.equal(a.status, 500);
  assert.equal(statusOf(a).code, 2002);
});

test('an unparsable body → 4004 with the parser reason in Details', async () => {
  const a = await post({
    contentType: 'text/xml',
    body: Buffer.from(
      '<?xml version="1.0"?><env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body><SubmitReq>',
    ),
  });
  assert.equal(a.status, 500);
  const s = statusOf(a);
  assert.equal(s.code, 4004);
  assert.ok(s.details !== undefined && s.details.length > 0, 'Details carries the reason');
  const junk = await post({ contentType: 'application/json', body: Buffer.from('{"not":"soap"}') });
  assert.equal(statusOf(junk).code, 4004);
});

test('an unknown MM7Version → 4002', async () => {
  const a = await post(submit({ ctx: { version: '9.1.0', transactionId: 'tx-v9' } }));
  assert.equal(a.status, 500);
  assert.equal(statusOf(a).code, 4002);
  assert.equal(a.decoded.envelope.transactionId, 'tx-v9');
});

test('content above the account limit → 2004; a body above the endpoint limit → 2004 too', async () => {
  const a = await post(submit({}, mmsContent(jpeg(210_000))));
  assert.equal(a.status, 500);
  assert.equal(statusOf(a).code, 2004);
  const huge = await post({
    contentType: 'multipart/related; boundary=x',
    body: Buffer.alloc(2 * 1024 * 1024, 0x41),
  });
  assert.equal(statusOf(huge).code, 2004);
});

test('a Content href that matches no part → 2004', async () => {
  const xml = encodeSubmitReq(
    { transactionId: 'tx-href', namespace: REL6, version: '6.8.0' },
    {
      senderIdentification: { vaspId: 'VASP1', vasId: 'SVC1' },
      recipients: { to: [{ kind: 'Number', value: '+491511234567' }], cc: [], bcc: [] },
      content: [{ href: 'cid:missing' }],
    },
  );
  const a = await post(xml);
  assert.equal(statusOf(a).code, 2004);
});

test('requests that travel Hub → VASP (DeliveryReportReq) are refused with 4003', async () => {
  const e = encodeDeliveryReportReq(
    { transactionId: 'tx-dr', namespace: REL6, version: '6.8.0' },
    {
      messageId: 'X',
      recipient: { kind: 'Number', value: '+491511234567' },
      sender: { kind: 'ShortCode', value: '1' },
      mmStatus: 'Retrieved',
    },
  );
  const a = await post(e);
  assert.equal(statusOf(a).code, 4003);
});

// ---- CancelReq / ReplaceReq ----------------------------------------------------------------------------

test('CancelReq of a waiting message → 1000 and the message is deleted; again → 3001; unknown → 2005', async () => {
  const msg = await submitted(await post(submit({ earliestDeliveryTime: relativeTime(3600) })));
  const cancel = (id: string) =>
    encodeCancelReq(
      { transactionId: 'tx-cancel', namespace: REL6, version: '6.8.0' },
      { senderIdentification: { vaspId: 'VASP1', vasId: 'SVC1' }, messageId: id },
    );
  const a = await post(cancel(msg.id));
  assert.equal(a.status, 200);
  assert.equal(a.decoded.message.type, 'CancelRsp');
  assert.equal(statusOf(a).code, 1000);
  assert.equal((await store.get(msg.id))?.state, 'deleted');
  assert.equal(await bus.remove(Queues.route, msg.id), false, 'the route job is gone');
  assert.equal(statusOf(await post(cancel(msg.id))).code, 3001);
  assert.equal(statusOf(await post(cancel('00000000DEADBEEF'))).code, 2005);
});

test('ReplaceReq of a waiting message replaces its content and requeues it → ReplaceRsp 1000', async () => {
  const msg = await submitted(
    await post(
      submit({ earliestDeliveryTime: relativeTime(3600) }, { contentType: 'text/plain', body: 'old text' }),
    ),
  );
  const e = encodeReplaceReq(
    { transactionId: 'tx-replace', namespace: REL6, version: '6.8.0' },
    { senderIdentification: { vaspId: 'VASP1', vasId: 'SVC1' }, messageId: msg.id, serviceCode: 'NEW' },
    { contentType: 'text/plain; charset=utf-8', body: 'new text' },
  );
  const a = await post(e);
  assert.equal(a.decoded.message.type, 'ReplaceRsp');
  assert.equal(statusOf(a).code, 1000);
  const after = await store.get(msg.id);
  assert.ok(after?.content.type === 'mms');
  assert.equal(Buffer.from(after.content.parts[0]?.inline ?? '', 'base64').toString(), 'new text');
  assert.equal(after.options.serviceCode, 'NEW');
  assert.equal(after.options.scheduleAt, msg.options.scheduleAt, 'options not replaced are kept');
  assert.equal(await bus.remove(Queues.route, msg.id), true, 'requeued for the router');
});

// ---- outbox delivery to the VASP ------------------------------------------------------------------------

test('outbox: DeliveryReportReq, ReadReplyReq and DeliverReq reach the VASP; a 500 is retried', async () => {
  const served = gateway.startDelivery();
  assert.deepEqual(served, ['vasp1']);
  await gateway.ready();

  // The original MT the VASP submitted, stored as the router would find it.
  const original = await submitted(
    await post(
      submit({
        deliveryReport: true,
        ctx: { namespace: mm7NamespaceFor('REL-6-MM7-1-2'), version: '6.3.0' },
      }),
    ),
  );
  await bus.remove(Queues.route, original.id);

  // 1) delivery report, after the VASP first answers 500
  failNext = 1;
  const report = buildReport(
    original,
    { state: 'delivered', at: Date.now(), statusText: 'handset retrieved' },
    ids.next(),
  );
  await bus.enqueue(Queues.outbox('vasp1'), report);
  const dr = await waitFor(() => received.find((r) => r.decoded.message.type === 'DeliveryReportReq'), {
    timeoutMs: 15_000,
    what: 'DeliveryReportReq',
  });
  assert.equal(failNext, 0, 'the first attempt got the 500');
  assert.equal(dr.auth, basic('hub', 'hubpw'));
  assert.ok(dr.decoded.message.type === 'DeliveryReportReq');
  assert.equal(dr.decoded.message.messageId, original.id);
  assert.equal(dr.decoded.message.mmStatus, 'Retrieved');
  assert.equal(dr.decoded.message.statusText, 'handset retrieved');
  assert.equal(dr.decoded.message.recipient?.value, '+491511234567');
  assert.equal(dr.decoded.message.sender?.value, '12345');
  assert.equal(
    dr.decoded.envelope.namespace,
    mm7NamespaceFor('REL-6-MM7-1-2'),
    'speaks the VASP its own namespace',
  );
  assert.equal(dr.decoded.envelope.version, '6.3.0');
  await waitFor(
    async () => (await store.get(original.id))?.history.some((h) => h.hop === 'receipt_delivered'),
    { what: 'receipt_delivered stamp' },
  );

  // 2) read reply
  const rr = { ...buildReport(original, { state: 'delivered', at: Date.now() }, ids.next()) };
  rr.report = { ...rr.report!, read: true };
  await bus.enqueue(Queues.outbox('vasp1'), rr);
  const got = await waitFor(() => received.find((r) => r.decoded.message.type === 'ReadReplyReq'), {
    timeoutMs: 10_000,
    what: 'ReadReplyReq',
  });
  assert.ok(got.decoded.message.type === 'ReadReplyReq');
  assert.equal(got.decoded.message.mmStatus, 'Read');
  assert.equal(got.decoded.message.messageId, original.id);

  // 3) MO MMS with an inline part and a stored one
  const image = jpeg(9_000);
  const ref = await content.put(image);
  const mo = createMessage({
    id: ids.next(),
    direction: 'mo',
    kind: 'mms',
    origin: { protocol: 'mm4', connector: 'peer1' },
    from: normalizeAddress('+491701111111')!,
    to: [normalizeAddress('12345')!],
    content: {
      type: 'mms',
      subject: 'MO photo',
      contentType: 'multipart/related',
      start: 'smil',
      parts: [
        {
          contentType: 'application/smil',
          contentId: 'smil',
          size: SMIL.length,
          inline: Buffer.from(SMIL).toString('base64'),
        },
        { contentType: 'image/jpeg', contentId: 'img1', size: image.length, ref },
      ],
    },
    options: { receipt: 'none', priority: 0 },
  });
  await store.put(mo);
  await bus.enqueue(Queues.outbox('vasp1'), mo);
  const deliver = await waitFor(() => received.find((r) => r.decoded.message.type === 'DeliverReq'), {
    timeoutMs: 10_000,
    what: 'DeliverReq',
  });
  assert.ok(deliver.decoded.message.type === 'DeliverReq');
  assert.equal(deliver.decoded.message.sender?.value, '+491701111111');
  assert.equal(deliver.decoded.message.subject, 'MO photo');
  assert.equal(deliver.decoded.message.vaspId, 'VASP1');
  const top = deliver.decoded.attachments[0]?.part;
  assert.equal(top?.contentType, 'multipart/related');
  assert.deepEqual(
    top?.parts?.map((p) => p.contentType),
    ['application/smil', 'image/jpeg'],
  );
  assert.deepEqual(top?.parts?.[1]?.body, image);
  await waitFor(async () => (await store.get(mo.id))?.history.some((h) => h.hop === 'delivered_to_client'), {
    what: 'delivered_to_client stamp',
  });

  // 4) SMS MO as text-only DeliverReq
  const sms = createMessage({
    id: ids.next(),
    direction: 'mo',
    kind: 'sms',
    origin: { protocol: 'smpp', connector: 'smsc1' },
    from: normalizeAddress('+491702222222')!,
    to: [normalizeAddress('12345')!],
    content: {
      type: 'sms',
      dataCoding: 0,
      text: 'STOP',
      bytes: Buffer.from('STOP').toString('base64'),
      segments: 1,
    },
    options: { receipt: 'none', priority: 0 },
  });
  await bus.enqueue(Queues.outbox('vasp1'), sms);
  const text = await waitFor(
    () =>
      received.find(
        (r) => r.decoded.message.type === 'DeliverReq' && r.decoded.message.sender?.value === '+491702222222',
      ),
    { timeoutMs: 10_000, what: 'SMS DeliverReq' },
  );
  assert.equal(text.decoded.attachments[0]?.part.body.toString(), 'STOP');
});

test('responses are MM7 even for an empty POST body', async () => {
  const a = await post({ contentType: 'text/xml', body: Buffer.alloc(0) });
  assert.equal(a.decoded.message.type, 'RSErrorRsp');
  assert.equal(statusOf(a).code, 4004);
});

test('syncDelivery starts and stops outbox workers as accounts gain and lose deliveryUrl', async () => {
  const directory = gateway.accounts;
  const before = directory.all();
  const vasp1 = directory.byId('vasp1')!;
  const withoutUrl = Account.parse({ ...vasp1, mm7: { ...vasp1.mm7, deliveryUrl: undefined } });
  const fixture = directory.byId('fixture')!;
  const fixtureWithUrl = Account.parse({
    ...fixture,
    mm7: { ...fixture.mm7, deliveryUrl: vasp1.mm7?.deliveryUrl },
  });
  try {
    directory.replace(
      before.map((a) => (a.id === 'vasp1' ? withoutUrl : a.id === 'fixture' ? fixtureWithUrl : a)),
    );
    assert.deepEqual(await gateway.syncDelivery(), ['fixture']);
    assert.deepEqual(gateway.delivering(), ['fixture'], 'vasp1 stopped, fixture started');
    directory.replace(before);
    assert.deepEqual(await gateway.syncDelivery(), ['vasp1']);
    assert.deepEqual(gateway.delivering(), ['vasp1']);
  } finally {
    directory.replace(before);
    await gateway.syncDelivery();
  }
});
