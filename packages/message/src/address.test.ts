import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeAddress, routingKey } from './address.js';

test('E.164 forms: +, 00, TON 1 digits, long international digits', () => {
  assert.deepEqual(normalizeAddress('+82 10-5555-1234'), {
    kind: 'e164',
    value: '+821055551234',
    original: '+82 10-5555-1234',
  });
  assert.equal(normalizeAddress('00821055551234')?.value, '+821055551234');
  assert.equal(normalizeAddress('821055551234', { ton: 1, npi: 1 })?.kind, 'e164');
  assert.equal(normalizeAddress('821055551234', { ton: 1, npi: 1 })?.ton, 1);
  assert.equal(normalizeAddress('4915112345678')?.value, '+4915112345678');
});

test('short codes, alphanumerics, e-mail, national numbers', () => {
  assert.equal(normalizeAddress('12345')?.kind, 'short');
  assert.equal(normalizeAddress('SUREM', { ton: 5 })?.kind, 'alnum');
  assert.equal(normalizeAddress('Hub Info')?.value, 'Hub Info');
  assert.equal(normalizeAddress('User@Example.COM')?.value, 'user@example.com');
  assert.equal(normalizeAddress('01055551234', { defaultCountryCode: '82' })?.value, '+821055551234');
  assert.equal(normalizeAddress('1055551', { ton: 2 })?.kind, 'short');
  assert.equal(normalizeAddress('105555123', { ton: 2 })?.kind, 'national');
});

test('unusable input yields undefined, never throws', () => {
  for (const bad of ['', '   ', '+12', '12#34', 'x'.repeat(300), '안녕']) {
    assert.equal(normalizeAddress(bad), undefined, JSON.stringify(bad));
  }
  // A sender name with the wrong TON is tolerated (the gateways refuse letters in destinations).
  assert.equal(normalizeAddress('HUB', { ton: 1, npi: 1 })?.kind, 'alnum');
});

test('routingKey strips the + of E.164', () => {
  assert.equal(routingKey(normalizeAddress('+4915112345678')!), '4915112345678');
  assert.equal(routingKey(normalizeAddress('12345')!), '12345');
});
