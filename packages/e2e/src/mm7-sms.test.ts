/**
 * End to end across protocols, in one process: a VASP posts an MM7 SubmitReq with text-only content →
 * Hub's MM7 gateway → router (a `kind: mms` route from the VASP's account to an SMPP connector) →
 * connector worker → simulated SMSC, which gets it as SMS; the SMSC's receipt comes back to the VASP as a
 * DeliveryReportReq. Real redis-server, real sockets, the real services `hub start` runs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { HubConfig } from '@hub/config';
import { createConnectorWorkerService } from '@hub/connector-worker';
import { createMm7GatewayService } from '@hub/gateway-mm7';
import {
  type DecodedMm7Request,
  decodeMm7Request,
  encodeDeliveryReportRsp,
  encodeSubmitReq,
  mm7NamespaceFor,
} from '@hub/mm7';
import { createRouterService } from '@hub/router';
import { type RunningHub, startHub } from '@hub/runtime';
import { decodeText } from '@hub/smpp';
import { hashSecret } from '@hub/store';
import { freePort, RedisServer, SmscSimulator, waitFor } from '@hub/testkit';
import { hubConfig, log } from './fixture.fixture.js';

const NS = mm7NamespaceFor('REL-6-MM7-1-4');

let redis: RedisServer;
let smsc: SmscSimulator;
let hub: RunningHub;
let vasp: Server;
let mm7Url: string;
let dataDir: string;
const reports: DecodedMm7Request[] = [];

before(async () => {
  redis = await RedisServer.start({ appendonly: false });
  smsc = await SmscSimulator.start({ systemId: 'hubmm', password: 'pm' });
  // The VASP: records what Hub posts and answers each DeliveryReportReq with 1000.
  vasp = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const d = decodeMm7Request(req.headers['content-type'], Buffer.concat(chunks));
      reports.push(d);
      const rsp = encodeDeliveryReportRsp({
        transactionId: d.envelope.transactionId,
        namespace: d.envelope.namespace,
        version: d.envelope.version,
      });
      res.writeHead(200, { 'content-type': rsp.contentType }).end(rsp.body);
    });
  });
  await new Promise<void>((r) => vasp.listen(0, '127.0.0.1', r));
  const va = vasp.address();
  const vaspUrl = `http://127.0.0.1:${typeof va === 'object' && va !== null ? va.port : 0}/vasp`;
  const mm7Port = await freePort();
  dataDir = mkdtempSync(path.join(tmpdir(), 'hub-e2e-mm7-'));
  // The shared fixture's connector settings, with MM7 in place of the SMPP listener.
  const base = hubConfig({
    redisUrl: redis.url,
    prefix: 'e2emm7',
    instance: 'e2e-mm7',
    smppPort: 0,
    accounts: [],
    connectors: [{ id: 'sms', port: smsc.port, systemId: 'hubmm', password: 'pm' }],
    routes: [
      {
        id: 'vasp-text-to-sms',
        order: 10,
        table: 'mt',
        filters: [
          { type: 'kind', kind: 'mms' },
          { type: 'account', accounts: ['vasp1'] },
        ],
        action: { type: 'connector', connector: 'sms' },
      },
    ],
  });
  const config = HubConfig.parse({
    ...base,
    dataDir,
    listeners: {
      ...base.listeners,
      smpp: { ...base.listeners.smpp, enabled: false },
      mm7: { host: '127.0.0.1', port: mm7Port, path: '/mm7' },
    },
    accounts: [
      {
        id: 'vasp1',
        mm7: {
          vaspId: 'VASP1',
          username: 'vasp1',
          passwordHash: await hashSecret('secret', { N: 1024, r: 8, p: 1 }),
          deliveryUrl: vaspUrl,
        },
      },
    ],
  });
  hub = await startHub({
    config,
    services: [
      ['router', createRouterService],
      ['connectors', createConnectorWorkerService],
      ['mm7', createMm7GatewayService],
    ],
    log,
    shutdownTimeoutMs: 5_000,
  });
  mm7Url = `http://127.0.0.1:${mm7Port}/mm7`;
  await smsc.waitForBound(1);
});

after(async () => {
  await hub?.stop();
  await smsc?.stop();
  await new Promise<void>((r) => (vasp === undefined ? r() : vasp.close(() => r())));
  await redis?.stop();
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
});

test('a text-only MM7 SubmitReq goes out as SMS through the SMPP connector; its receipt reaches the VASP as DeliveryReportReq Retrieved', async () => {
  const text = 'Grüße aus Köln 👋';
  // SMIL + one UTF-8 text/plain part, as VASPs send text MMS.
  const content = [
    {
      contentType: 'application/smil',
      contentId: 'smil',
      body: '<smil><body><par><text src="cid:txt"/></par></body></smil>',
    },
    { contentType: 'text/plain; charset=utf-8', contentId: 'txt', body: text },
  ];
  const e = encodeSubmitReq(
    { transactionId: 'e2e-mm7-sms', namespace: NS, version: '6.8.0' },
    {
      senderIdentification: { vaspId: 'VASP1', senderAddress: { kind: 'ShortCode', value: '12345' } },
      recipients: { to: [{ kind: 'Number', value: '+491761234567' }], cc: [], bcc: [] },
      deliveryReport: true,
      subject: 'greeting',
    },
    content,
  );
  const res = await fetch(mm7Url, {
    method: 'POST',
    headers: {
      'content-type': e.contentType,
      authorization: `Basic ${Buffer.from('vasp1:secret').toString('base64')}`,
    },
    body: e.body,
    signal: AbortSignal.timeout(10_000),
  });
  const rsp = decodeMm7Request(
    res.headers.get('content-type') ?? undefined,
    Buffer.from(await res.arrayBuffer()),
  );
  assert.equal(res.status, 200);
  assert.ok(rsp.message.type === 'SubmitRsp');
  assert.equal(rsp.message.status.code, 1000);
  const messageId = rsp.message.messageId;
  assert.ok(messageId);

  // Upstream: one submit_sm, UCS-2 (the text is not GSM 03.38), receipt requested, short code as source.
  const sm = await waitFor(() => smsc.submits.find((s) => s.destinationAddr === '491761234567'), {
    timeoutMs: 15_000,
    what: 'submit_sm at the SMSC',
  });
  assert.equal(sm.dataCoding, 8);
  assert.equal(decodeText(8, sm.shortMessage), text);
  assert.equal(sm.sourceAddr, '12345');
  assert.equal(sm.sourceAddrTon, 3);
  assert.equal(sm.registeredDelivery & 0x03, 1);

  // Back to the VASP: DeliveryReportReq for the id it got in SubmitRsp, in its own namespace.
  const dr = await waitFor(() => reports.find((r) => r.message.type === 'DeliveryReportReq'), {
    timeoutMs: 20_000,
    what: 'DeliveryReportReq at the VASP',
  });
  assert.ok(dr.message.type === 'DeliveryReportReq');
  assert.equal(dr.message.messageId, messageId);
  assert.equal(dr.message.mmStatus, 'Retrieved');
  assert.equal(dr.message.recipient?.value, '+491761234567');
  assert.equal(dr.message.sender?.value, '12345');
  assert.equal(dr.envelope.namespace, NS);
});
