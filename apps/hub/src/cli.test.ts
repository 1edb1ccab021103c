import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, waitFor } from '@hub/testkit';

const MAIN = new URL('./main.ts', import.meta.url).pathname;

function run(args: string[], opts: { env?: Record<string, string>; input?: string } = {}) {
  const child = spawn(process.execPath, ['--conditions=@hub/source', '--import', 'tsx', MAIN, ...args], {
    env: { ...process.env, HUB_LOG_LEVEL: 'warn', ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdin.end(opts.input ?? '');
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

async function portOpen(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

test('hub --help and hub start --help describe the commands and apps', async () => {
  const h = run(['--help']);
  assert.equal(await h.exited, 0);
  assert.match(h.out(), /Usage: hub <command>/);
  assert.match(h.out(), /HUB_REDIS_URL/);
  const s = run(['start', '--help']);
  assert.equal(await s.exited, 0);
  assert.match(s.out(), /router\s+routes every message/);
  assert.match(s.out(), /smpp\s+SMPP 3\.4\/5\.0 server/);
});

test('unknown commands, unknown apps and bad configs exit non-zero with the reason', async () => {
  const u = run(['frobnicate']);
  assert.equal(await u.exited, 1);
  assert.match(u.err(), /unknown command 'frobnicate'/);
  const a = run(['start', 'nope']);
  assert.equal(await a.exited, 1);
  assert.match(a.err(), /unknown app 'nope'/);
  const dir = mkdtempSync(join(tmpdir(), 'hub-cli-'));
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'listeners:\n  smpp:\n    port: -1\n');
  const b = run(['start', '--config', bad]);
  assert.equal(await b.exited, 1);
  assert.match(b.err(), /bad\.yaml: listeners\.smpp\.port: /);
});

test('hash-password prints a scrypt hash', async () => {
  const h = run(['hash-password'], { input: 's3cret\n' });
  assert.equal(await h.exited, 0);
  assert.match(h.out().trim(), /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
});

test('hub start runs all-in-one on an embedded Redis, says where it listens, and stops cleanly on SIGINT', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-start-'));
  const smppPort = await freePort();
  const redisPort = await freePort();
  const metricsPort = await freePort();
  const [mm7Port, mm4Port, apiPort] = [await freePort(), await freePort(), await freePort()];
  const cfg = join(dir, 'hub.yaml');
  writeFileSync(
    cfg,
    `dataDir: ${join(dir, 'data')}\nredis: { embeddedPort: ${redisPort} }\nlisteners:\n` +
      `  smpp: { host: 127.0.0.1, port: ${smppPort} }\n  mm7: { host: 127.0.0.1, port: ${mm7Port} }\n` +
      `  mm4: { host: 127.0.0.1, port: ${mm4Port} }\n  api: { host: 127.0.0.1, port: ${apiPort} }\n` +
      `  metrics: { host: 127.0.0.1, port: ${metricsPort} }\n`,
  );
  const h = run(['start', '--config', cfg], { env: { HUB_REDIS_URL: '' } });
  try {
    await waitFor(() => h.out().includes('Hub is running'), { timeoutMs: 30_000, what: 'start banner' });
    assert.match(h.out(), new RegExp(`redis\\s+redis://127\\.0\\.0\\.1:${redisPort} \\(embedded`));
    assert.match(h.out(), new RegExp(`smpp\\s+smpp://127\\.0\\.0\\.1:${smppPort}`));
    assert.match(h.out(), new RegExp(`metrics\\s+http://127\\.0\\.0\\.1:${metricsPort}/metrics`));
    assert.match(h.out(), new RegExp(`api\\s+http://127\\.0\\.0\\.1:${apiPort}`));
    assert.equal(await portOpen(smppPort), true);
    assert.equal(await portOpen(redisPort), true);
    h.child.kill('SIGINT');
    assert.equal(await h.exited, 0, h.err());
    assert.match(h.out(), /Hub stopped\./);
    // Nothing left behind: neither the SMPP listener nor the embedded redis-server.
    assert.equal(await portOpen(smppPort), false);
    await waitFor(async () => !(await portOpen(redisPort)), {
      timeoutMs: 5_000,
      what: 'embedded redis to stop',
    });
  } finally {
    if (h.child.exitCode === null) h.child.kill('SIGKILL');
  }
});
