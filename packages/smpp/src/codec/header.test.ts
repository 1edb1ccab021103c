import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspectHeader } from './header.js';

const h = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');

test('enquire_link golden header', () => {
  assert.deepEqual(inspectHeader(h('00000010 00000015 00000000 0a342ee7')), {
    verdict: 'ok',
    commandLength: 16,
    commandId: 0x15,
    commandStatus: 0,
    sequenceNumber: 0x0a342ee7,
    complete: true,
    knownCommand: true,
  });
});

test('need-more, partial body and offset', () => {
  assert.deepEqual(inspectHeader(h('000000')), { verdict: 'need-more', have: 3 });
  assert.deepEqual(inspectHeader(h('00000020 000000')), { verdict: 'need-more', have: 7 });
  const v = inspectHeader(h('ffff 00000020 80000004 00000058 00000007 3132'), 2);
  assert.equal(v.verdict, 'ok');
  if (v.verdict === 'ok') {
    assert.equal(v.complete, false);
    assert.equal(v.commandStatus, 0x58);
    assert.equal(v.sequenceNumber, 7);
  }
  const unknown = inspectHeader(h('00000010 00000099 00000000 00000001'));
  assert.equal(unknown.verdict === 'ok' && unknown.knownCommand, false);
});

test('invalid command_length: too small, too large, configurable maximum', () => {
  assert.equal(inspectHeader(h('00000008')).verdict, 'invalid-length');
  assert.equal(inspectHeader(h('00000000 00000015 00000000 00000001')).verdict, 'invalid-length');
  assert.equal(inspectHeader(h('ffffffff')).verdict, 'invalid-length');
  assert.equal(inspectHeader(h('00004e20 00000004 00000000 00000001')).verdict, 'ok'); // 20000 < 70000
  assert.deepEqual(inspectHeader(h('00004e20'), 0, 16384), {
    verdict: 'invalid-length',
    commandLength: 20000,
    maxLength: 16384,
  });
  assert.equal(inspectHeader(h('00011171')).verdict, 'invalid-length'); // 70001
});
