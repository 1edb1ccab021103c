import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHubError } from '@hub/errors';
import { parseSmppUrl, redact } from './url.js';

test('smpp URLs give host, port, TLS, system_id and a percent-decoded password', () => {
  assert.deepEqual(parseSmppUrl('smpp://acme:p%40ss@hub.example:2776?system_type=VMA'), {
    host: 'hub.example',
    port: 2776,
    tls: false,
    systemId: 'acme',
    password: 'p@ss',
    systemType: 'VMA',
  });
  const t = parseSmppUrl('smpps://acme@[::1]');
  assert.equal(t.host, '::1');
  assert.equal(t.port, 3550);
  assert.equal(t.tls, true);
  assert.equal(t.password, undefined);
  assert.equal(parseSmppUrl('smpp://a:b@h').port, 2775);
});

test('bad URLs are HUB_ERR_SEND_INVALID_OPTION without echoing the password', () => {
  for (const bad of ['http://a:b@h:1', 'smpp://h:2775', 'smpp://a:b@h:99999', 'not a url']) {
    assert.throws(
      () => parseSmppUrl(bad),
      (e: unknown) => isHubError(e, 'HUB_ERR_SEND_INVALID_OPTION'),
    );
  }
  assert.equal(redact('smpp://acme:secret@h:1'), 'smpp://acme:***@h:1');
});
