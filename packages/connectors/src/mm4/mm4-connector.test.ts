import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Mm4ConnectorConfig, Mm4Connector as Mm4ConnectorSchema } from '@hub/config';
import { isHubError } from '@hub/errors';
import { createMessage, type HubMessage, IdGenerator } from '@hub/message';
import { decodeMm4, type Mm4ForwardReq, transactionKey } from '@hub/mm4';
import { freePort, SmtpPeer } from '@hub/testkit';
import { createConnector } from '../registry.js';
import { addr, sms } from '../testing.fixture.js';
import { Mm4Connector } from './mm4-connector.js';
import type { Mm4SendCorrelation, ResWait, SentReq } from './ports.js';
import { createPeerTransport, DEFAULT_PEER_MAX_MESSAGES } from './smtp.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex');
const ids = new IdGenerator(3);

class RecordingCorrelation implements Mm4SendCorrelation {
  readonly sent: Array<{ key: string; req: SentReq }> = [];
  readonly waits: Array<{ key: string; req: SentReq; wait: ResWait }> = [];
  async rememberSent(key: string, req: SentReq): Promise<void> {
    this.sent.push({ key, req });
  }
  async awaitRes(key: string, req: SentReq, wait: ResWait): Promise<void> {
    this.waits.push({ key, req, wait });
  }
}

function config(port: number, over: Record<string, unknown> = {}): Mm4ConnectorConfig {
  return Mm4ConnectorSchema.parse({
    id: 'peer-x',
    kind: 'mm4',
    host: '127.0.0.1',
    port,
    domain: 'mms.peer-x.example',
    originatorSystem: 'system-user@mms.hub.example',
    resTimeoutMs: 60_000,
    retries: { temporary: { attempts: 3, delayMs: 1000 } },
    ...over,
  });
}

function mms(ref: string): HubMessage {
  return createMessage({
    id: ids.next(),
    direction: 'mt',
    kind: 'mms',
    origin: { protocol: 'mm7', account: 'vasp-1' },
    from: addr('+4915100000001'),
    to: [addr('+972590000029'), addr('+972590000030')],
    content: {
      type: 'mms',
      subject: 'Hello',
      parts: [
        {
          contentType: 'text/plain',
          charset: 'utf-8',
          size: 2,
          inline: Buffer.from('hi').toString('base64'),
        },
        { contentType: 'image/png', size: PNG.length, ref, contentId: 'a.png' },
      ],
    },
    options: { receipt: 'final', priority: 2 },
  });
}

describe('mm4 connector against a local SMTP peer', () => {
  /** A peer MMSC's SMTP server: records mails; `replies` scripts the next DATA answers. */
  let peer: SmtpPeer;
  let port: number;
  let correlation: RecordingCorrelation;
  let c: Mm4Connector;
  const content = {
    async get(ref: string): Promise<Buffer> {
      if (ref !== 'ref-png') throw new Error(`unknown ref ${ref}`);
      return PNG;
    },
  };

  before(async () => {
    peer = new SmtpPeer();
    port = await peer.listen();
    correlation = new RecordingCorrelation();
    const made = createConnector(config(port), { mm4: { content, correlation } });
    assert.ok(made instanceof Mm4Connector);
    c = made;
    assert.equal(c.state().up, false, 'down until started');
    await c.start();
  });
  after(async () => {
    await c.stop();
    await peer.close();
  });

  test('accept: one MM4_forward.REQ with the X-Mms headers, PLMN recipients and the stored part bytes', async () => {
    const msg = mms('ref-png');
    const r = await c.send(msg);
    const messageId = `${msg.id}@mms.hub.example`;
    assert.deepEqual(r.upstreamIds, [messageId]);
    assert.equal(r.segments, 1);
    const got = peer.mails.at(-1);
    assert.ok(got);
    assert.deepEqual(got.to, [
      '+972590000029/TYPE=PLMN@mms.peer-x.example',
      '+972590000030/TYPE=PLMN@mms.peer-x.example',
    ]);
    const pdu = decodeMm4(got.mail) as Mm4ForwardReq;
    assert.equal(pdu.type, 'MM4_forward.REQ');
    assert.equal(pdu.messageId, messageId);
    assert.equal(pdu.originatorSystem, 'system-user@mms.hub.example');
    assert.equal(pdu.ackRequest, true);
    assert.equal(pdu.deliveryReport, true);
    assert.equal(pdu.subject, 'Hello');
    assert.equal(pdu.from.value, '+4915100000001');
    assert.deepEqual(
      pdu.parts.map((p) => p.contentType),
      ['text/plain', 'image/png'],
    );
    assert.deepEqual(pdu.parts[1]?.body, PNG);
    // Correlation: remembered before sending, .RES wait armed after the 250 with the connector's settings.
    const key = transactionKey(pdu.transactionId, 'system-user@mms.hub.example');
    assert.deepEqual(correlation.sent.at(-1), {
      key,
      req: { hubId: msg.id, via: 'peer-x', type: 'MM4_forward.REQ', messageId },
    });
    assert.deepEqual(correlation.waits.at(-1)?.wait, { timeoutMs: 60_000, maxAttempts: 3 });
    assert.equal(correlation.waits.at(-1)?.req.attempt, 1);
    assert.equal(c.state().up, true);
    assert.equal(c.state().inFlight, 0);
  });

  test('an SMS routed to MM4 goes as a one-part text MM', async () => {
    const r = await c.send(sms({ text: 'plain text', to: '+972590000031' }));
    const pdu = decodeMm4(peer.mails.at(-1)?.mail ?? Buffer.alloc(0)) as Mm4ForwardReq;
    assert.equal(pdu.messageId, r.upstreamIds[0]);
    assert.equal(pdu.parts[0]?.body.toString(), 'plain text');
  });

  test('4xx is temporary (smtpCode kept), the next send goes through; the connector stays up', async () => {
    const before = peer.mails.length;
    peer.replies.push([451, '4.3.0 try again later']);
    const msg = mms('ref-png');
    await assert.rejects(c.send(msg), (err: unknown) => {
      assert.ok(isHubError(err, 'HUB_ERR_MM4GW_PEER_UNAVAILABLE'));
      assert.equal(err.recovery, 'temporary');
      assert.equal(err.details?.smtpCode, 451);
      return true;
    });
    assert.equal(c.state().up, true, 'a 4xx is a busy peer, not a down one');
    assert.equal(c.state().lastError?.code, 'HUB_ERR_MM4GW_PEER_UNAVAILABLE');
    await c.send(msg);
    assert.equal(peer.mails.length, before + 1);
  });

  test('5xx is permanent with the SMTP code', async () => {
    peer.replies.push([554, '5.7.1 no MMs for you']);
    await assert.rejects(c.send(mms('ref-png')), (err: unknown) => {
      assert.ok(isHubError(err, 'HUB_ERR_MM4GW_PEER_REJECTED'));
      assert.equal(err.recovery, 'permanent');
      assert.equal(err.details?.smtpCode, 554);
      return true;
    });
  });

  test('a recipient MM4 cannot address is permanent, before any SMTP', async () => {
    const before = peer.mails.length;
    const msg = { ...mms('ref-png'), to: [addr('someone@example.com')] };
    await assert.rejects(c.send(msg), (err: unknown) => isHubError(err) && err.recovery === 'permanent');
    assert.equal(peer.mails.length, before);
  });
});

test('mm4 connector: unreachable peer is temporary and marks it down; no content store is temporary; stop', async () => {
  const port = await freePort();
  const warnings: string[] = [];
  const c = new Mm4Connector(config(port), { downForMs: 60_000, onWarning: (w) => warnings.push(w) });
  await assert.rejects(c.send(sms()), (err: unknown) => isHubError(err, 'HUB_ERR_CONNECTOR_DOWN'));
  await c.start();
  assert.equal(warnings.length, 2, 'warned about the missing mm4 services');
  assert.equal(c.state().up, true);
  await assert.rejects(c.send(mms('ref-png')), (err: unknown) => {
    assert.ok(isHubError(err, 'HUB_ERR_CONNECTOR_TEMPORARY'));
    return true;
  });
  await assert.rejects(c.send(sms()), (err: unknown) => {
    assert.ok(isHubError(err, 'HUB_ERR_MM4GW_PEER_UNAVAILABLE'));
    assert.equal(err.recovery, 'temporary');
    assert.equal(err.details?.smtpCode, undefined);
    return true;
  });
  assert.equal(c.state().up, false, 'no SMTP reply at all: down for downForMs');
  await c.stop();
  assert.equal(c.state().up, false);
  await assert.rejects(c.send(sms()), (err: unknown) => isHubError(err, 'HUB_ERR_CONNECTOR_STOPPED'));
});

test('pooled peer connections: reused past the 100 mails of nodemailer by default; pool.maxMessages from config', async () => {
  const peer = new SmtpPeer();
  const port = await peer.listen();
  let connections = 0;
  peer.server.server.on('connection', () => connections++);
  try {
    const t = createPeerTransport('peer-x', { host: '127.0.0.1', port, maxConnections: 1 });
    try {
      const mail = { mail: Buffer.from('Subject: x\r\n\r\nx\r\n'), envelope: { from: 'a@x', to: ['b@y'] } };
      for (let i = 0; i < 150; i++) await t.send(mail);
    } finally {
      t.close();
    }
    assert.ok(DEFAULT_PEER_MAX_MESSAGES > 150);
    assert.equal(connections, 1, '150 mails on one connection');

    connections = 0;
    const c = new Mm4Connector(config(port, { pool: { maxConnections: 1, maxMessages: 2 } }));
    await c.start();
    try {
      for (let i = 0; i < 5; i++) await c.send(sms({ to: '+972590000031' }));
    } finally {
      await c.stop();
    }
    assert.equal(connections, 3, 'a new connection after every 2 mails');
    assert.equal(peer.mails.length, 155);
  } finally {
    await peer.close();
  }
});
