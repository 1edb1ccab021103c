import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkPattern, MAX_PATTERN_LENGTH } from './pattern.js';

test('ordinary routing patterns are accepted', () => {
  for (const p of [
    '^49(15|16|17)\\d{7,9}$',
    '^(?:1|44)\\d+$',
    '^[0-9]{5}$',
    '^(?<cc>49)\\d+',
    '^\\+?49',
    '^(?=49)\\d+$',
    '^BANK[A-Z]*$',
    '^\\p{Lu}+$',
    '^(ab){2}$',
    '^(\\d+)?$',
  ]) {
    assert.equal(checkPattern(p), undefined, p);
  }
});

test('catastrophic shapes are rejected with a reason', () => {
  for (const p of ['(a+)+$', '^(\\d*)*$', '(a|ab)*c', '((a+))+', '(\\d{2}){3,}', '(?:x+y)+', '(a+){10}']) {
    assert.match(checkPattern(p) ?? '', /catastrophic/, p);
  }
});

test('backreferences, invalid syntax, excess length and too many quantifiers are rejected', () => {
  assert.match(checkPattern('(a)\\1') ?? '', /backreference/);
  assert.match(checkPattern('(?<x>a)\\k<x>') ?? '', /backreference/);
  assert.match(checkPattern('([0-9]') ?? '', /not a valid regular expression/);
  // Unicode mode refuses lone escapes that sloppy mode would accept.
  assert.match(checkPattern('\\q') ?? '', /not a valid regular expression/);
  assert.match(checkPattern('1'.repeat(MAX_PATTERN_LENGTH + 1)) ?? '', /longer than/);
  assert.match(checkPattern('\\d*\\d*\\d*\\d*x') ?? '', /unbounded/);
  assert.match(checkPattern('a?'.repeat(9)) ?? '', /variable/);
  assert.equal(checkPattern(''), 'must not be empty');
});
