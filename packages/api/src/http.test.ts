import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadConfig } from '@hub/config';
import { createCore, createLogger, type HubCore, type Service } from '@hub/runtime';
import { hashSecret } from '@hub/store';
import { RedisServer } from '@hub/testkit';
import { createApiService } from './service.js';

let server: RedisServer;
let core: HubCore;
let service: Service;
let base: string;
const admin = { authorization: 'Bearer root:admin-secret', 'content-type': 'application/json' };

before(async () => {
  server = await RedisServer.start({ appendonly: false });
  const config = loadConfig({
    object: {
      redis: { url: server.url, prefix: 'httpt' },
      listeners: { api: { host: '127.0.0.1', port: 0 } },
      apiKeys: [{ id: 'root', role: 'admin', keyHash: await hashSecret('admin-secret') }],
      connectors: [{ id: 'smsc-a', kind: 'smpp', host: '127.0.0.1', systemId: 'hub', password: 'pw' }],
      accounts: [{ id: 'acme', smpp: { systemId: 'acme', passwordHash: await hashSecret('pw') } }],
      routes: [{ id: 'default', table: 'mt', order: 0, action: { type: 'connector', connector: 'smsc-a' } }],
    },
  });
  const log = createLogger({ level: 'silent' });
  core = await createCore(config, server.url, 'http-test', log);
  const ac = new AbortController();
  service = await createApiService({
    config,
    redisUrl: server.url,
    instance: 'http-test',
    log,
    core,
    signal: ac.signal,
  });
  base = service.endpoints[0] as string;
});
after(async () => {
  await service?.stop();
  await core?.close();
  await server?.stop();
});

test('the service seeds the store from the config file and serves over real HTTP', async () => {
  assert.match(base, /^http:\/\/127\.0\.0\.1:[0-9]+$/);
  assert.equal(service.endpoints[1], `${base}/docs`);
  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200);
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  const routes = await fetch(`${base}/v1/routes`, { headers: admin });
  assert.deepEqual(
    ((await routes.json()) as { items: Array<{ id: string }> }).items.map((r) => r.id),
    ['default'],
  );
  const acct = (await (await fetch(`${base}/v1/accounts/acme`, { headers: admin })).json()) as {
    smpp: { passwordSet: boolean; passwordHash?: string };
  };
  assert.equal(acct.smpp.passwordSet, true);
  assert.equal(acct.smpp.passwordHash, undefined);
  const audit = (await (await fetch(`${base}/v1/audit`, { headers: admin })).json()) as {
    items: Array<{ who: string; op: string }>;
  };
  assert.deepEqual(
    audit.items.map((e) => [e.who, e.op]),
    [['config-file', 'seed']],
  );
});

test('writes, conflicts and errors over HTTP', async () => {
  const unauth = await fetch(`${base}/v1/routes`);
  assert.equal(unauth.status, 401);
  assert.equal(((await unauth.json()) as { code: string }).code, 'HUB_ERR_AUTH_FAILED');
  const route = {
    id: 'kr',
    table: 'mt',
    order: 10,
    filters: [{ type: 'destinationPrefix', prefixes: ['82'] }],
    action: { type: 'connector', connector: 'smsc-a' },
  };
  const created = await fetch(`${base}/v1/routes`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify(route),
  });
  assert.equal(created.status, 201);
  const etag = created.headers.get('etag') as string;
  const ok = await fetch(`${base}/v1/routes/kr`, {
    method: 'PUT',
    headers: { ...admin, 'if-match': etag },
    body: JSON.stringify({ ...route, order: 20 }),
  });
  assert.equal(ok.status, 200);
  const stale = await fetch(`${base}/v1/routes/kr`, {
    method: 'PUT',
    headers: { ...admin, 'if-match': etag },
    body: JSON.stringify({ ...route, order: 30 }),
  });
  assert.equal(stale.status, 409);
  // The body's id must match the URL's: 400 naming `id`, nothing written.
  const mismatch = await fetch(`${base}/v1/routes/kr`, {
    method: 'PUT',
    headers: admin,
    body: JSON.stringify({ ...route, id: 'other', order: 40 }),
  });
  assert.equal(mismatch.status, 400);
  const mm = (await mismatch.json()) as { details: { issues: Array<{ path: string }> } };
  assert.equal(mm.details.issues[0]?.path, 'id');
  const invalid = await fetch(`${base}/v1/routes`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ ...route, id: 'x', order: 'high' }),
  });
  assert.equal(invalid.status, 400);
  const body = (await invalid.json()) as { code: string; details: { issues: Array<{ path: string }> } };
  assert.equal(body.details.issues[0]?.path, 'order');
  const garbage = await fetch(`${base}/v1/routes`, { method: 'POST', headers: admin, body: '{nope' });
  assert.equal(garbage.status, 400);
  const openapi = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, unknown> };
  assert.ok('/v1/config/import' in openapi.paths);
  const ui = await fetch(`${base}/docs`);
  assert.equal(ui.status, 200);
  assert.match(ui.headers.get('content-type') ?? '', /html/);
});

test('the queue dashboard over real HTTP: 401 with a Basic challenge without a key, 200 with one', async () => {
  assert.equal(service.endpoints[2], `${base}/queues`);
  const denied = await fetch(`${base}/queues`);
  assert.equal(denied.status, 401);
  assert.match(denied.headers.get('www-authenticate') ?? '', /^Basic /);
  const page = await fetch(`${base}/queues`, {
    headers: { authorization: `Basic ${Buffer.from('root:admin-secret').toString('base64')}` },
  });
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /Hub queues/);
  // The UI's script is served under /queues too, behind the same key.
  assert.match(html, /<base href="\/queues\/"/);
  const script = new URL(/src="([^"]+\.js)"/.exec(html)?.[1] ?? '?', `${base}/queues/`).href;
  assert.match(script, /\/queues\/static\//);
  assert.equal((await fetch(script)).status, 401);
  assert.equal((await fetch(script, { headers: admin })).status, 200);
  const list = await fetch(`${base}/queues/api/queues`, { headers: admin });
  const names = ((await list.json()) as { queues: Array<{ name: string }> }).queues.map((q) => q.name);
  assert.ok(
    names.includes('{hub.connector.v1.smsc-a}') && names.includes('{hub.outbox.v1.acme}'),
    names.join(),
  );
});
