import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHubError, toSmppStatus } from '@hub/errors';
import {
  decToHex,
  formatReceipt,
  hexToDec,
  isFinalState,
  MessageState,
  normalizeUpstreamId,
  parseReceipt,
  stateForStat,
  statForState,
} from './receipt.js';

const throwsCode = (fn: () => unknown, code: string) =>
  assert.throws(fn, (e: unknown) => isHubError(e, code));

const submit = new Date('2026-03-05T07:08:09Z');
const done = new Date('2026-03-05T07:09:59Z');

test('formatReceipt golden', () => {
  assert.equal(
    formatReceipt({
      id: '1A2B3C',
      submitDate: submit,
      doneDate: done,
      stat: 'DELIVRD',
      err: 0,
      text: 'Hello world, this is long',
    }),
    'id:1A2B3C sub:001 dlvrd:001 submit date:2603050708 done date:2603050709 stat:DELIVRD err:000 text:Hello world, this is',
  );
  assert.equal(
    formatReceipt({
      id: 'x9',
      sub: 3,
      dlvrd: 0,
      submitDate: submit,
      doneDate: done,
      stat: MessageState.UNDELIVERABLE,
      err: '1',
    }),
    'id:x9 sub:003 dlvrd:000 submit date:2603050708 done date:2603050709 stat:UNDELIV err:001 text:',
  );
});

test('formatReceipt validates', () => {
  throwsCode(
    () => formatReceipt({ id: '', submitDate: submit, doneDate: done, stat: 2 }),
    'HUB_ERR_SMPP_INVALID_RECEIPT',
  );
  throwsCode(
    () => formatReceipt({ id: 'a', submitDate: submit, doneDate: done, stat: 12 }),
    'HUB_ERR_SMPP_INVALID_RECEIPT',
  );
  throwsCode(
    () => formatReceipt({ id: 'a', sub: 1000, submitDate: submit, doneDate: done, stat: 2 }),
    'HUB_ERR_SMPP_INVALID_RECEIPT',
  );
  throwsCode(
    () => formatReceipt({ id: 'a', err: 'ABCD', submitDate: submit, doneDate: done, stat: 2 }),
    'HUB_ERR_SMPP_INVALID_RECEIPT',
  );
});

test('parseReceipt round-trips formatReceipt', () => {
  const text = formatReceipt({
    id: 'ABC123',
    sub: 1,
    dlvrd: 1,
    submitDate: submit,
    doneDate: done,
    stat: 'DELIVRD',
    err: 0,
    text: 'hi there',
  });
  const r = parseReceipt(text);
  assert.equal(r.id, 'ABC123');
  assert.equal(r.sub, 1);
  assert.equal(r.dlvrd, 1);
  assert.equal(r.submitDateRaw, '2603050708');
  assert.equal(r.submitDate?.toISOString(), '2026-03-05T07:08:00.000Z');
  assert.equal(r.doneDate?.toISOString(), '2026-03-05T07:09:00.000Z');
  assert.equal(r.stat, 'DELIVRD');
  assert.equal(r.state, 2);
  assert.equal(r.err, '000');
  assert.equal(r.text, 'hi there');
});

test('parseReceipt: Jasmin style without sub/dlvrd/text, seconds in dates', () => {
  const r = parseReceipt(
    'id:4a0c9c2e-2d7b-4e0f-9a4f-d1b0b7b1e6a1 submit date:260305070809 done date:260305071011 stat:UNDELIV err:12',
  );
  assert.equal(r.id, '4a0c9c2e-2d7b-4e0f-9a4f-d1b0b7b1e6a1');
  assert.equal(r.sub, undefined);
  assert.equal(r.text, undefined);
  assert.equal(r.doneDate?.toISOString(), '2026-03-05T07:10:11.000Z');
  assert.equal(r.state, MessageState.UNDELIVERABLE);
  assert.equal(r.err, '12');
});

test('parseReceipt: case-insensitive keys, Text:, 14-digit dates, alphanumeric err, NUL terminator', () => {
  const raw = Buffer.from(
    'ID:0913121205 SUB:001 DLVRD:001 Submit Date:20260305070809 Done Date:20260305071011 Stat:delivrd Err:0A1 Text:Héllo id:x\0',
    'latin1',
  );
  const r = parseReceipt(raw);
  assert.equal(r.id, '0913121205');
  assert.equal(r.submitDate?.toISOString(), '2026-03-05T07:08:09.000Z');
  assert.equal(r.stat, 'DELIVRD');
  assert.equal(r.state, 2);
  assert.equal(r.err, '0A1');
  assert.equal(r.text, 'Héllo id:x');
});

test('parseReceipt reads raw bytes as Latin-1, not GSM', () => {
  const r = parseReceipt(Buffer.from('id:ab_c$1@x stat:DELIVRD err:000', 'latin1'));
  assert.equal(r.id, 'ab_c$1@x');
});

test('parseReceipt tolerates unknown stat and odd fields; requires id and stat', () => {
  const r = parseReceipt(
    'id:1 sub:1 dlvrd:1 submit date:bad done date:2603050709 stat:WEIRD err:000 text:none',
  );
  assert.equal(r.state, undefined);
  assert.equal(r.stat, 'WEIRD');
  assert.equal(r.submitDate, undefined);
  assert.equal(r.submitDateRaw, 'bad');
  assert.equal(r.text, 'none');
  assert.equal(
    parseReceipt('id:77 submit_date:2603050708 stat:DELIVERED').submitDate?.toISOString(),
    '2026-03-05T07:08:00.000Z',
  );
  assert.throws(
    () => parseReceipt('hello world'),
    (e: unknown) => isHubError(e, 'HUB_ERR_SMPP_INVALID_RECEIPT') && toSmppStatus(e) === 0x65,
  );
  throwsCode(() => parseReceipt('id:1 err:000'), 'HUB_ERR_SMPP_INVALID_RECEIPT');
  throwsCode(() => parseReceipt('stat:DELIVRD'), 'HUB_ERR_SMPP_INVALID_RECEIPT');
});

test('stat ↔ message_state table', () => {
  const table = [
    ['ENROUTE', 1],
    ['DELIVRD', 2],
    ['EXPIRED', 3],
    ['DELETED', 4],
    ['UNDELIV', 5],
    ['ACCEPTD', 6],
    ['UNKNOWN', 7],
    ['REJECTD', 8],
    ['SCHEDULED', 0],
    ['SKIPPED', 9],
  ] as const;
  for (const [stat, state] of table) {
    assert.equal(statForState(state), stat);
    assert.equal(stateForStat(stat.toLowerCase()), state);
  }
  assert.equal(statForState(10), undefined);
  assert.equal(stateForStat('BADSTAT'), undefined);
  assert.equal(isFinalState(2), true);
  assert.equal(isFinalState(6), false);
  assert.equal(isFinalState(1), false);
});

test('upstream id normalisation: hex and decimal forms meet', () => {
  assert.equal(normalizeUpstreamId('0e999f21', 'hex'), normalizeUpstreamId('E999F21', 'hex'));
  assert.equal(normalizeUpstreamId('0e999f21', 'hex'), normalizeUpstreamId('244948769', 'dec'));
  assert.equal(normalizeUpstreamId('0913121205', 'dec'), '913121205');
  assert.equal(normalizeUpstreamId(' abc-DEF ', 'string'), 'abc-DEF');
  assert.equal(normalizeUpstreamId('0000', 'hex'), '0');
  assert.equal(hexToDec('FFFFFFFFFFFFFFFFFF'), '4722366482869645213695');
  assert.equal(decToHex('244948769'), 'E999F21');
  assert.equal(decToHex('000'), '0');
  throwsCode(() => normalizeUpstreamId('12g', 'hex'), 'HUB_ERR_SMPP_INVALID_MESSAGE_ID');
  throwsCode(() => normalizeUpstreamId('12a', 'dec'), 'HUB_ERR_SMPP_INVALID_MESSAGE_ID');
  throwsCode(() => normalizeUpstreamId('', 'string'), 'HUB_ERR_SMPP_INVALID_MESSAGE_ID');
  throwsCode(() => normalizeUpstreamId('1'.repeat(66), 'dec'), 'HUB_ERR_SMPP_INVALID_MESSAGE_ID');
});
