import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Queues } from '@hub/bus';
import { HubConfig } from '@hub/config';
import { encodeMm4 } from '@hub/mm4';
import { createCore, createLogger, type HubCore, type Service } from '@hub/runtime';
import { hasRedisServer, RedisServer } from '@hub/testkit';
import { createTransport } from 'nodemailer';
import { createMm4GatewayService } from './service.js';
import { HUB_DOMAIN, HUB_SYSTEM, PEER_DOMAIN, PEER_SYSTEM, TestPeer } from './testing.fixture.js';

const hasOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
const skip = !hasRedisServer()
  ? 'redis-server not installed'
  : !hasOpenssl
    ? 'openssl not installed (needed for a test certificate)'
    : false;

describe('createMm4GatewayService with STARTTLS', { skip }, () => {
  let redis: RedisServer;
  let core: HubCore;
  let service: Service;
  let peer: TestPeer;
  let dir: string;
  let port: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hub-mm4-svc-'));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    const r = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-days',
        '1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    assert.equal(r.status, 0);
    redis = await RedisServer.start();
    peer = new TestPeer();
    const peerPort = await peer.listen();
    const config = HubConfig.parse({
      dataDir: dir,
      listeners: { mm4: { host: '127.0.0.1', port: 0, tls: { key, cert } } },
      accounts: [{ id: 'peer-a', allowedIps: ['127.0.0.1'], mm4: { domain: PEER_DOMAIN } }, { id: 'sink' }],
      routes: [{ id: 'mo', table: 'mo', order: 0, action: { type: 'account', account: 'sink' } }],
      connectors: [
        {
          id: 'peer-a-out',
          kind: 'mm4',
          host: '127.0.0.1',
          port: peerPort,
          domain: PEER_DOMAIN,
          originatorSystem: HUB_SYSTEM,
        },
      ],
    });
    const log = createLogger({ level: 'silent' });
    core = await createCore(config, redis.url, 'svc-test', log);
    service = await createMm4GatewayService({
      config,
      redisUrl: redis.url,
      instance: 'svc-test',
      log,
      core,
      signal: new AbortController().signal,
    });
    port = Number(/^smtp:\/\/127\.0\.0\.1:(\d+)$/.exec(service.endpoints[0] ?? '')?.[1]);
  });
  after(async () => {
    await service?.stop();
    await core?.close();
    await peer?.close();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('listens as smtp://host:port, offers STARTTLS, takes a forward.REQ over TLS, routes it at ingest and acknowledges it', async () => {
    assert.equal(service.name, 'mm4');
    assert.ok(port > 0, service.endpoints.join());
    const e = encodeMm4({
      type: 'MM4_forward.REQ',
      transactionId: 'svc-tx-1',
      messageId: `svc-1@${PEER_DOMAIN}`,
      from: '+972590000028',
      to: ['+4915112345678'],
      originatorSystem: PEER_SYSTEM,
      senderDomain: PEER_DOMAIN,
      recipientDomain: HUB_DOMAIN,
      parts: [{ contentType: 'text/plain', body: 'over tls' }],
    });
    const t = createTransport({
      host: '127.0.0.1',
      port,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
    });
    try {
      const info = await t.sendMail({
        envelope: { from: e.envelope.from, to: [...e.envelope.to] },
        raw: e.mail,
      });
      const id = /queued as ([0-9A-F]{16})/.exec(info.response)?.[1] ?? '';
      const msg = await core.messages.get(id);
      assert.equal(msg?.origin.account, 'peer-a');
      // Routed at ingest: stored `routed`, its job straight in the account's outbox, none for the router.
      assert.equal(msg?.state, 'routed');
      assert.equal(await core.bus.depth(Queues.outbox('sink')), 1);
      assert.equal(await core.bus.depth(Queues.route), 0);
    } finally {
      t.close();
    }
    const res = await peer.waitFor((x) => x.pdu.transactionId === 'svc-tx-1', '.RES');
    assert.equal(res.pdu.type, 'MM4_forward.RES');
  });
});
