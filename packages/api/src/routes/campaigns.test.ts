import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { hashSecret } from '@hub/store';
import { SmscSimulator } from '@hub/testkit';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { buildApiApp } from '../app.js';
import { type Harness, startHarness, TOKENS } from '../testing.fixture.js';

// The SMSC simulator stands in for Hub's own SMPP listener: it speaks SMPP as the server side, accepts the
// account's bind, answers submit_sm with a message id and sends receipts (numbers ending 0000: UNDELIV).
let sim: SmscSimulator;
let h: Harness;

before(async () => {
  sim = await SmscSimulator.start({
    systemId: 'bulk',
    password: 'bulkpw',
    accounts: [{ systemId: 'adhoc', password: 'adhocpw' }],
  });
  h = await startHarness({
    campaigns: {
      smpp: { host: '127.0.0.1', port: sim.port },
      passwords: { bulk: 'bulkpw' },
      progressIntervalMs: 50,
    },
  });
  for (const [id, password] of [
    ['bulk', 'bulkpw'],
    ['adhoc', 'adhocpw'],
  ]) {
    const r = await h.call('admin', 'POST', '/v1/accounts', { id, smpp: { systemId: id, password } });
    assert.equal(r.status, 201, JSON.stringify(r.json));
  }
  assert.equal(
    (
      await h.call('admin', 'POST', '/v1/accounts', {
        id: 'mm7only',
        mm7: { vaspId: 'v', username: 'u', password: 'p' },
      })
    ).status,
    201,
  );
});
after(async () => {
  await h.close();
  await sim.stop();
});

/** A multipart/form-data body: fields first, then the file. */
function multipart(
  fields: Record<string, string>,
  file?: { name: string; bytes: Buffer | string; type?: string },
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----hub${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    chunks.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  if (file !== undefined) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${file.name}"\r\ncontent-type: ${file.type ?? 'text/csv'}\r\n\r\n`,
      ),
      Buffer.isBuffer(file.bytes) ? file.bytes : Buffer.from(file.bytes),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

async function upload(
  app: FastifyInstance,
  fields: Record<string, string>,
  file?: { name: string; bytes: Buffer | string; type?: string },
  role: keyof typeof TOKENS = 'operator',
  // biome-ignore lint/suspicious/noExplicitAny: response shapes vary
): Promise<{ status: number; json: any }> {
  const { payload, headers } = multipart(fields, file);
  const res = await app.inject({
    method: 'POST',
    url: '/v1/campaigns',
    payload,
    headers: { ...headers, authorization: `Bearer ${TOKENS[role]}` },
  });
  return { status: res.statusCode, json: JSON.parse(res.body) };
}

// biome-ignore lint/suspicious/noExplicitAny: response shapes vary
async function until(app: FastifyInstance, id: string, ok: (v: any) => boolean): Promise<any> {
  let last: unknown;
  for (let i = 0; i < 400; i++) {
    const res = await app.inject({
      method: 'GET',
      url: `/v1/campaigns/${id}`,
      headers: { authorization: `Bearer ${TOKENS.operator}` },
    });
    last = JSON.parse(res.body);
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`campaign ${id} never reached the expected state: ${JSON.stringify(last)}`);
}

const CSV = [
  'phone,name,code',
  '+821011110001,Kim,A1',
  '+821011110000,Lee,B2', // the simulator's receipt for ...0000 is UNDELIV
  'not-a-number,Park,C3',
].join('\n');

test('multipart CSV campaign: 202 with an id, progress with receipts, then the CSV report', async () => {
  sim.clearRecords();
  const r = await upload(
    h.app,
    {
      account: 'bulk',
      column: 'phone',
      text: 'Hello {name}, code {code}',
      from: 'HUB',
      rate: '100',
      waitReceipts: '10',
    },
    { name: 'list.csv', bytes: CSV },
  );
  assert.equal(r.status, 202, JSON.stringify(r.json));
  assert.match(r.json.id, /^[0-9a-f]{16}$/);
  assert.equal(r.json.rows, 3);

  const v = await until(h.app, r.json.id, (x) => x.status === 'done');
  assert.equal(v.account, 'bulk');
  assert.equal(v.file, 'list.csv');
  assert.equal(v.createdBy, 'ops');
  assert.equal(v.rows, 3);
  assert.equal(v.sent, 2);
  assert.equal(v.accepted, 2);
  assert.equal(v.refused, 0);
  assert.equal(v.skipped, 1);
  assert.equal(v.receipts, 2);
  assert.equal(v.reportReady, true);
  assert.deepEqual(v.summary.receipts, { DELIVRD: 1, UNDELIV: 1 });
  assert.equal(sim.binds[0]?.systemId, 'bulk');
  assert.equal(sim.binds[0]?.bindType, 'trx');
  assert.deepEqual(sim.submits.map((s) => s.destinationAddr).sort(), ['821011110000', '821011110001']);

  const rep = await h.app.inject({
    method: 'GET',
    url: `/v1/campaigns/${r.json.id}/report`,
    headers: { authorization: `Bearer ${TOKENS.operator}` },
  });
  assert.equal(rep.statusCode, 200);
  assert.match(String(rep.headers['content-type']), /^text\/csv/);
  const lines = rep.body.trim().split('\n');
  assert.equal(
    lines[0],
    'row,number,message_id,parts,submit_status,error,receipt_stat,receipt_err,receipt_at',
  );
  assert.deepEqual(
    lines.slice(1).map((l) => l.split(',').filter((_, i) => [0, 1, 4, 6].includes(i))),
    [
      ['2', '+821011110001', 'OK', 'DELIVRD'],
      ['3', '+821011110000', 'OK', 'UNDELIV'],
      ['4', 'not-a-number', 'invalid-number', ''],
    ],
  );

  const list = await h.call('operator', 'GET', '/v1/campaigns');
  assert.ok(list.json.items.some((c: { id: string }) => c.id === r.json.id));
  const audit = await h.call('admin', 'GET', '/v1/audit');
  assert.ok(
    audit.json.items.some((e: { kind: string; id: string }) => e.kind === 'campaigns' && e.id === r.json.id),
  );
});

test('an Excel upload with a text column, raw body, fields in the query, password given in the request', async () => {
  sim.clearRecords();
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Sheet1');
  ws.addRow(['Mobile', 'Message']);
  ws.addRow([821022220001, 'First']);
  ws.addRow(['+82 10 2222 0002', 'Second']);
  const bytes = Buffer.from(await wb.xlsx.writeBuffer());
  // `adhoc` has no configured campaign password: the request brings it (checked against the stored hash).
  const res = await h.app.inject({
    method: 'POST',
    url: '/v1/campaigns?account=adhoc&password=adhocpw',
    payload: bytes,
    headers: {
      'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      authorization: `Bearer ${TOKENS.operator}`,
    },
  });
  assert.equal(res.statusCode, 202, res.body);
  const { id } = JSON.parse(res.body);
  const v = await until(h.app, id, (x) => x.status === 'done');
  assert.equal(v.accepted, 2);
  assert.equal(v.file, 'upload.xlsx');
  assert.equal(v.summary.receiptsRequested, false);
  assert.equal(
    JSON.stringify(await h.redis.hgetall(`${h.prefix}:campaign:${id}`)).includes('adhocpw'),
    false,
  );
});

test('bad requests are 400s naming the field; roles and unknown ids', async () => {
  const file = { name: 'list.csv', bytes: CSV };
  const cases: Array<[Record<string, string>, typeof file | undefined, string]> = [
    [{}, file, 'account'],
    [{ account: 'nobody' }, file, 'account'],
    [{ account: 'mm7only' }, file, 'account'],
    [{ account: 'adhoc' }, file, 'password'],
    [{ account: 'adhoc', password: 'wrong' }, file, 'password'],
    [{ account: 'bulk', from: 'ThisSenderIsTooLong' }, file, 'from'],
    [{ account: 'bulk', rate: '-1' }, file, 'rate'],
    [{ account: 'bulk', waitReceipts: 'soon' }, file, 'waitReceipts'],
    [{ account: 'bulk', column: 'msisdn', text: 'x' }, file, 'column'],
    [{ account: 'bulk', text: 'Hi {nickname}' }, file, 'text'],
    [{ account: 'bulk' }, file, 'text'], // neither a template nor a text column
    [{ account: 'bulk', text: 'x' }, undefined, 'file'],
    [{ account: 'bulk', text: 'x' }, { name: 'list.pdf', bytes: 'x' }, 'file'],
    [{ account: 'bulk', text: 'x' }, { name: 'empty.csv', bytes: 'phone\n' }, 'file'],
  ];
  for (const [fields, f, field] of cases) {
    const r = await upload(h.app, fields, f);
    assert.equal(r.status, 400, `${JSON.stringify(fields)}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json.code, 'HUB_ERR_VALIDATION');
    assert.equal(r.json.details.field, field, `${JSON.stringify(fields)}: ${JSON.stringify(r.json)}`);
  }
  const json = await h.call('operator', 'POST', '/v1/campaigns', { account: 'bulk' });
  assert.equal(json.status, 400);
  assert.equal(json.json.details.field, 'file');
  assert.equal((await upload(h.app, { account: 'bulk', text: 'x' }, file, 'read')).status, 403);
  assert.equal((await h.call('read', 'GET', '/v1/campaigns')).status, 403);
  assert.equal((await h.call('operator', 'GET', '/v1/campaigns/0123456789abcdef')).status, 404);
  assert.equal((await h.call('operator', 'GET', '/v1/campaigns/nope')).json.details.field, 'id');
});

test('another API instance answers progress and stops the campaign; the report marks rows not sent', async () => {
  sim.clearRecords();
  sim.behaviour.responseDelayMs = 40;
  const other = await buildApiApp({
    configStore: h.store,
    messages: h.messages,
    bus: h.bus,
    redis: h.redis,
    prefix: h.prefix,
    apiKeys: [{ id: 'ops', role: 'operator', keyHash: await hashSecret('operator-secret') }],
    rateLimit: false,
    campaigns: { smpp: { host: '127.0.0.1', port: 1 }, progressIntervalMs: 50 },
  });
  try {
    const rows = ['phone', ...Array.from({ length: 300 }, (_, i) => `+8210777${String(i).padStart(5, '0')}`)];
    const r = await upload(
      h.app,
      { account: 'bulk', text: 'stop me', window: '2' },
      { name: 'big.csv', bytes: rows.join('\n') },
    );
    assert.equal(r.status, 202, JSON.stringify(r.json));
    const { id } = r.json;
    await until(other, id, (x) => x.status === 'running' && x.accepted >= 2);
    const early = await other.inject({
      method: 'GET',
      url: `/v1/campaigns/${id}/report`,
      headers: { authorization: `Bearer ${TOKENS.operator}` },
    });
    assert.equal(early.statusCode, 409);
    const stop = await other.inject({
      method: 'DELETE',
      url: `/v1/campaigns/${id}`,
      headers: { authorization: `Bearer ${TOKENS.operator}` },
    });
    assert.equal(stop.statusCode, 202, stop.body);
    const v = await until(other, id, (x) => x.status === 'stopped');
    assert.ok(v.accepted >= 2 && v.accepted < 300, `accepted ${v.accepted}`);
    assert.equal(v.summary.skipped['not-sent'], 300 - v.accepted);
    const rep = await other.inject({
      method: 'GET',
      url: `/v1/campaigns/${id}/report`,
      headers: { authorization: `Bearer ${TOKENS.operator}` },
    });
    assert.equal(rep.statusCode, 200);
    assert.match(rep.body.trim().split('\n').at(-1) ?? '', /,not-sent,/);
  } finally {
    sim.behaviour.responseDelayMs = 0;
    await other.close();
  }
});

test('a bind the SMPP listener refuses ends the campaign as failed with the error', async () => {
  const bad = await startHarness({
    server: h.server,
    campaigns: {
      smpp: { host: '127.0.0.1', port: sim.port },
      passwords: { bulk: 'nope' },
      progressIntervalMs: 50,
    },
  });
  try {
    await bad.call('admin', 'POST', '/v1/accounts', {
      id: 'bulk',
      smpp: { systemId: 'bulk', password: 'bulkpw' },
    });
    const r = await upload(bad.app, { account: 'bulk', text: 'x' }, { name: 'l.csv', bytes: CSV });
    assert.equal(r.status, 202);
    const v = await until(bad.app, r.json.id, (x) => x.status === 'failed');
    assert.equal(v.error.code, 'HUB_ERR_SEND_CONNECT_FAILED');
    assert.equal(v.reportReady, false);
    assert.equal((await bad.call('operator', 'GET', `/v1/campaigns/${r.json.id}/report`)).status, 409);
  } finally {
    await bad.close();
  }
});
