import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Mm7Connector } from '@hub/config';
import { isHubError } from '@hub/errors';
import { createConnector } from './registry.js';
import { SmppConnector } from './smpp/smpp-connector.js';
import { smppConfig } from './testing.fixture.js';
import type { Connector } from './types.js';

test('createConnector maps kind to its factory; unknown kinds fail with HUB_ERR_CONNECTOR_UNKNOWN_KIND', async () => {
  const c = createConnector(smppConfig({ id: 'sms-a' }));
  assert.ok(c instanceof SmppConnector);
  assert.equal(c.id, 'sms-a');
  assert.equal(c.kind, 'smpp');
  assert.deepEqual(c.state().sessions, { configured: 1, bound: 0 });
  assert.equal(c.state().up, false);
  await c.stop();

  const mm7 = Mm7Connector.parse({ id: 'mms-a', kind: 'mm7', url: 'http://127.0.0.1:9/mm7' });
  assert.throws(
    () => createConnector(mm7),
    (e) => isHubError(e, 'HUB_ERR_CONNECTOR_UNKNOWN_KIND') && e.recovery === 'permanent',
  );
  const fake = { id: 'mms-a', kind: 'mm7' } as unknown as Connector;
  assert.equal(createConnector(mm7, {}, { mm7: () => fake }), fake);
});

test('a connector that is not started is down and refuses sends as temporary', async () => {
  const c = createConnector(smppConfig({ port: 9 }));
  const { sms } = await import('./testing.fixture.js');
  await assert.rejects(
    c.send(sms()),
    (e) => isHubError(e, 'HUB_ERR_CONNECTOR_DOWN') && e.recovery === 'temporary',
  );
  await c.stop();
  await assert.rejects(c.send(sms()), (e) => isHubError(e, 'HUB_ERR_CONNECTOR_STOPPED'));
});
