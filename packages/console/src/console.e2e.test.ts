/**
 * The console in a real browser: headless Debian Chromium driven by playwright-core against a real API
 * (buildApiApp listening on 127.0.0.1 with a private redis-server) and an SMSC simulator standing in for
 * Hub's SMPP listener (campaigns bind to it). Screenshots go to a temp dir named in the test output.
 *
 * The API harness is imported from @hub/api's sources by path: @hub/api depends on this package (it mounts
 * the console), so depending back on it would make a package cycle.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SmscSimulator } from '@hub/testkit';
import { chromium } from 'playwright-core';
import { publishConnectorState } from '../../api/src/live.js';
import { type Harness, smppConnector, startHarness, TOKENS } from '../../api/src/testing.fixture.js';

const CHROMIUM = process.env.HUB_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function seed(h: Harness): Promise<string> {
  const ok = (r: { status: number; json: unknown }, what: string): void =>
    assert.ok(r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.json)}`);
  ok(
    await h.call('admin', 'POST', '/v1/accounts', {
      id: 'bulk',
      smpp: { systemId: 'bulk', password: 'bulkpw' },
    }),
    'account',
  );
  ok(await h.call('admin', 'POST', '/v1/connectors', smppConnector('smsc-a')), 'connector a');
  ok(await h.call('admin', 'POST', '/v1/connectors', smppConnector('smsc-b', { port: 2776 })), 'connector b');
  ok(
    await h.call('operator', 'POST', '/v1/routes', {
      id: 'kr',
      table: 'mt',
      order: 100,
      filters: [{ type: 'destinationPrefix', prefixes: ['82'] }],
      action: { type: 'connector', connector: 'smsc-a' },
    }),
    'route kr',
  );
  ok(
    await h.call('operator', 'POST', '/v1/routes', {
      id: 'default',
      table: 'mt',
      order: 0,
      filters: [],
      action: { type: 'connector', connector: 'smsc-b' },
    }),
    'route default',
  );
  await publishConnectorState(
    h.redis,
    h.prefix,
    'smsc-a',
    { state: 'bound', sessions: 2, inFlight: 3, rate: 12 },
    60_000,
  );
  await publishConnectorState(
    h.redis,
    h.prefix,
    'smsc-b',
    { state: 'down', lastError: 'connection refused' },
    60_000,
  );
  await h.redis.hset(`${h.prefix}:stats:connector:smsc-a`, 'submitted', '100', 'delivered', '90');
  const t0 = Date.now() - 5_000;
  const m = await h.message('bulk', {
    state: 'delivered',
    createdAt: t0,
    updatedAt: t0 + 1_900,
    route: { routeId: 'kr', connector: 'smsc-a' },
    upstream: { connector: 'smsc-a', id: 'up-77' },
    history: [
      { at: t0, hop: 'received', state: 'accepted', by: 'gateway-smpp' },
      { at: t0 + 4, hop: 'routed', state: 'routed', by: 'router', detail: 'route kr' },
      { at: t0 + 25, hop: 'submitted', state: 'submitted', by: 'connector-worker', connector: 'smsc-a' },
      { at: t0 + 60, hop: 'upstream_ack', by: 'connector-worker', connector: 'smsc-a', upstreamId: 'up-77' },
      { at: t0 + 1_900, hop: 'receipt_delivered', state: 'delivered', by: 'connector-worker' },
    ],
  });
  return m.id;
}

test('console in headless Chromium: sign in, connectors, routes and a dry run, a message trace, a campaign', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(
      `Chromium not found at ${CHROMIUM}: install the Debian package chromium (scripts/install-peers.sh)`,
    );
    return;
  }
  const sim = await SmscSimulator.start({ systemId: 'bulk', password: 'bulkpw' });
  const h = await startHarness({
    campaigns: {
      smpp: { host: '127.0.0.1', port: sim.port },
      passwords: { bulk: 'bulkpw' },
      progressIntervalMs: 100,
    },
  });
  const shots = mkdtempSync(join(tmpdir(), 'hub-console-e2e-'));
  const profile = mkdtempSync(join(tmpdir(), 'hub-console-profile-'));
  let context: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | undefined;
  try {
    const messageId = await seed(h);
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = h.app.server.address();
    assert.ok(typeof addr === 'object' && addr !== null);
    const base = `http://127.0.0.1:${addr.port}`;

    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ARGS,
      headless: true,
      viewport: { width: 1280, height: 860 },
      timeout: 60_000,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(20_000);
    const foreign: string[] = [];
    const pageErrors: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(base) && !r.url().startsWith('blob:') && !r.url().startsWith('data:'))
        foreign.push(r.url());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));

    // Sign in: /console redirects to /console/, the key goes to sessionStorage.
    await page.goto(`${base}/console`);
    await page.getByLabel('API key').fill('root:wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('refused the key').waitFor();
    await page.getByLabel('API key').fill(TOKENS.admin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('hub.console.apiKey')), TOKENS.admin);
    await page.getByText('1 / 2').waitFor(); // connectors bound
    await page.locator('#hop-latency table').getByText('receipt_delivered').waitFor();
    // Throughput comes from counter deltas between two polls.
    await h.redis.hincrby(`${h.prefix}:stats:connector:smsc-a`, 'submitted', 50);
    await page.waitForFunction(() => document.querySelector('.kpi .v')?.textContent !== '–');
    await page.screenshot({ path: join(shots, '1-dashboard.png'), fullPage: true });

    // Connectors with live state; disable one.
    await page.getByRole('link', { name: 'Connectors' }).click();
    const rowA = page.getByRole('row').filter({ hasText: 'smsc-a' });
    await rowA.getByText('bound').waitFor();
    await page.getByRole('row').filter({ hasText: 'smsc-b' }).getByText('connection refused').waitFor();
    await page.getByRole('button', { name: 'Disable connector smsc-b' }).click();
    await page.getByText('Connector smsc-b: disabled.').waitFor();
    await page.getByRole('button', { name: 'Enable connector smsc-b' }).waitFor();
    assert.equal((await h.store.get<{ enabled: boolean }>('connectors', 'smsc-b'))?.doc.enabled, false);
    await page.screenshot({ path: join(shots, '2-connectors.png'), fullPage: true });

    // Routes and a dry run.
    await page.getByRole('link', { name: 'Routes' }).click();
    await page.getByRole('row').filter({ hasText: 'destinationPrefix(prefixes=82)' }).waitFor();
    await page.getByLabel('To', { exact: true }).fill('+821012345678');
    await page.getByLabel('Account', { exact: true }).fill('bulk');
    await page.getByRole('button', { name: 'Run dry run' }).click();
    await page.getByText('route kr → connector smsc-a').waitFor();
    await page.screenshot({ path: join(shots, '3-routes.png'), fullPage: true });

    // Message trace: every hop with its time.
    await page.getByRole('link', { name: 'Messages' }).click();
    await page.getByLabel('Message id').fill(messageId);
    await page.getByRole('button', { name: 'Show trace' }).click();
    const trace = page.locator('#trace');
    await trace.getByRole('heading', { name: `Message ${messageId}` }).waitFor();
    for (const hop of ['received', 'routed', 'submitted', 'upstream_ack', 'receipt_delivered'])
      await trace
        .getByRole('row')
        .filter({ has: page.locator('strong', { hasText: new RegExp(`^${hop}$`) }) })
        .waitFor();
    await trace.getByText('1.90 s').first().waitFor();
    await page.screenshot({ path: join(shots, '4-trace.png'), fullPage: true });

    // Campaign upload with progress.
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByLabel('File (.csv, .xlsx)').setInputFiles({
      name: 'list.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('phone,name\n+821011110001,Kim\n+821011110002,Lee\nbad,Park\n'),
    });
    await page.getByLabel('Account').fill('bulk');
    await page.getByLabel('Text template').fill('Hello {name}');
    await page.getByLabel('Sender').fill('HUB');
    await page.getByRole('button', { name: 'Upload and start' }).click();
    await page.getByText(/Campaign [0-9a-f]{16} started: 3 rows\./).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'list.csv' });
    await row.getByText('done', { exact: true }).waitFor();
    await row.getByText('3/3 done').waitFor();
    await row.getByRole('button', { name: /Download the report/ }).waitFor();
    assert.equal(sim.submitCount, 2);
    await page.screenshot({ path: join(shots, '5-campaigns.png'), fullPage: true });

    // A field error lands next to the form and names the field.
    await page.getByLabel('File (.csv, .xlsx)').setInputFiles({
      name: 'list.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('phone\n+821011110001\n'),
    });
    await page.getByLabel('Account').fill('bulk');
    await page.getByLabel('Text template').fill('Hi {nickname}');
    await page.getByRole('button', { name: 'Upload and start' }).click();
    await page.getByText(/HUB_ERR_VALIDATION: .*nickname.*\(field text\)/).waitFor();

    assert.deepEqual(foreign, [], 'the console loads nothing from other origins');
    assert.deepEqual(pageErrors, []);
    t.diagnostic(`screenshots in ${shots}`);
  } finally {
    await context?.close();
    await h.close();
    await sim.stop();
  }
});
