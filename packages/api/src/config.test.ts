import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Account, Connector } from '@hub/config';
import { hashSecret } from '@hub/store';
import { RedisServer } from '@hub/testkit';
import { seedFromConfig } from './resources/config.js';
import { type Harness, smppConnector, startHarness } from './testing.fixture.js';

let server: RedisServer;
let h: Harness;
before(async () => {
  server = await RedisServer.start({ appendonly: false });
  h = await startHarness({ server });
});
after(async () => {
  await h?.close();
  await server?.stop();
});

const doc = {
  connectors: [smppConnector('smsc-a', { password: 'outpw' }), smppConnector('smsc-b')],
  accounts: [
    { id: 'acme', smpp: { systemId: 'acme', password: 'pw1' } },
    { id: 'beta', mm4: { domain: 'mms.beta.example' } },
  ],
  routes: [
    {
      id: 'kr',
      table: 'mt',
      order: 10,
      filters: [{ type: 'destinationPrefix', prefixes: ['82'] }],
      action: { type: 'connector', connector: 'smsc-a' },
    },
    { id: 'default', table: 'mt', order: 0, action: { type: 'connector', connector: 'smsc-b' } },
    { id: 'mo', table: 'mo', order: 0, action: { type: 'account', account: 'beta' } },
  ],
};

test('import validates everything first: a bad field anywhere writes nothing', async () => {
  const bad = await h.call('admin', 'POST', '/v1/config/import', {
    ...doc,
    accounts: [doc.accounts[0], { id: 'gamma', smpp: { systemId: 'gamma' } }],
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.details.field, 'accounts.1.smpp.password');
  const badConn = await h.call('admin', 'POST', '/v1/config/import', {
    ...doc,
    connectors: [doc.connectors[0], { ...doc.connectors[1], port: -1 }],
  });
  assert.equal(badConn.json.details.field, 'connectors.1.port');
  const badRef = await h.call('admin', 'POST', '/v1/config/import', {
    ...doc,
    connectors: [doc.connectors[0]],
  });
  assert.equal(badRef.json.code, 'HUB_ERR_ROUTING_INVALID');
  assert.equal(badRef.json.details.issues[0].path, 'action.connector');
  const dup = await h.call('admin', 'POST', '/v1/config/import', {
    ...doc,
    routes: [doc.routes[0], doc.routes[0]],
  });
  assert.equal(dup.status, 400);
  assert.equal(await h.store.revision(), 0);
  const dry = await h.call('admin', 'POST', '/v1/config/import', { ...doc, dryRun: true });
  assert.equal(dry.status, 200, JSON.stringify(dry.json));
  assert.deepEqual(dry.json.created, { accounts: 2, connectors: 2, routes: 3 });
  assert.equal(await h.store.revision(), 0);
  assert.equal((await h.call('operator', 'POST', '/v1/config/import', doc)).status, 403);
});

test('export → import round trip is a no-op; a changed export applies only the change', async () => {
  const first = await h.call('admin', 'POST', '/v1/config/import', doc);
  assert.equal(first.status, 200, JSON.stringify(first.json));
  assert.deepEqual(first.json.created, { accounts: 2, connectors: 2, routes: 3 });
  const exp = await h.call('admin', 'GET', '/v1/config/export');
  assert.equal(exp.json.version, 1);
  const text = JSON.stringify(exp.json);
  assert.ok(!text.includes('scrypt') && !text.includes('outpw') && !text.includes('pw1'));
  assert.deepEqual(
    exp.json.routes.map((r: { id: string }) => r.id),
    ['mo', 'kr', 'default'],
  );

  const rev = await h.store.revision();
  const again = await h.call('admin', 'POST', '/v1/config/import', exp.json);
  assert.equal(again.status, 200, JSON.stringify(again.json));
  assert.deepEqual(again.json.unchanged, { accounts: 2, connectors: 2, routes: 3 });
  assert.equal(await h.store.revision(), rev);
  // Secrets survived the masked round trip.
  assert.equal(Connector.parse((await h.store.get('connectors', 'smsc-a'))?.doc).password, 'outpw');
  assert.match((await h.store.get<Account>('accounts', 'acme'))?.doc.smpp?.passwordHash ?? '', /^scrypt\$/);

  // Replace: drop kr and smsc-a together; merge leaves the rest alone.
  const next = {
    ...exp.json,
    routes: exp.json.routes.filter((r: { id: string }) => r.id !== 'kr'),
    connectors: exp.json.connectors.filter((c: { id: string }) => c.id !== 'smsc-a'),
  };
  const rep = await h.call('admin', 'POST', '/v1/config/import', next);
  assert.deepEqual(rep.json.deleted, { accounts: 0, connectors: 1, routes: 1 });
  assert.equal(await h.store.get('connectors', 'smsc-a'), undefined);
  const merge = await h.call('admin', 'POST', '/v1/config/import', {
    mode: 'merge',
    connectors: [smppConnector('smsc-c')],
  });
  assert.deepEqual(merge.json.created.connectors, 1);
  assert.equal((await h.store.getAll('connectors')).length, 2);
  const audit = await h.call('read', 'GET', '/v1/audit?limit=1');
  assert.equal(audit.json.items[0].op, 'import');
});

test('seedFromConfig fills an empty store once; afterwards the store wins', async () => {
  const h2 = await startHarness({ server });
  try {
    const src = {
      accounts: [
        {
          id: 'acme',
          enabled: true,
          allowedIps: [],
          throughput: { messagesPerSecond: 0, segmentsPerSecond: 0 },
          queueHighWater: 100_000,
          idBase: 'hex' as const,
          smpp: {
            systemId: 'acme',
            passwordHash: await hashSecret('x'),
            maxBinds: 10,
            defaultAlphabet: 'gsm' as const,
            allowedCodings: [0],
            receiptPdu: 'deliver_sm' as const,
          },
        },
      ],
      connectors: [Connector.parse(smppConnector('smsc-a'))],
      routes: [{ id: 'default', table: 'mt', order: 0, action: { type: 'connector', connector: 'smsc-a' } }],
    };
    assert.equal(await seedFromConfig(h2.store, src), true);
    assert.equal((await h2.store.getAll('routes')).length, 1);
    assert.equal((await h2.call('admin', 'DELETE', '/v1/routes/default')).status, 204);
    assert.equal(await seedFromConfig(h2.store, src), false);
    assert.equal((await h2.store.getAll('routes')).length, 0);
    await assert.rejects(
      seedFromConfig(h.store, {
        ...src,
        routes: [
          {
            id: 'x',
            table: 'mt',
            order: 0,
            filters: [{ type: 'kind', kind: 'sms' }],
            action: src.routes[0]?.action,
          },
        ],
      }),
      /order 0/,
    );
  } finally {
    await h2.close();
  }
});
