import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isHubError } from '@hub/errors';
import { decodeText, SmppStatus } from '@hub/smpp';
import { SmscSimulator } from '@hub/testkit';
import ExcelJS from 'exceljs';
import { Campaign, type CampaignOptions } from './campaign.js';
import { recipientsFromTable, singleRecipient } from './recipients.js';
import { reportCsv } from './report.js';
import { readTable } from './table.js';
import { virtualClock } from './testing.fixture.js';
import { parseSmppUrl } from './url.js';

const dir = mkdtempSync(join(tmpdir(), 'hub-send-'));
let sim: SmscSimulator;

before(async () => {
  sim = await SmscSimulator.start({
    systemId: 'acme',
    password: 'secret',
    // 333… is a destination the "Hub" refuses.
    failStatus: (pdu) => (pdu.destination_addr.startsWith('333') ? SmppStatus.ESME_RINVDSTADR : undefined),
  });
});
after(async () => {
  await sim.stop();
});

function target(password = 'secret'): CampaignOptions['target'] {
  return { ...parseSmppUrl(`smpp://acme@127.0.0.1:${sim.port}`), password };
}

/** Text of a recorded submit (UDH stripped). */
function textOf(s: SmscSimulator['submits'][number]): string {
  const sm = s.shortMessage;
  const body = (s.esmClass & 0x40) !== 0 ? sm.subarray((sm[0] as number) + 1) : sm;
  return decodeText(s.dataCoding, body);
}

test('one message: bound, accepted with Hub message id, receipt awaited', async () => {
  sim.clearRecords();
  const c = new Campaign({
    target: target(),
    recipients: [singleRecipient('+82 10-1234-5678', 'Hello from hub send')],
    from: 'HUB',
    waitReceiptsMs: 10_000,
  });
  const { rows, summary } = await c.run();
  assert.equal(sim.submitCount, 1);
  const sub = sim.submits[0];
  assert.ok(sub);
  assert.equal(sub.destinationAddr, '821012345678');
  assert.equal(sub.destAddrTon, 1);
  assert.equal(sub.sourceAddr, 'HUB');
  assert.equal(sub.sourceAddrTon, 5);
  assert.equal(sub.registeredDelivery, 1);
  assert.equal(textOf(sub), 'Hello from hub send');
  assert.equal(rows[0]?.outcome, 'accepted');
  assert.deepEqual(rows[0]?.messageIds, [sub.messageId]);
  assert.equal(summary.accepted, 1);
  assert.deepEqual(summary.receipts, { DELIVRD: 1 });
  assert.equal(summary.receiptsMissing, 0);
  assert.equal(sim.binds[0]?.bindType, 'trx');
});

test('CSV campaign: templates, GSM and UCS-2, long text split, refusals, bad rows, receipts in the report', async () => {
  sim.clearRecords();
  const csv = [
    'phone,name,code',
    '+821011110001,Kim,A1',
    '+821011110000,Lee,B2', // ends in 0000: the simulator answers UNDELIV
    'not-a-number,Park,C3',
    '+333123456,Choi,D4', // refused ESME_RINVDSTADR
    '+821011110005,김민준,E5', // Hangul → UCS-2
  ].join('\n');
  const p = join(dir, 'campaign.csv');
  writeFileSync(p, csv);
  const recipients = recipientsFromTable(await readTable(p), {
    column: 'phone',
    text: `Hello {name}, your code is {code}.${' Thanks!'.repeat(20)}`,
  });
  const c = new Campaign({ target: target(), recipients, window: 3, waitReceiptsMs: 10_000 });
  const { rows, summary } = await c.run();

  assert.equal(summary.total, 5);
  assert.equal(summary.sent, 4);
  assert.equal(summary.accepted, 3);
  assert.deepEqual(summary.refused, { ESME_RINVDSTADR: 1 });
  assert.deepEqual(summary.skipped, { 'invalid-number': 1 });
  assert.deepEqual(summary.receipts, { DELIVRD: 2, UNDELIV: 1 });
  assert.equal(summary.receiptsMissing, 0);

  const kim = sim.submits.filter((s) => s.destinationAddr === '821011110001');
  assert.equal(kim.length, 2, 'GSM text of 191 characters is 2 parts');
  assert.equal(kim[0]?.dataCoding, 0);
  assert.equal(kim.map(textOf).join(''), `Hello Kim, your code is A1.${' Thanks!'.repeat(20)}`);
  const hangul = sim.submits.filter((s) => s.destinationAddr === '821011110005');
  assert.equal(hangul[0]?.dataCoding, 8);
  assert.equal(hangul.length, 3, 'UCS-2 text of 191 characters is 3 parts');
  assert.ok(hangul.map(textOf).join('').startsWith('Hello 김민준, your code is E5.'));

  const report = reportCsv(rows).trim().split('\n');
  assert.equal(
    report[0],
    'row,number,message_id,parts,submit_status,error,receipt_stat,receipt_err,receipt_at',
  );
  const cells = report.slice(1).map((l) => l.split(','));
  assert.deepEqual(
    cells.map((c) => [c[0], c[1], c[3], c[4], c[6]]),
    [
      ['2', '+821011110001', '2', 'OK', 'DELIVRD'],
      ['3', '+821011110000', '2', 'OK', 'UNDELIV'],
      ['4', 'not-a-number', '0', 'invalid-number', ''],
      ['5', '+333123456', '2', 'ESME_RINVDSTADR', ''],
      ['6', '+821011110005', '3', 'OK', 'DELIVRD'],
    ],
  );
  // message_id: the Hub ids of every part, as answered in submit_sm_resp.
  assert.equal(cells[0]?.[2], kim.map((s) => s.messageId).join(' '));
  assert.equal(cells[1]?.[7], '001');
  assert.match(cells[0]?.[8] ?? '', /^\d{4}-\d\d-\d\dT/);
});

test('xlsx campaign with a per-row text column', async () => {
  sim.clearRecords();
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Sheet1');
  ws.addRow(['Mobile', 'Message']);
  ws.addRow([821022220001, 'First text']);
  ws.addRow(['+82 10 2222 0002', 'Second text']);
  const p = join(dir, 'list.xlsx');
  await wb.xlsx.writeFile(p);
  const recipients = recipientsFromTable(await readTable(p), {});
  const { summary } = await new Campaign({ target: target(), recipients }).run();
  assert.equal(summary.accepted, 2);
  assert.equal(summary.receiptsRequested, false);
  assert.deepEqual(sim.submits.map((s) => [s.destinationAddr, textOf(s), s.registeredDelivery]).sort(), [
    ['821022220001', 'First text', 0],
    ['821022220002', 'Second text', 0],
  ]);
  assert.equal(sim.binds[0]?.bindType, 'tx');
});

test('rate limit: 30 submits at --rate 20 span at least 1.45 virtual seconds (≤ 20 per second)', async () => {
  sim.clearRecords();
  const clock = virtualClock();
  const recipients = Array.from({ length: 30 }, (_, i) =>
    singleRecipient(`+8210333${String(i).padStart(5, '0')}`, 'r'),
  );
  const c = new Campaign({ target: target(), recipients, rate: 20, window: 5, rateClock: clock });
  const run = c.run();
  await clock.drive(run);
  const { summary } = await run;
  assert.equal(summary.accepted, 30);
  assert.equal(sim.submitCount, 30);
  // The first grant is at t = 0 and the 30th at t ≥ 29 × 50 ms: never more than 20 in one second.
  assert.ok(clock.t >= 29 * 50, `virtual time ${clock.t}`);
});

test('ESME_RTHROTTLED is retried; a wrong password is HUB_ERR_SEND_CONNECT_FAILED with the status', async () => {
  sim.clearRecords();
  sim.behaviour.throttleEvery = 3;
  try {
    const recipients = Array.from({ length: 6 }, (_, i) => singleRecipient(`+82104444000${i}`, 't'));
    const { summary } = await new Campaign({ target: target(), recipients, window: 1 }).run();
    assert.equal(summary.accepted, 6);
    assert.ok(summary.throttled >= 2);
    assert.equal(summary.submits, sim.submitCount);
  } finally {
    sim.behaviour.throttleEvery = 0;
  }
  await assert.rejects(
    new Campaign({ target: target('wrong'), recipients: [singleRecipient('+821012345678', 'x')] }).run(),
    (e: unknown) =>
      isHubError(e, 'HUB_ERR_SEND_CONNECT_FAILED') &&
      e.details?.status === SmppStatus.ESME_RINVPASWD &&
      /wrong password/.test(e.message),
  );
});

test('stop() ends a campaign early: rows not started are not-sent', async () => {
  sim.clearRecords();
  sim.behaviour.responseDelayMs = 50;
  try {
    const recipients = Array.from({ length: 200 }, (_, i) =>
      singleRecipient(`+8210555${String(i).padStart(5, '0')}`, 's'),
    );
    const c = new Campaign({ target: target(), recipients, window: 2 });
    const run = c.run();
    await sim.waitForSubmits(2);
    c.stop();
    const { rows, summary } = await run;
    assert.ok(summary.accepted >= 2 && summary.accepted < 200);
    assert.equal(summary.skipped['not-sent'], 200 - summary.accepted);
    assert.equal(rows.at(-1)?.outcome, 'not-sent');
  } finally {
    sim.behaviour.responseDelayMs = 0;
  }
});

test('the report file is written as CSV with quoting', async () => {
  const { writeReport } = await import('./report.js');
  const rows = [
    {
      row: 2,
      number: '+82 10, 1',
      outcome: 'failed' as const,
      messageIds: [],
      parts: 1,
      smppStatus: undefined,
      error: 'HUB_ERR_SMPP_RESPONSE_TIMEOUT',
      receipts: new Map(),
    },
  ];
  const p = join(dir, 'r.csv');
  await writeReport(p, rows);
  assert.equal(
    readFileSync(p, 'utf8'),
    'row,number,message_id,parts,submit_status,error,receipt_stat,receipt_err,receipt_at\n2,"+82 10, 1",,1,failed,HUB_ERR_SMPP_RESPONSE_TIMEOUT,,,\n',
  );
});
