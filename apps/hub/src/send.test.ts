import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SmscSimulator } from '@hub/testkit';

const MAIN = new URL('./main.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'hub-send-cli-'));
let sim: SmscSimulator;

before(async () => {
  sim = await SmscSimulator.start({ systemId: 'acme', password: 'secret' });
});
after(async () => {
  await sim.stop();
});

async function hubSend(args: string[], env: Record<string, string> = {}) {
  const child = spawn(
    process.execPath,
    ['--conditions=@hub/source', '--import', 'tsx', MAIN, 'send', ...args],
    {
      env: { ...process.env, HUB_LOG_LEVEL: 'warn', HUB_SEND_PASSWORD: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, out, err };
}

test('hub send --to: one message, exit 0, prints OK and the message id', async () => {
  sim.clearRecords();
  const r = await hubSend([
    '--smpp',
    `smpp://acme:secret@127.0.0.1:${sim.port}`,
    '--to',
    '+821012345678',
    '--text',
    'Hello',
    '--from',
    'HUB',
  ]);
  assert.equal(r.code, 0, r.err);
  assert.equal(sim.submitCount, 1);
  assert.match(r.out, new RegExp(`^OK ${sim.submits[0]?.messageId}$`, 'm'));
  assert.match(r.out, /accepted\s+1/);
});

test('hub send --file: CSV campaign with HUB_SEND_PASSWORD, receipts awaited, report written', async () => {
  sim.clearRecords();
  const csv = join(dir, 'numbers.csv');
  writeFileSync(csv, 'phone,name\n+821011110001,Kim\n+821011110000,Lee\nbad,Park\n');
  const report = join(dir, 'out.csv');
  const r = await hubSend(
    [
      '--smpp',
      `smpp://acme@127.0.0.1:${sim.port}`,
      '--file',
      csv,
      '--text',
      'Hello {name}',
      '--rate',
      '1000',
      '--wait-receipts',
      '--report',
      report,
    ],
    { HUB_SEND_PASSWORD: 'secret' },
  );
  assert.equal(r.code, 4, 'one row was not sent');
  assert.match(r.out, /receipts\s+2 \(DELIVRD 1, UNDELIV 1\)/);
  assert.match(r.out, /not sent\s+1 \(invalid-number 1\)/);
  // Not a TTY: plain progress lines, no carriage returns.
  assert.match(r.err, /^hub send: 100% 3\/3/m);
  assert.doesNotMatch(r.err, /\r/);
  const lines = readFileSync(report, 'utf8').trim().split('\n');
  assert.equal(lines.length, 4);
  assert.match(lines[1] ?? '', /^2,\+821011110001,[0-9A-F]{10},1,OK,,DELIVRD,000,/);
  assert.match(lines[2] ?? '', /^3,\+821011110000,[0-9A-F]{10},1,OK,,UNDELIV,001,/);
  assert.equal(lines[3], '4,bad,,0,invalid-number,,,,');
});

test('bad input exits 2 with the reason and sends nothing; a refused bind exits 3', async () => {
  sim.clearRecords();
  const url = `smpp://acme:secret@127.0.0.1:${sim.port}`;
  const csv = join(dir, 'cols.csv');
  writeFileSync(csv, 'name,mobile\nKim,+821011110001\n');
  const missing = await hubSend(['--smpp', url, '--file', csv, '--column', 'phone', '--text', 'x']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /No column 'phone' in cols\.csv \(columns: name, mobile\)/);
  const noFile = await hubSend(['--smpp', url, '--file', join(dir, 'nope.xlsx'), '--text', 'x']);
  assert.equal(noFile.code, 2);
  assert.match(noFile.err, /Cannot read .*nope\.xlsx: no such file/);
  const badXlsx = join(dir, 'bad.xlsx');
  writeFileSync(badXlsx, 'plain text');
  const notXlsx = await hubSend(['--smpp', url, '--file', badXlsx, '--text', 'x']);
  assert.equal(notXlsx.code, 2);
  assert.match(notXlsx.err, /not an \.xlsx workbook/);
  const field = await hubSend(['--smpp', url, '--file', csv, '--text', 'Hi {first}']);
  assert.equal(field.code, 2);
  assert.match(field.err, /Template field \{first\} is not a column/);
  const noPass = await hubSend([
    '--smpp',
    `smpp://acme@127.0.0.1:${sim.port}`,
    '--to',
    '+821012345678',
    '--text',
    'x',
  ]);
  assert.equal(noPass.code, 2);
  assert.match(noPass.err, /HUB_SEND_PASSWORD is not set/);
  assert.equal(sim.submitCount, 0);
  const refused = await hubSend([
    '--smpp',
    `smpp://acme:wrong@127.0.0.1:${sim.port}`,
    '--to',
    '+821012345678',
    '--text',
    'x',
  ]);
  assert.equal(refused.code, 3);
  assert.match(
    refused.err,
    /Cannot bind to smpp:\/\/acme@127\.0\.0\.1:\d+: bind refused with ESME_RINVPASWD \(wrong password\)/,
  );
  assert.doesNotMatch(refused.err, /wrong@/);
});

test('hub send --help and hub help send describe the options', async () => {
  const r = await hubSend(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.out, /--wait-receipts \[S\]/);
  assert.match(r.out, /Exit codes/);
});
