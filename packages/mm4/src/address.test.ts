import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHubError } from '@hub/errors';
import { formatAddress, formatMm4Address, parseMm4Address, parseMm4AddressList } from './address.js';

test('PLMN addresses with and without /TYPE=PLMN and domain', () => {
  assert.deepEqual(parseMm4Address('+972590000030/TYPE=PLMN@oklik.net'), {
    kind: 'msisdn',
    value: '+972590000030',
    original: '+972590000030/TYPE=PLMN@oklik.net',
    domain: 'oklik.net',
    type: 'PLMN',
    displayName: undefined,
  });
  const bare = parseMm4Address('+972590000003');
  assert.equal(bare.kind, 'msisdn');
  assert.equal(bare.value, '+972590000003');
  assert.equal(bare.domain, undefined);
  assert.equal(parseMm4Address('+1 (202) 555-0100/type=plmn').value, '+12025550100');
  // NowSMS style: phonenumber@domain.
  const at = parseMm4Address('12025550100@MMS.Example.NET');
  assert.equal(at.kind, 'msisdn');
  assert.equal(at.value, '12025550100');
  assert.equal(at.domain, 'mms.example.net');
});

test('e-mail, IPv4, IPv6, display names, bare words', () => {
  const e = parseMm4Address('"Post Master" <PostMaster@MMS.Hotmobile.co.il>');
  assert.equal(e.kind, 'email');
  assert.equal(e.value, 'PostMaster@mms.hotmobile.co.il');
  assert.equal(e.displayName, 'Post Master');
  assert.equal(parseMm4Address('=?UTF-8?B?16nXnNeV150=?= <a@b.c>').displayName, 'שלום');
  const v4 = parseMm4Address('10.1.2.3/TYPE=IPv4@mmsc.example');
  assert.deepEqual([v4.kind, v4.value, v4.domain], ['ipv4', '10.1.2.3', 'mmsc.example']);
  const v6 = parseMm4Address('2001:DB8::1/TYPE=IPv6');
  assert.deepEqual([v6.kind, v6.value], ['ipv6', '2001:db8::1']);
  assert.equal(parseMm4Address('PostMaster').kind, 'other');
  assert.equal(parseMm4Address('mmsc.example.net').kind, 'other');
  assert.equal(parseMm4Address('alice/TYPE=USER@x.y').kind, 'other');
});

test('invalid addresses throw HUB_ERR_MM4_INVALID_ADDRESS', () => {
  for (const bad of [
    '',
    '   ',
    'abc/TYPE=PLMN',
    '1.2.3/TYPE=IPv4',
    'zz/TYPE=IPv6',
    '<>',
    'a\r\nb',
    '/TYPE=PLMN@x',
  ]) {
    assert.throws(
      () => parseMm4Address(bad),
      (e) => isHubError(e, 'HUB_ERR_MM4_INVALID_ADDRESS'),
      bad,
    );
  }
});

test('address lists: folded with 20 recipients, empty items, groups, quoted commas', () => {
  const folded = Array.from(
    { length: 20 },
    (_, i) => `+9725900000${String(i + 6).padStart(2, '0')}/TYPE=PLMN`,
  )
    .map((a, i) => (i % 2 === 0 ? a : `\r\n        ${a}`))
    .join(', ');
  const list = parseMm4AddressList(folded.replace(/\r\n/g, ''));
  assert.equal(list.length, 20);
  assert.ok(list.every((a) => a.kind === 'msisdn'));
  assert.deepEqual(parseMm4AddressList('a@b.c, , "Doe, J" <j@d.e>,'), [
    parseMm4Address('a@b.c'),
    parseMm4Address('"Doe, J" <j@d.e>'),
  ]);
  assert.deepEqual(parseMm4AddressList('undisclosed-recipients:;'), []);
  assert.equal(parseMm4AddressList('friends: +1555000111/TYPE=PLMN, x@y.z;').length, 2);
  assert.deepEqual(parseMm4AddressList(undefined), []);
});

test('formatting', () => {
  assert.equal(
    formatMm4Address('+972590000003', 'mms.peer.example'),
    '+972590000003/TYPE=PLMN@mms.peer.example',
  );
  assert.equal(formatMm4Address('+972590000003/TYPE=PLMN'), '+972590000003/TYPE=PLMN');
  assert.throws(
    () => formatMm4Address('someone@example.com'),
    (e) => isHubError(e, 'HUB_ERR_MM4_INVALID_ADDRESS'),
  );
  assert.equal(formatAddress(parseMm4Address('+1555/TYPE=PLMN@a.b')), '+1555/TYPE=PLMN@a.b');
  assert.equal(formatAddress(parseMm4Address('+1555/TYPE=PLMN@a.b'), ''), '+1555/TYPE=PLMN');
  assert.equal(formatAddress(parseMm4Address('10.0.0.1/TYPE=IPv4'), 'x.y'), '10.0.0.1/TYPE=IPv4@x.y');
  assert.equal(formatAddress(parseMm4Address('A@B.C'), 'ignored'), 'A@b.c');
});
