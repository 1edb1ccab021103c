import assert from 'node:assert/strict';
import { test } from 'node:test';
import { looksLikeNumber, parseDestination, parseSource } from './address.js';

test('destinations: + and 00 are international, separators are dropped, bare digits are TON unknown', () => {
  assert.deepEqual(parseDestination('+82 10-1234-5678'), { ton: 1, npi: 1, addr: '821012345678' });
  assert.deepEqual(parseDestination('0082 (10) 1234 5678'), { ton: 1, npi: 1, addr: '821012345678' });
  assert.deepEqual(parseDestination('01012345678'), { ton: 0, npi: 1, addr: '01012345678' });
  assert.equal(parseDestination('call me'), undefined);
  assert.equal(parseDestination('+12'), undefined);
  assert.equal(parseDestination(''), undefined);
});

test('sources: international, short code, alphanumeric up to 11, empty', () => {
  assert.deepEqual(parseSource('+447700900123'), { ton: 1, npi: 1, addr: '447700900123' });
  assert.deepEqual(parseSource('12345'), { ton: 3, npi: 0, addr: '12345' });
  assert.deepEqual(parseSource('HUB'), { ton: 5, npi: 0, addr: 'HUB' });
  assert.deepEqual(parseSource(''), { ton: 0, npi: 0, addr: '' });
  assert.equal(parseSource('TwelveChars!'), undefined);
});

test('header detection: numbers look like numbers, column names do not', () => {
  assert.equal(looksLikeNumber('+821012345678'), true);
  assert.equal(looksLikeNumber('01012345678'), true);
  assert.equal(looksLikeNumber('phone'), false);
  assert.equal(looksLikeNumber('2024'), false);
});
