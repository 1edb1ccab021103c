import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { HubConfig } from '@hub/config';
import { decodeMm7Request, encodeSubmitReq } from '@hub/mm7';
import { createCore, createLogger } from '@hub/runtime';
import { hashSecret } from '@hub/store';
import { RedisServer } from '@hub/testkit';
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
