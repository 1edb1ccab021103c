import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encodeMm4 } from '@hub/mm4';
import { hasRedisServer } from '@hub/testkit';
import { HUB_DOMAIN, PEER_DOMAIN, PEER_SYSTEM, type Rig, sendRaw, startRig } from './testing.fixture.js';

const forward = (tx: string) =>
  encodeMm4({
    type: 'MM4_forward.REQ',
    transactionId: tx,
    messageId: `${tx}@${PEER_DOMAIN}`,
    from: '+972590000028',
    to: ['+4915112345678'],
    originatorSystem: PEER_SYSTEM,
    senderDomain: PEER_DOMAIN,
    recipientDomain: HUB_DOMAIN,
    parts: [{ contentType: 'text/plain', body: 'hello' }],
  });

describe('MM4 gateway during a Redis outage', {
  skip: hasRedisServer() ? false : 'redis-server not installed',
}, () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig();
  });
  after(async () => {
    await rig.close();
  });

  test('Redis down → 451 (the peer retries); after restart the same mail is accepted', async () => {
    await rig.redis.kill();
    const down = await sendRaw(rig.port, forward('tx-outage'));
    assert.equal(down.code, 451, down.response);
    assert.match(down.response, /^451 4\.3\.0 /);

    await rig.redis.restart();
    let up = await sendRaw(rig.port, forward('tx-outage'));
    // The command client may still be reconnecting for a moment: a real peer simply retries too.
    for (let i = 0; i < 20 && up.code !== 250; i++) {
      await new Promise((r) => setTimeout(r, 250));
      up = await sendRaw(rig.port, forward('tx-outage'));
    }
    assert.equal(up.code, 250, up.response);
    const id = /queued as ([0-9A-F]{16})/.exec(up.response)?.[1] ?? '';
    assert.equal((await rig.store.get(id))?.state, 'accepted');
    // The .RES queued with the message reaches the peer once Redis is back.
    const res = await rig.peer.waitFor((x) => x.pdu.transactionId === 'tx-outage', '.RES after the outage');
    assert.equal(res.pdu.type, 'MM4_forward.RES');
  });
});
