import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IpAllowlist, loadAccounts } from './accounts.js';
import { Account } from './schema.js';

test('IpAllowlist: empty allows all; CIDRs and single addresses, IPv4-mapped IPv6, IPv6', () => {
  assert.equal(new IpAllowlist([]).allows('203.0.113.9'), true);
  assert.equal(new IpAllowlist([]).restricted, false);
  const l = new IpAllowlist(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32']);
  assert.equal(l.restricted, true);
  assert.equal(l.allows('10.1.2.3'), true);
  assert.equal(l.allows('::ffff:10.1.2.3'), true);
  assert.equal(l.allows('192.0.2.7'), true);
  assert.equal(l.allows('192.0.2.8'), false);
  assert.equal(l.allows('2001:db8::1'), true);
  assert.equal(l.allows('2001:db9::1'), false);
});

test('loadAccounts: stored accounts override configured ones by id; invalid ones are reported and skipped', async () => {
  const a = Account.parse({ id: 'a', name: 'from file' });
  const b = Account.parse({ id: 'b' });
  const invalid: string[] = [];
  const got = await loadAccounts(
    [a, b],
    {
      getAll: async () => [
        { id: 'a', doc: { id: 'a', name: 'from store' } },
        { id: 'c', doc: { id: 'c', allowedIps: ['nope'] } },
      ],
    },
    (id, issue) => invalid.push(`${id}: ${issue}`),
  );
  assert.deepEqual(
    got.map((x) => [x.id, x.name]),
    [
      ['a', 'from store'],
      ['b', undefined],
    ],
  );
  assert.equal(invalid.length, 1);
  assert.match(invalid[0]!, /^c: allowedIps\.0: /);
});
