import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Mm4Connector } from '@hub/connectors';
import { decodeMm4, encodeMm4, type Mm4ForwardReq, type Mm4ForwardRes } from '@hub/mm4';
import { freePort, hasRedisServer, waitFor } from '@hub/testkit';
import {
  HUB_DOMAIN,
  HUB_SYSTEM,
  mtMms,
  PEER_DOMAIN,
  PEER_SYSTEM,
  type Rig,
  sendRaw,
  startRig,
} from './testing.fixture.js';

const SCRIPT = new URL('./fixtures/aiosmtpd-peer.py', import.meta.url).pathname;
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex');

/** A python3 that can import aiosmtpd (Debian's /usr/bin/python3 when another python3 is first on PATH). */
function findPython(): string | undefined {
  for (const py of ['python3', '/usr/bin/python3']) {
    if (spawnSync(py, ['-c', 'import aiosmtpd'], { stdio: 'ignore' }).status === 0) return py;
  }
  return undefined;
}
const python = findPython();
const skip = !hasRedisServer()
  ? 'redis-server not installed'
  : python === undefined
    ? 'python3 cannot import aiosmtpd (scripts/install-peers.sh installs python3-aiosmtpd)'
    : false;

/** The aiosmtpd peer as a child process, writing each mail it accepts to `dir`. */
class AiosmtpdPeer {
  constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(py: string): Promise<AiosmtpdPeer> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'hub-aiosmtpd-'));
    const child = spawn(py, [SCRIPT, String(port), dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await waitFor(() => out.includes(`READY ${port}`) || child.exitCode !== null, {
      timeoutMs: 15_000,
      what: 'aiosmtpd listening',
    });
    if (child.exitCode !== null) throw new Error(`aiosmtpd exited: ${out}`);
    return new AiosmtpdPeer(child, port, dir);
  }

  /** Mail number `n` (1-based) once it was written: DATA bytes and envelope. */
  async mail(n: number): Promise<{ mail: Buffer; mailFrom: string; rcptTos: string[] }> {
    const meta = join(this.dir, `${n}.json`);
    await waitFor(() => existsSync(meta), { timeoutMs: 15_000, what: `mail ${n} at aiosmtpd` });
    const env = JSON.parse(readFileSync(meta, 'utf8')) as { mail_from: string; rcpt_tos: string[] };
    return { mail: readFileSync(join(this.dir, `${n}.eml`)), mailFrom: env.mail_from, rcptTos: env.rcpt_tos };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
        this.child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        this.child.kill('SIGTERM');
      });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

describe('interop: aiosmtpd (an independent SMTP server) as the peer MMSC', { skip }, () => {
  let peer: AiosmtpdPeer;
  let rig: Rig;
  let connector: Mm4Connector;

  before(async () => {
    peer = await AiosmtpdPeer.start(python as string);
    // The peer's connector points at aiosmtpd: forward.REQs from the connector and the gateway's .RES go there.
    rig = await startRig({ connector: { port: peer.port } });
    connector = new Mm4Connector(rig.connector, {
      mm4: { content: rig.content, correlation: rig.correlation },
    });
    await connector.start();
  });
  after(async () => {
    await connector?.stop();
    await rig?.close();
    await peer?.stop();
  });

  test('Hub → aiosmtpd: the mm4 connector’s MM4_forward.REQ, then the gateway’s MM4_forward.RES', async () => {
    const ref = await rig.content.put(PNG, { contentType: 'image/png' });
    const msg = mtMms(rig.ids, {
      subject: 'Interop',
      text: 'hello',
      charset: 'utf-8',
      image: { ref, bytes: PNG },
    });
    const sent = await connector.send(msg);

    const fwd = await peer.mail(1);
    assert.equal(fwd.mailFrom, `+4915100000001/TYPE=PLMN@${HUB_DOMAIN}`);
    assert.deepEqual(fwd.rcptTos, [`+972590000029/TYPE=PLMN@${PEER_DOMAIN}`]);
    const req = decodeMm4(fwd.mail) as Mm4ForwardReq;
    assert.equal(req.type, 'MM4_forward.REQ');
    assert.equal(req.messageId, sent.upstreamIds[0]);
    assert.equal(req.originatorSystem, HUB_SYSTEM);
    assert.equal(req.ackRequest, true);
    assert.equal(req.deliveryReport, true);
    assert.equal(req.subject, 'Interop');
    assert.equal(req.from.value, '+4915100000001');
    assert.deepEqual(
      req.to.map((a) => a.value),
      ['+972590000029'],
    );
    assert.deepEqual(
      req.parts.map((p) => p.contentType),
      ['text/plain', 'image/png'],
    );
    assert.deepEqual(req.parts[1]?.body, PNG);

    // The peer forwards an MM to Hub and asks for a .RES: the gateway sends it to aiosmtpd.
    const inbound = encodeMm4({
      type: 'MM4_forward.REQ',
      transactionId: 'aiosmtpd-tx-1',
      messageId: `aiosmtpd-1@${PEER_DOMAIN}`,
      from: '+972590000028',
      to: ['+4915112345678'],
      originatorSystem: PEER_SYSTEM,
      senderDomain: PEER_DOMAIN,
      recipientDomain: HUB_DOMAIN,
      ackRequest: true,
      parts: [{ contentType: 'text/plain', body: 'to hub' }],
    });
    const r = await sendRaw(rig.port, inbound);
    assert.equal(r.code, 250, r.response);
    const resMail = await peer.mail(2);
    assert.deepEqual(resMail.rcptTos, [PEER_SYSTEM]);
    const res = decodeMm4(resMail.mail) as Mm4ForwardRes;
    assert.equal(res.type, 'MM4_forward.RES');
    assert.equal(res.transactionId, 'aiosmtpd-tx-1');
    assert.equal(res.messageId, `aiosmtpd-1@${PEER_DOMAIN}`);
    assert.equal(res.requestStatus, 'Ok');
  });
});
