import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type HubError, isHubError } from '@hub/errors';
import { type BoundInfo, SmppClient, type SmppClientOptions } from './client-session.js';
import { encodePdu, type SmppPdu } from './node-smpp.js';
import { type ServerSession, SmppServer, type SmppServerOptions } from './server-session.js';
import type { RequestDecision } from './session.js';
import { SessionState } from './state.js';
import { within } from './testing.fixture.js';

const FAST = { initialDelayMs: 20, maxDelayMs: 200, factor: 2, jitter: 0 };

async function startServer(
  extra: Partial<SmppServerOptions> = {},
): Promise<{ server: SmppServer; port: number }> {
  const server = new SmppServer({
    onBind: (req) => (req.password === 'secret' ? { ok: true } : { ok: false, status: 0x0e }),
    onRequest: (_s, pdu) => ({ status: 0, fields: { message_id: `id-${pdu.sequence}` } }),
    enquireLinkIntervalMs: 0,
    ...extra,
  });
  const { port } = await server.listen({ port: 0 });
  return { server, port };
}

function client(port: number, extra: Partial<SmppClientOptions> = {}): SmppClient {
  return new SmppClient({
    host: '127.0.0.1',
    port,
    bindType: 'trx',
    systemId: 'esme1',
    password: 'secret',
    responseTimeoutMs: 2_000,
    enquireLinkIntervalMs: 0,
    reconnect: FAST,
    ...extra,
  });
}

function bound(c: SmppClient): Promise<BoundInfo> {
  return within(
    once(c, 'bound').then(([info]) => info as BoundInfo),
    3000,
    'bound',
  );
}

describe('SmppClient', () => {
  test('binds (default interface_version 0x34), submits, answers deliver_sm and enquire_link from the SMSC', async () => {
    let serverSession: ServerSession | undefined;
    let bindVersion = 0;
    const { server, port } = await startServer({
      onBind: (req) => {
        bindVersion = req.interfaceVersion;
        return { ok: true };
      },
    });
    server.on('bound', (s) => {
      serverSession = s;
    });
    const delivered: SmppPdu[] = [];
    const c = client(port, {
      onRequest: (_s, pdu): RequestDecision => {
        delivered.push(pdu);
        return { status: 0 };
      },
    });
    try {
      const b = bound(c);
      c.start();
      const info = await b;
      assert.equal(info.peerSystemId, 'hub');
      assert.equal(info.interfaceVersion, 0x34);
      assert.equal(bindVersion, 0x34);
      assert.equal(c.state, SessionState.BOUND_TRX);
      const resp = await c.submit({ destination_addr: '821012345678', short_message: Buffer.from('hi') });
      assert.equal(resp.command, 'submit_sm_resp');
      assert.equal(resp.status, 0);
      assert.equal(resp.fields.message_id, `id-${resp.sequence}`);

      assert.ok(serverSession);
      const dlvResp = await serverSession.request('deliver_sm', {
        source_addr: '821012345678',
        esm_class: 0x04,
        short_message: Buffer.from('id:1 stat:DELIVRD'),
        receipted_message_id: '1',
      });
      assert.equal(dlvResp.status, 0);
      assert.equal(delivered.length, 1);
      assert.deepEqual(delivered[0]?.fields.short_message, Buffer.from('id:1 stat:DELIVRD'));
      assert.equal(delivered[0]?.tlvs.receipted_message_id, '1');
      const el = await serverSession.request('enquire_link');
      assert.equal(el.command, 'enquire_link_resp');
    } finally {
      await c.stop();
      await server.close();
    }
  });

  test('a deliver_sm written in the same segment right behind the bind_resp is accepted, not ESME_RINVBNDSTS', async () => {
    // An SMSC flushes the receipts it held while no receiver was bound as soon as the bind succeeds.
    const answers: Array<{ command: number; status: number }> = [];
    let answered: (() => void) | undefined;
    const gotAnswer = new Promise<void>((resolve) => {
      answered = resolve;
    });
    const sockets = new Set<net.Socket>();
    const raw = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      let buf = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        while (buf.length >= 16 && buf.length >= buf.readUInt32BE(0)) {
          const len = buf.readUInt32BE(0);
          const id = buf.readUInt32BE(4);
          const status = buf.readUInt32BE(8);
          const sequence = buf.readUInt32BE(12);
          buf = buf.subarray(len);
          if (id === 0x00000009) {
            const resp = encodePdu({
              command: 'bind_transceiver_resp',
              sequence,
              fields: { system_id: 'SMSC' },
              tlvs: { sc_interface_version: 0x34 },
              tlvsAllowed: true,
            });
            const receipt = encodePdu({
              command: 'deliver_sm',
              sequence: 1,
              fields: {
                source_addr: '821012345678',
                esm_class: 0x04,
                short_message: Buffer.from('id:7 stat:DELIVRD'),
              },
              tlvs: { receipted_message_id: '7' },
              tlvsAllowed: true,
            });
            socket.write(Buffer.concat([resp, receipt]));
          } else if (id === 0x00000006) {
            socket.end(encodePdu({ command: 'unbind_resp', sequence, tlvsAllowed: false }));
          } else if ((id & 0x80000000) !== 0) {
            answers.push({ command: id, status });
            answered?.();
          }
        }
      });
    });
    raw.listen(0, '127.0.0.1');
    await within(once(raw, 'listening'), 2000, 'listening');
    const port = (raw.address() as net.AddressInfo).port;
    const delivered: SmppPdu[] = [];
    const c = client(port, {
      onRequest: (_s, pdu): RequestDecision => {
        delivered.push(pdu);
        return { status: 0 };
      },
    });
    try {
      c.start();
      await within(gotAnswer, 3000, 'deliver_sm_resp');
      assert.deepEqual(answers, [{ command: 0x80000005, status: 0 }], 'deliver_sm_resp ESME_ROK');
      assert.equal(delivered.length, 1);
      assert.equal(delivered[0]?.tlvs.receipted_message_id, '7');
    } finally {
      await c.stop();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => raw.close(() => resolve()));
    }
  });

  test('wrong password: failure with HUB_ERR_SMPP_BIND_REFUSED and a backoff retry', async () => {
    const { server, port } = await startServer();
    const c = client(port, { password: 'wrong' });
    try {
      const failures: Array<[HubError, number | undefined]> = [];
      const twice = new Promise<void>((resolve) =>
        c.on('failure', (err, retry) => {
          failures.push([err, retry]);
          if (failures.length === 2) resolve();
        }),
      );
      c.start();
      await within(twice, 3000, 'two failures');
      const [err, retry] = failures[0] ?? [];
      assert.ok(isHubError(err, 'HUB_ERR_SMPP_BIND_REFUSED'));
      assert.deepEqual(err.details, { status: 0x0e });
      assert.equal(retry, 20);
      assert.equal(failures[1]?.[1], 40, 'exponential backoff');
      assert.equal(c.bound, false);
      await assert.rejects(
        c.submit({}),
        (e) => isHubError(e, 'HUB_ERR_SMPP_NOT_BOUND') && e.recovery === 'temporary',
      );
    } finally {
      await c.stop();
      await server.close();
    }
  });

  test('many outstanding submits answered out of order', async () => {
    // The server answers each submit after a delay that makes later ones finish first.
    const { server, port } = await startServer({
      onRequest: async (_s, pdu) => {
        await new Promise((r) => setTimeout(r, (40 - (pdu.sequence % 40)) * 2));
        return { status: 0, fields: { message_id: `m${pdu.sequence}` } };
      },
    });
    const c = client(port, { windowSize: 10 });
    try {
      const b = bound(c);
      c.start();
      await b;
      const results = await within(
        Promise.all(
          Array.from({ length: 60 }, (_, i) =>
            c.submit({ destination_addr: `${i}`, short_message: Buffer.from(`n${i}`) }),
          ),
        ),
        10_000,
        'submits',
      );
      for (const r of results) assert.equal(r.fields.message_id, `m${r.sequence}`);
      assert.equal(new Set(results.map((r) => r.sequence)).size, 60);
      assert.ok((c.session?.inFlight ?? 0) === 0);
    } finally {
      await c.stop();
      await server.close();
    }
  });

  test('in-flight submits fail with a retryable error on disconnect; the client reconnects and rebinds', async () => {
    let hold = true;
    const { server, port } = await startServer({
      onRequest: (_s, pdu) =>
        hold
          ? new Promise<RequestDecision>(() => {}) // never answers
          : { status: 0, fields: { message_id: `ok${pdu.sequence}` } },
    });
    const c = client(port);
    try {
      const first = bound(c);
      c.start();
      await first;
      const pending = c.submit({ destination_addr: '1', short_message: Buffer.from('x') });
      await new Promise((r) => setTimeout(r, 20));
      const unbound = within(once(c, 'unbound'), 3000, 'unbound');
      const again = bound(c);
      for (const s of server.sessions) s.destroy();
      await assert.rejects(
        pending,
        (err) => isHubError(err, 'HUB_ERR_SMPP_SESSION_CLOSED') && err.recovery === 'temporary',
      );
      assert.deepEqual(await unbound, ['peer-closed']);
      await again;
      hold = false;
      const resp = await c.submit({ destination_addr: '1', short_message: Buffer.from('x') });
      assert.equal(resp.status, 0);
      assert.equal(resp.sequence, 2, 'numbering restarts on the new session (the bind took 1)');
    } finally {
      await c.stop();
      await server.close();
    }
  });

  test('unbind from the SMSC is answered and followed by a reconnect', async () => {
    const { server, port } = await startServer();
    const c = client(port);
    try {
      const first = bound(c);
      c.start();
      await first;
      const again = bound(c);
      const unbound = within(once(c, 'unbound'), 3000, 'unbound');
      await Promise.all([...server.sessions].map((s) => s.unbind()));
      assert.deepEqual(await unbound, ['unbound']);
      await again;
      assert.equal(c.bound, true);
    } finally {
      await c.stop();
      await server.close();
    }
  });

  test('congestion_state and ESME_RTHROTTLED responses are exposed', async () => {
    let n = 0;
    const { server, port } = await startServer({
      onRequest: () =>
        ++n === 2 ? { status: 0x58 } : { status: 0, fields: { message_id: 'a' }, congestionState: 92 },
    });
    const c = client(port, { interfaceVersion: 0x50 });
    try {
      const b = bound(c);
      c.start();
      assert.equal((await b).interfaceVersion, 0x50);
      const congestion = within(once(c, 'congestion'), 3000, 'congestion');
      await c.submit({ short_message: Buffer.from('a') });
      assert.deepEqual(await congestion, [92]);
      assert.equal(c.congestionState, 92);
      const throttled = within(once(c, 'throttled'), 3000, 'throttled');
      const r = await c.submit({ short_message: Buffer.from('b') });
      assert.equal(r.status, 0x58);
      await throttled;
      assert.ok(c.lastThrottledAt !== undefined);
    } finally {
      await c.stop();
      await server.close();
    }
  });

  test('a dead SMSC (no enquire_link_resp) is detected and the client reconnects', async () => {
    // The server answers nothing once told to: simulate with a server whose sessions pause reading.
    const { server, port } = await startServer();
    const c = client(port, { enquireLinkIntervalMs: 60, responseTimeoutMs: 150 });
    try {
      const first = bound(c);
      c.start();
      await first;
      const stuck = [...server.sessions];
      for (const s of stuck) (s as unknown as { node: { pause(): void } }).node.pause();
      const unbound = within(once(c, 'unbound'), 5000, 'unbound');
      const again = bound(c);
      assert.deepEqual(await unbound, ['enquire-link-timeout']);
      await again;
      for (const s of stuck) s.destroy(); // it never reads again, so it never sees the client leave
    } finally {
      await c.stop();
      await server.close();
    }
  });

  test('connection refused: failure with HUB_ERR_SMPP_CONNECT_FAILED; reconnect off → closed', async () => {
    const { server, port } = await startServer();
    await server.close(); // nothing listens there now
    const c = client(port, { reconnect: false });
    const failure = within(once(c, 'failure'), 3000, 'failure');
    const closed = within(once(c, 'closed'), 3000, 'closed');
    c.start();
    const [err, retry] = (await failure) as [HubError, number | undefined];
    assert.ok(isHubError(err, 'HUB_ERR_SMPP_CONNECT_FAILED'));
    assert.equal(retry, undefined);
    await closed;
  });
});

describe('TLS listener', () => {
  let dir: string;
  let key: Buffer;
  let cert: Buffer;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hub-smpp-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore', timeout: 30_000 },
    );
    key = readFileSync(join(dir, 'key.pem'));
    cert = readFileSync(join(dir, 'cert.pem'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('binds over TLS with the CA pinned; verification on by default refuses a self-signed cert', async () => {
    const server = new SmppServer({
      onBind: () => ({ ok: true }),
      onRequest: () => ({ status: 0, fields: { message_id: 'tls' } }),
      enquireLinkIntervalMs: 0,
    });
    const { port } = await server.listenTls({ port: 0, key, cert });
    const good = client(port, { tls: { ca: cert } });
    const bad = client(port, { tls: true, reconnect: false });
    try {
      const b = bound(good);
      good.start();
      await b;
      const secure = [...server.sessions].every((s) => s.secure);
      assert.ok(secure);
      const r = await good.submit({ short_message: Buffer.from('x') });
      assert.equal(r.fields.message_id, 'tls');

      const failure = within(once(bad, 'failure'), 3000, 'failure');
      bad.start();
      const [err] = (await failure) as [HubError];
      assert.ok(isHubError(err, 'HUB_ERR_SMPP_CONNECT_FAILED'));
      assert.match(String((err.cause as NodeJS.ErrnoException).code), /SELF_SIGNED/);
    } finally {
      await good.stop();
      await bad.stop();
      await server.close();
    }
  });
});
