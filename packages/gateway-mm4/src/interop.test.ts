import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeMm4, type Mm4ForwardRes } from '@hub/mm4';
import { hasRedisServer } from '@hub/testkit';
import { HUB_DOMAIN, PEER_DOMAIN, PEER_SYSTEM, type Rig, startRig } from './testing.fixture.js';

const hasSwaks = spawnSync('swaks', ['--version'], { stdio: 'ignore' }).status === 0;
const skip = !hasRedisServer()
  ? 'redis-server not installed'
  : !hasSwaks
    ? 'swaks not installed (scripts/install-peers.sh installs it)'
    : false;

describe('interop: swaks (an independent SMTP client) sends a forward.REQ', { skip }, () => {
  let rig: Rig;
  let dir: string;
  before(async () => {
    rig = await startRig();
    dir = mkdtempSync(join(tmpdir(), 'hub-mm4-swaks-'));
  });
  after(async () => {
    await rig.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('swaks → 250, message stored, .RES to the peer', async () => {
    const e = encodeMm4({
      type: 'MM4_forward.REQ',
      transactionId: 'swaks-tx-1',
      messageId: `swaks-1@${PEER_DOMAIN}`,
      from: '+972590000028',
      to: ['+4915112345678'],
      originatorSystem: PEER_SYSTEM,
      senderDomain: PEER_DOMAIN,
      recipientDomain: HUB_DOMAIN,
      parts: [
        { contentType: 'text/plain', body: 'from swaks' },
        { contentType: 'image/png', body: Buffer.from('89504e470d0a1a0a', 'hex'), contentId: 'p.png' },
      ],
    });
    const file = join(dir, 'forward.eml');
    writeFileSync(file, e.mail);
    const args = [
      '--server',
      `127.0.0.1:${rig.port}`,
      '--from',
      e.envelope.from,
      '--to',
      e.envelope.to.join(','),
      '--data',
      `@${file}`,
      '--timeout',
      '15',
    ];
    const out = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
      // Async spawn: the gateway runs in this process and must keep serving while swaks talks to it.
      import('node:child_process').then(({ execFile }) => {
        // swaks' option parser takes a leading '+' (our +E164 recipients) as an option prefix unless POSIXLY_CORRECT.
        const env = { ...process.env, POSIXLY_CORRECT: '1' };
        execFile('swaks', args, { timeout: 30_000, env }, (err, stdout, stderr) => {
          resolve({
            status: err === null ? 0 : ((err as { code?: number }).code ?? 1),
            stdout: `${stdout}${stderr}`,
          });
        });
      });
    });
    assert.equal(out.status, 0, out.stdout);
    const id = /<-\s+250 2\.0\.0 Ok: queued as ([0-9A-F]{16})/.exec(out.stdout)?.[1];
    assert.ok(id, out.stdout);
    const msg = await rig.store.get(id);
    assert.equal(msg?.origin.transactionId, 'swaks-tx-1');
    assert.equal(msg?.content.type === 'mms' ? msg.content.parts.length : 0, 2);
    const res = await rig.peer.waitFor((x) => x.pdu.transactionId === 'swaks-tx-1', '.RES');
    assert.equal((res.pdu as Mm4ForwardRes).requestStatus, 'Ok');
  });
});
