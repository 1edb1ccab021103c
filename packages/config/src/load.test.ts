import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isHubError } from '@hub/errors';
import { loadConfig } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'hub-config-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
const HASH = 'scrypt$16384$8$1$c2FsdA$aGFzaA';

function configError(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isHubError(e, 'HUB_ERR_CONFIG'), String(e));
    assert.match(e.message, re);
    return true;
  });
}

test('defaults alone form a valid, frozen configuration', () => {
  const c = loadConfig();
  assert.equal(c.listeners.smpp.port, 2775);
  assert.equal(c.listeners.api.port, 8080);
  assert.equal(c.redis.url, undefined);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.listeners.smpp));
});

test('YAML file with ${ENV} secrets and HUB_* overrides', () => {
  const f = file(
    'hub.yaml',
    `
redis: { url: redis://old }
accounts:
  - id: acme
    smpp: { systemId: acme, passwordHash: "${HASH}" }
connectors:
  - id: smsc-a
    kind: smpp
    host: 127.0.0.1
    systemId: hub
    password: \${SMSC_A_PASSWORD}
    messagesPerSecond: \${SMSC_A_RATE:-50}
`,
  );
  const c = loadConfig({
    file: f,
    env: {
      SMSC_A_PASSWORD: 's3cret',
      HUB_REDIS_URL: 'redis://127.0.0.1:7000',
      HUB__listeners__smpp__port: '2776',
    },
  });
  assert.equal(c.redis.url, 'redis://127.0.0.1:7000');
  assert.equal(c.listeners.smpp.port, 2776);
  const smsc = c.connectors[0]!;
  assert.equal(smsc.kind, 'smpp');
  if (smsc.kind === 'smpp') {
    assert.equal(smsc.password, 's3cret');
    assert.equal(smsc.windowSize, 10);
  }
  assert.equal(c.accounts[0]?.smpp?.defaultAlphabet, 'gsm');
});

test('JSON files work too', () => {
  const f = file('hub.json', JSON.stringify({ listeners: { api: { port: 9999 } } }));
  assert.equal(loadConfig({ file: f }).listeners.api.port, 9999);
});

test('bad configs stop start-up with the path and the reason', () => {
  configError(
    () => loadConfig({ file: join(dir, 'missing.yaml') }),
    /missing\.yaml.*cannot read the file \(ENOENT\)/,
  );
  configError(() => loadConfig({ file: file('bad.yaml', 'a: [1, 2\n') }), /not valid YAML/);
  configError(() => loadConfig({ file: file('bad.json', '{') }), /not valid JSON/);
  configError(() => loadConfig({ file: file('list.yaml', '- 1\n') }), /top level must be a mapping/);
  configError(
    () => loadConfig({ object: { listeners: { smpp: { port: 70000 } } } }),
    /listeners\.smpp\.port: .*65535/,
  );
  configError(
    () => loadConfig({ object: { accounts: [{ id: 'a', smpp: { systemId: 'a', passwordHash: 'plain' } }] } }),
    /accounts\.0\.smpp\.passwordHash: must be a hash/,
  );
  configError(
    () => loadConfig({ object: { accounts: [{ id: 'a' }, { id: 'a' }] } }),
    /accounts\.1: duplicate account id 'a' \(also at accounts\.0\)/,
  );
  configError(
    () => loadConfig({ object: { connectors: [{ id: 'x', kind: 'carrier-pigeon' }] } }),
    /connectors\.0\.kind/,
  );
  configError(
    () => loadConfig({ object: { listeners: { api: { port: 2775 } } } }),
    /listeners\.api\.port: port 2775 is already used by listeners\.smpp\.port/,
  );
  configError(
    () => loadConfig({ object: { redis: { url: '${NOPE}' } } }),
    /redis\.url: environment variable NOPE is not set/,
  );
  configError(
    () => loadConfig({ object: { accounts: [{ id: '-bad id' }] } }),
    /accounts\.0\.id: must be 1-64/,
  );
});
