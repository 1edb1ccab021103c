import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isHubError } from '@hub/errors';
import ExcelJS from 'exceljs';
import { recipientsFromTable } from './recipients.js';
import { columnLetter, detectDelimiter, readTable } from './table.js';

const dir = mkdtempSync(join(tmpdir(), 'hub-send-table-'));

function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

test('CSV: BOM, ; delimiter, quoted cells with commas and newlines, blank lines', async () => {
  const p = file(
    'semi.csv',
    '\ufeffphone;name;note\r\n+821012345678;"Kim, J";"two\nlines"\r\n\r\n01099998888;Lee;\r\n',
  );
  const t = await readTable(p);
  assert.deepEqual(t.columns, ['phone', 'name', 'note']);
  assert.equal(t.headerless, false);
  assert.deepEqual(t.rows, [
    ['+821012345678', 'Kim, J', 'two\nlines'],
    ['01099998888', 'Lee', ''],
  ]);
  assert.equal(detectDelimiter('a\tb\tc\n'), '\t');
  assert.equal(detectDelimiter('"a;b",c\n'), ',');
});

test('a file of numbers only has columns A, B, … and no header row', async () => {
  const t = await readTable(file('plain.txt', '+821012345678\n+821012345679\n'));
  assert.equal(t.headerless, true);
  assert.deepEqual(t.columns, ['A']);
  assert.equal(t.rows.length, 2);
  assert.equal(t.firstRowNumber, 1);
  assert.equal(columnLetter(0), 'A');
  assert.equal(columnLetter(27), 'AB');
});

test('xlsx written with exceljs: numeric phone cells keep their digits, rich text and formulas read as text', async () => {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('List');
  ws.addRow(['Phone', 'Name', 'Amount']);
  ws.addRow([821012345678, { richText: [{ text: 'Ki' }, { text: 'm' }] }, { formula: '1+1', result: 2 }]);
  ws.addRow(['+82 10 5555 0000', 'Park', 3.5]);
  const p = join(dir, 'list.xlsx');
  await wb.xlsx.writeFile(p);
  const t = await readTable(p);
  assert.deepEqual(t.columns, ['Phone', 'Name', 'Amount']);
  assert.deepEqual(t.rows, [
    ['821012345678', 'Kim', '2'],
    ['+82 10 5555 0000', 'Park', '3.5'],
  ]);
  await assert.rejects(
    readTable(p, { sheet: 'Nope' }),
    (e: unknown) => isHubError(e, 'HUB_ERR_SEND_FILE_UNREADABLE') && /worksheets: List/.test(e.message),
  );
});

test('unreadable, unsupported, non-UTF-8 and empty files are typed errors', async () => {
  const cases: Array<[string, string]> = [
    [join(dir, 'missing.csv'), 'HUB_ERR_SEND_FILE_UNREADABLE'],
    [file('x.pdf', 'x'), 'HUB_ERR_SEND_FILE_FORMAT'],
    [file('latin.csv', Buffer.from([0x70, 0x68, 0x0a, 0xe9, 0xe9, 0x0a])), 'HUB_ERR_SEND_FILE_UNREADABLE'],
    [file('fake.xlsx', 'not a zip'), 'HUB_ERR_SEND_FILE_UNREADABLE'],
    [file('header-only.csv', 'phone,name\n'), 'HUB_ERR_SEND_FILE_EMPTY'],
    [file('blank.csv', '\n\n'), 'HUB_ERR_SEND_FILE_EMPTY'],
  ];
  for (const [p, code] of cases) {
    await assert.rejects(readTable(p), (e: unknown) => isHubError(e, code), p);
  }
});

test('recipients: number column by name or default, template or text column, bad rows marked', async () => {
  const t = await readTable(
    file('r.csv', 'name,mobile,message\nKim,+821012345678,Hi A\nLee,nope,Hi B\nPark,+821055550000,\n'),
  );
  const byTemplate = recipientsFromTable(t, { text: 'Dear {name}' });
  assert.deepEqual(
    byTemplate.map((r) => [r.row, r.number, r.text, r.skip]),
    [
      [2, '+821012345678', 'Dear Kim', undefined],
      [3, 'nope', 'Dear Lee', 'invalid-number'],
      [4, '+821055550000', 'Dear Park', undefined],
    ],
  );
  const byColumn = recipientsFromTable(t, { column: 'MOBILE' });
  assert.deepEqual(
    byColumn.map((r) => r.skip ?? r.text),
    ['Hi A', 'invalid-number', 'empty-text'],
  );
  assert.throws(
    () => recipientsFromTable(t, { column: 'phone', text: 'x' }),
    (e: unknown) =>
      isHubError(e, 'HUB_ERR_SEND_COLUMN_MISSING') && /'phone'.*name, mobile, message/.test(e.message),
  );
  assert.throws(
    () => recipientsFromTable(t, { textColumn: 'body' }),
    (e: unknown) => isHubError(e, 'HUB_ERR_SEND_COLUMN_MISSING'),
  );
  const noText = await readTable(file('n.csv', 'phone\n+821012345678\n'));
  assert.throws(
    () => recipientsFromTable(noText, {}),
    (e: unknown) => isHubError(e, 'HUB_ERR_SEND_NO_TEXT'),
  );
});
