import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Queues } from '@hub/bus';
import { HubConfig } from '@hub/config';
import { buildReport, createMessage, type HubMessage, normalizeAddress } from '@hub/message';
import { decodeMm7Request, encodeDeliveryReportRsp, encodeSubmitReq } from '@hub/mm7';
import { createCore, createLogger } from '@hub/runtime';
import { hashSecret } from '@hub/store';
import { RedisServer, waitFor } from '@hub/testkit';
import { createMm7GatewayService } from './service.js';

test('createMm7GatewayService listens on listeners.mm7, accepts a SubmitReq and stops cleanly', async () => {
  const redis = await RedisServer.start();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hub-mm7-svc-'));
  const log = createLogger({ level: 'silent' });
  try {
    const config = HubConfig.parse({
      dataDir,
      listeners: { mm7: { host: '127.0.0.1', port: 0, path: '/mm7' } },
      accounts: [
        {
          id: 'v1',
          mm7: {
            vaspId: 'V1',
            username: 'v1',
            passwordHash: await hashSecret('pw', { N: 1024, r: 8, p: 1 }),
            deliveryUrl: 'http://127.0.0.1:9/none',
          },
        },
      ],
    });
    const core = await createCore(config, redis.url, 'svc-test', log);
    const controller = new AbortController();
    const service = await createMm7GatewayService({
      config,
      redisUrl: redis.url,
      instance: 'svc-test',
      log,
      core,
      signal: controller.signal,
    });
    try {
      assert.equal(service.name, 'mm7');
      const url = service.endpoints[0] ?? '';
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/mm7$/);
      assert.match(service.endpoints[1] ?? '', /v1/);
      const e = encodeSubmitReq(
        { transactionId: 'svc-1' },
        {
          senderIdentification: { vaspId: 'V1' },
          recipients: { to: [{ kind: 'Number', value: '+491511234567' }], cc: [], bcc: [] },
        },
        { contentType: 'text/plain', body: 'x'.repeat(5000) },
      );
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': e.contentType,
          authorization: `Basic ${Buffer.from('v1:pw').toString('base64')}`,
        },
        body: e.body,
        signal: AbortSignal.timeout(10_000),
      });
      const d = decodeMm7Request(
        res.headers.get('content-type') ?? undefined,
        Buffer.from(await res.arrayBuffer()),
      );
      assert.equal(res.status, 200);
      assert.ok(d.message.type === 'SubmitRsp' && d.message.messageId !== undefined);
      const msg = await core.messages.get(d.message.messageId);
      assert.ok(msg?.content.type === 'mms');
      assert.match(
        msg.content.parts[0]?.ref ?? '',
        /^redis:/,
        'a 5 KB part goes to the Redis tier of the content store',
      );
    } finally {
      await service.stop();
      await core.close();
    }
  } finally {
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('accounts reload live from the config store: auth follows edits, outbox workers start and stop with deliveryUrl', async () => {
  const redis = await RedisServer.start();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hub-mm7-reload-'));
  const log = createLogger({ level: 'silent' });
  // A VASP that answers every DeliveryReportReq with 1000 and records what it got.
  const got: string[] = [];
  const vasp = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const d = decodeMm7Request(req.headers['content-type'], Buffer.concat(chunks));
      if (d.message.type === 'DeliveryReportReq') got.push(d.message.messageId);
      const rsp = encodeDeliveryReportRsp({ transactionId: d.envelope.transactionId });
      res.writeHead(200, { 'content-type': rsp.contentType }).end(rsp.body);
    });
  });
  await new Promise<void>((r) => vasp.listen(0, '127.0.0.1', r));
  const va = vasp.address();
  const vaspUrl = `http://127.0.0.1:${typeof va === 'object' && va !== null ? va.port : 0}/mm7`;
  const hash = await hashSecret('pw2', { N: 1024, r: 8, p: 1 });
  const hash3 = await hashSecret('pw3', { N: 1024, r: 8, p: 1 });
  let password = 'pw2';
  const stored = (deliveryUrl?: string, passwordHash = hash) => ({
    id: 'v2',
    mm7: {
      vaspId: 'V2',
      username: 'v2',
      passwordHash,
      ...(deliveryUrl === undefined ? {} : { deliveryUrl }),
    },
  });
  try {
    const config = HubConfig.parse({
      dataDir,
      listeners: { mm7: { host: '127.0.0.1', port: 0, path: '/mm7' } },
      accounts: [],
      // Submits are routed at ingest: a route keeps them from ending rejected with a report in v2's outbox.
      routes: [{ id: 'mt', table: 'mt', order: 0, action: { type: 'connector', connector: 'parked' } }],
    });
    const core = await createCore(config, redis.url, 'reload-test', log);
    const service = await createMm7GatewayService({
      config,
      redisUrl: redis.url,
      instance: 'reload-test',
      log,
      core,
      signal: new AbortController().signal,
    });
    const url = service.endpoints[0] ?? '';
    const submit = async (): Promise<{ status: number; code: number | undefined }> => {
      const e = encodeSubmitReq(
        { transactionId: 'reload' },
        {
          senderIdentification: { vaspId: 'V2' },
          recipients: { to: [{ kind: 'Number', value: '+491511234567' }], cc: [], bcc: [] },
          deliveryReport: true,
        },
      );
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': e.contentType,
          authorization: `Basic ${Buffer.from(`v2:${password}`).toString('base64')}`,
        },
        body: e.body,
        signal: AbortSignal.timeout(10_000),
      });
      const d = decodeMm7Request(
        res.headers.get('content-type') ?? undefined,
        Buffer.from(await res.arrayBuffer()),
      );
      return { status: res.status, code: d.message.type === 'SubmitRsp' ? d.message.status.code : undefined };
    };
    const report = async (): Promise<string> => {
      const original = createMessage({
        id: core.ids.next(),
        direction: 'mt',
        kind: 'mms',
        origin: { protocol: 'mm7', account: 'v2', vaspId: 'V2' },
        from: normalizeAddress('12345')!,
        to: [normalizeAddress('+491511234567')!],
        content: { type: 'mms', parts: [] },
        options: { receipt: 'final' },
      });
      await core.messages.put(original);
      await core.bus.enqueue(
        Queues.outbox('v2'),
        buildReport(original, { state: 'delivered', at: Date.now() }, core.ids.next()),
      );
      return original.id;
    };
    try {
      assert.equal((await submit()).status, 401, 'v2 is not known yet');

      // 1) the account appears with a deliveryUrl: it may submit, and its reports are delivered.
      await core.configStore.put('accounts', 'v2', stored(vaspUrl));
      await waitFor(async () => (await submit()).status === 200, { what: 'v2 accepted after the put' });
      const first = await report();
      await waitFor(() => got.includes(first), { timeoutMs: 15_000, what: 'report delivered to v2' });

      // 2) deliveryUrl removed (and the password changed, so the reload is observable): the report
      //    waits in the outbox instead of being delivered, submits still work with the new password.
      await core.configStore.put('accounts', 'v2', stored(undefined, hash3));
      password = 'pw3';
      await waitFor(async () => (await submit()).status === 200, {
        what: 'v2 accepted with the new password',
      });
      const second = await report();
      assert.equal(await core.bus.depth(Queues.outbox('v2')), 1, 'the report waits in the outbox');
      assert.ok(!got.includes(second), 'not delivered while v2 has no deliveryUrl');

      // 3) the URL comes back: the waiting report is delivered without a restart.
      await core.configStore.put('accounts', 'v2', stored(vaspUrl, hash3));
      await waitFor(() => got.includes(second), { timeoutMs: 20_000, what: 'queued report delivered' });

      // 4) the account is deleted: refused again.
      await core.configStore.delete('accounts', 'v2');
      await waitFor(async () => (await submit()).status === 401, { what: 'v2 refused after delete' });
    } finally {
      await service.stop();
      await core.close();
    }
  } finally {
    await new Promise<void>((r) => vasp.close(() => r()));
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('SubmitReqs are routed at ingest: connector job without the route queue, rejected ones end here; atIngest false keeps the router hop', async () => {
  const redis = await RedisServer.start();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hub-mm7-ingest-'));
  const log = createLogger({ level: 'silent' });
  const passwordHash = await hashSecret('pw', { N: 1024, r: 8, p: 1 });
  const run = async (atIngest: boolean, check: (core: Core, post: Post) => Promise<void>) => {
    const config = HubConfig.parse({
      dataDir,
      listeners: { mm7: { host: '127.0.0.1', port: 0, path: '/mm7' } },
      accounts: [{ id: 'v1', mm7: { vaspId: 'V1', username: 'v1', passwordHash } }],
      routes: [
        {
          id: 'de',
          table: 'mt',
          order: 1,
          filters: [{ type: 'destinationPrefix', prefixes: ['49'] }],
          action: { type: 'connector', connector: 'c1' },
        },
      ],
      routing: { atIngest },
    });
    const core = await createCore(config, redis.url, 'ingest-test', log);
    const service = await createMm7GatewayService({
      config,
      redisUrl: redis.url,
      instance: 'ingest-test',
      log,
      core,
      signal: new AbortController().signal,
    });
    const post: Post = async (to, deliveryReport) => {
      const e = encodeSubmitReq(
        { transactionId: 'ingest' },
        {
          senderIdentification: { vaspId: 'V1' },
          recipients: { to: [{ kind: 'Number', value: to }], cc: [], bcc: [] },
          deliveryReport,
        },
      );
      const res = await fetch(service.endpoints[0] ?? '', {
        method: 'POST',
        headers: {
          'content-type': e.contentType,
          authorization: `Basic ${Buffer.from('v1:pw').toString('base64')}`,
        },
        body: e.body,
        signal: AbortSignal.timeout(10_000),
      });
      const d = decodeMm7Request(
        res.headers.get('content-type') ?? undefined,
        Buffer.from(await res.arrayBuffer()),
      );
      assert.equal(res.status, 200);
      assert.ok(d.message.type === 'SubmitRsp' && d.message.messageId !== undefined);
      const msg = await core.messages.get(d.message.messageId);
      assert.ok(msg !== undefined);
      return msg;
    };
    try {
      await check(core, post);
    } finally {
      await service.stop();
      await core.close();
    }
  };
  try {
    await run(true, async (core, post) => {
      const routed = await post('+491511234567', false);
      assert.equal(routed.state, 'routed');
      assert.equal(routed.route?.connector, 'c1');
      assert.deepEqual(
        routed.history.map((h) => h.hop),
        ['received', 'routed'],
      );
      assert.equal(await core.bus.depth(Queues.connector('c1')), 1, 'straight on the connector queue');
      assert.equal(await core.bus.depth(Queues.route), 0, 'nothing for the router');
      // No route for +1: accepted (the VASP has its id), ended rejected here, with the report it asked for.
      const rejected = await post('+12025550100', true);
      assert.equal(rejected.state, 'rejected');
      assert.equal(await core.bus.depth(Queues.outbox('v1')), 1, 'the delivery report is owed');
    });
    await run(false, async (core, post) => {
      const msg = await post('+491511234567', false);
      assert.equal(msg.state, 'accepted');
      assert.equal(await core.bus.depth(Queues.route), 1, 'the router routes it');
    });
  } finally {
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

type Core = Awaited<ReturnType<typeof createCore>>;
type Post = (to: string, deliveryReport: boolean) => Promise<HubMessage>;
