import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatId, ID_EPOCH_MS, IdGenerator, idTimestamp, isHubId, parseId } from './ids.js';

test('ids are unique, fixed-width, sortable and carry their time', () => {
  const gen = new IdGenerator(7);
  const now = Date.UTC(2026, 10, 26, 12, 0, 0);
  const ids = Array.from({ length: 10_000 }, () => gen.next(now));
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort(), ids);
  for (const id of ids.slice(0, 10)) assert.ok(isHubId(id));
  // 10,000 ids in one ms overflow the 12-bit sequence: the clock is borrowed, never repeated.
  assert.ok(idTimestamp(ids[ids.length - 1]!) >= now);
  assert.equal(idTimestamp(ids[0]!), now);
});

test('two nodes in the same millisecond never collide', () => {
  const a = new IdGenerator(1);
  const b = new IdGenerator(2);
  const t = ID_EPOCH_MS + 1000;
  assert.notEqual(a.next(t), b.next(t));
});

test('decimal and hex forms round-trip; bad ids are refused', () => {
  const id = new IdGenerator(1023).next(Date.UTC(2030, 0, 1));
  const dec = formatId(id, 'dec');
  assert.match(dec, /^[0-9]{18,20}$/);
  assert.equal(parseId(dec), id);
  assert.equal(parseId(dec, 'dec'), id);
  assert.equal(parseId(id), id);
  assert.equal(parseId(id.toLowerCase()), id);
  assert.equal(parseId(' 00000000000000FF ', 'hex'), '00000000000000FF');
  assert.equal(parseId('ZZZ'), undefined);
  assert.equal(parseId(''), undefined);
  assert.equal(parseId('99999999999999999999'), undefined); // > 2^64
  assert.throws(() => new IdGenerator(1024), /HUB_ERR_VALIDATION|node id/);
});
