import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { SmppClient } from './client-session.js';
import { encodePdu } from './node-smpp.js';
import { type ServerSession, SmppServer, type SmppServerOptions } from './server-session.js';
import type { SmppSession } from './session.js';
import { RawPeer, type WirePdu, within } from './testing.fixture.js';
import { WriteCoalescer } from './write-coalescer.js';

const BURST = 25;

/** Collects SMPP frames off any socket (plain or TLS), in arrival order. */
class Frames {
  readonly pdus: WirePdu[] = [];
  readonly closed: Promise<void>;
  /** 'data' events seen: a coalesced burst is normally one read, but only order is asserted. */
  reads = 0;
  #buf = Buffer.alloc(0);
  #waiters: Array<{ n: number; resolve: () => void }> = [];

  constructor(readonly socket: net.Socket) {
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => {
      this.reads++;
      this.#buf = Buffer.concat([this.#buf, chunk]);
      while (this.#buf.length >= 16 && this.#buf.length >= this.#buf.readUInt32BE(0)) {
        const raw = Buffer.from(this.#buf.subarray(0, this.#buf.readUInt32BE(0)));
        this.#buf = this.#buf.subarray(raw.length);
        this.pdus.push({
          length: raw.length,
          id: raw.readUInt32BE(4),
          command: '',
          status: raw.readUInt32BE(8),
          sequence: raw.readUInt32BE(12),
          raw,
        });
      }
      this.#waiters = this.#waiters.filter((w) => {
        if (this.pdus.length < w.n) return true;
        w.resolve();
        return false;
      });
    });
  }

  /** Resolves once `n` frames have arrived in total. */
  count(n: number): Promise<WirePdu[]> {
    if (this.pdus.length >= n) return Promise.resolve(this.pdus.slice(0, n));
    return within(new Promise<void>((resolve) => this.#waiters.push({ n, resolve })), 3000, `${n} PDUs`).then(
      () => this.pdus.slice(0, n),
    );
  }
}

function pdu(command: string, sequence: number, fields: Record<string, unknown> = {}): Buffer {
  return encodePdu({ command, sequence, fields, tlvsAllowed: true });
}

const submitFields = { destination_addr: '4915112345678', short_message: Buffer.from('x') };
const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

function serverOptions(extra: Partial<SmppServerOptions> = {}): SmppServerOptions {
  return {
    onBind: () => ({ ok: true }),
    onRequest: (_s, p) => ({ status: 0, fields: { message_id: `m${p.sequence}` } }),
    enquireLinkIntervalMs: 0,
    responseTimeoutMs: 2_000,
    windowSize: 100,
    ...extra,
  };
}

describe('WriteCoalescer', () => {
  test('writes of one tick leave as one writev, in order; the next tick starts a new batch', async () => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = once(server, 'connection');
    const sender = net.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1' });
    await once(sender, 'connect');
    const frames = new Frames(((await accepted) as [net.Socket])[0]);
    const batches: number[] = [];
    const s = sender as net.Socket & { _writev: (chunks: unknown[], cb: () => void) => void };
    const writev = s._writev;
    s._writev = function (chunks, cb) {
      batches.push(chunks.length);
      writev.call(this, chunks, cb);
    };
    try {
      const out = new WriteCoalescer(sender);
      const written: number[] = [];
      for (const seq of range(1, BURST)) out.write(pdu('enquire_link', seq), () => written.push(seq));
      assert.deepEqual(
        (await frames.count(BURST)).map((p) => p.sequence),
        range(1, BURST),
      );
      assert.deepEqual(batches, [BURST]);
      assert.deepEqual(written, range(1, BURST));

      for (const seq of range(BURST + 1, 3)) out.write(pdu('enquire_link', seq));
      await frames.count(BURST + 3);
      assert.deepEqual(batches, [BURST, 3]);
    } finally {
      sender.destroy();
      server.close();
    }
  });

  test('flush() before destroy(): what was written this tick still reaches the peer', async () => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = once(server, 'connection');
    const sender = net.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1' });
    await once(sender, 'connect');
    const frames = new Frames(((await accepted) as [net.Socket])[0]);
    try {
      const out = new WriteCoalescer(sender);
      out.write(pdu('enquire_link', 1));
      out.write(encodePdu({ command: 'generic_nack', sequence: 2, status: 3, tlvsAllowed: false }));
      out.flush();
      sender.destroy();
      out.flush(); // the scheduled flush after destroy is harmless
      assert.deepEqual(
        (await frames.count(2)).map((p) => p.sequence),
        [1, 2],
      );
      await within(frames.closed, 3000, 'peer closed');
    } finally {
      server.close();
    }
  });
});

describe('SmppSession write coalescing', () => {
  let server: SmppServer;
  let port: number;
  before(async () => {
    server = new SmppServer(serverOptions());
    ({ port } = await server.listen({ port: 0 }));
  });
  after(() => server.close());

  async function boundPeer(): Promise<{ peer: RawPeer; session: ServerSession }> {
    const sessionP = within(
      once(server, 'session').then(([s]) => s as ServerSession),
      2000,
      'session',
    );
    const peer = await RawPeer.connect(port);
    const session = await sessionP;
    const resp = await peer.bind();
    assert.equal(resp.status, 0);
    return { peer, session };
  }

  test('server side: a pipelined burst of submit_sm gets every submit_sm_resp, in order', async () => {
    const { peer } = await boundPeer();
    try {
      peer.write(Buffer.concat(range(2, BURST).map((seq) => pdu('submit_sm', seq, submitFields))));
      const got: WirePdu[] = [];
      for (let i = 0; i < BURST; i++) got.push(await peer.next());
      assert.deepEqual(
        got.map((p) => [p.command, p.sequence, p.status]),
        range(2, BURST).map((seq) => ['submit_sm_resp', seq, 0]),
      );
    } finally {
      peer.end();
    }
  });

  test('server side: deliver_sm requests issued in one tick arrive in issue order', async () => {
    const { peer, session } = await boundPeer();
    try {
      const pending = range(0, BURST).map((i) =>
        session.request('deliver_sm', { ...submitFields, short_message: Buffer.from(`m${i}`) }),
      );
      const got: WirePdu[] = [];
      for (let i = 0; i < BURST; i++) got.push(await peer.next());
      assert.deepEqual(
        got.map((p) => p.command),
        range(0, BURST).map(() => 'deliver_sm'),
      );
      const sequences = got.map((p) => p.sequence);
      assert.deepEqual(
        sequences,
        [...sequences].sort((a, b) => a - b),
      );
      for (const p of got) peer.reply(p);
      await within(Promise.all(pending), 3000, 'deliver_sm_resp');
    } finally {
      peer.end();
    }
  });

  test('a PDU followed at once by destroy() still reaches the peer', async () => {
    const { peer, session } = await boundPeer();
    session.send('alert_notification', {
      source_addr: '4915112345678',
      esme_addr: '12345',
    });
    session.destroy();
    const alert = await peer.next();
    assert.equal(alert.command, 'alert_notification');
    await within(peer.closed, 3000, 'peer closed');
  });

  test('a PDU followed at once by close() still reaches the peer, before the FIN', async () => {
    const { peer, session } = await boundPeer();
    // enquire_link is unwindowed: request() writes it synchronously, before close().
    const pending = session.request('enquire_link').catch(() => undefined);
    session.close();
    const ping = await peer.next();
    assert.equal(ping.command, 'enquire_link');
    await within(peer.closed, 3000, 'peer closed');
    await pending;
  });

  test('unbind from the ESME: unbind_resp arrives before the connection closes', async () => {
    const { peer } = await boundPeer();
    peer.send('unbind');
    const resp = await peer.next();
    assert.equal(resp.command, 'unbind_resp');
    await within(peer.closed, 3000, 'peer closed');
  });

  test('client side: submits issued in one tick reach the SMSC in order; destroy right after a write still sends it', async () => {
    const smsc = net.createServer();
    smsc.listen(0, '127.0.0.1');
    await once(smsc, 'listening');
    const accepted = once(smsc, 'connection');
    const client = new SmppClient({
      host: '127.0.0.1',
      port: (smsc.address() as net.AddressInfo).port,
      bindType: 'trx',
      systemId: 'esme1',
      password: 'secret',
      enquireLinkIntervalMs: 0,
      responseTimeoutMs: 2_000,
      windowSize: 100,
      reconnect: false,
    });
    try {
      client.start();
      const frames = new Frames(((await within(accepted, 3000, 'connection')) as [net.Socket])[0]);
      const [bind] = await frames.count(1);
      frames.socket.write(pdu('bind_transceiver_resp', (bind as WirePdu).sequence, { system_id: 'smsc' }));
      await client.whenBound(3000);

      const tag = (i: number): string => `m${String(i).padStart(2, '0')}`;
      const pending = range(0, BURST).map((i) =>
        client.submit({ ...submitFields, short_message: Buffer.from(tag(i)) }),
      );
      const got = (await frames.count(1 + BURST)).slice(1);
      const sequences = got.map((p) => p.sequence);
      assert.deepEqual(
        sequences,
        [...sequences].sort((a, b) => a - b),
      );
      assert.deepEqual(
        got.map((p) => p.raw.subarray(-3).toString()),
        range(0, BURST).map(tag),
      );
      frames.socket.write(
        Buffer.concat(got.map((p) => pdu('submit_sm_resp', p.sequence, { message_id: 'x' }))),
      );
      await within(Promise.all(pending), 3000, 'submit_sm_resp');

      const session = client.session as SmppSession;
      const last = session.request('enquire_link').catch(() => undefined);
      session.destroy();
      const [, ...rest] = await frames.count(2 + BURST);
      assert.equal(rest.at(-1)?.id, 0x00000015); // enquire_link
      await last;
    } finally {
      await client.stop();
      smsc.close();
    }
  });
});

describe('SmppSession write coalescing over TLS', () => {
  let dir: string;
  let key: Buffer;
  let cert: Buffer;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hub-smpp-coalesce-'));
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

  test('a burst over TLS is answered in order, and unbind_resp precedes the close', async () => {
    const server = new SmppServer(serverOptions());
    const { port } = await server.listenTls({ port: 0, key, cert });
    const socket = tls.connect({ port, host: '127.0.0.1', ca: cert });
    const frames = new Frames(socket);
    try {
      await within(once(socket, 'secureConnect'), 3000, 'secureConnect');
      socket.write(
        pdu('bind_transceiver', 1, { system_id: 'esme1', password: 'x', interface_version: 0x34 }),
      );
      assert.equal((await frames.count(1))[0]?.status, 0);
      socket.write(Buffer.concat(range(2, BURST).map((seq) => pdu('submit_sm', seq, submitFields))));
      const got = (await frames.count(1 + BURST)).slice(1);
      assert.deepEqual(
        got.map((p) => [p.id, p.sequence, p.status]),
        range(2, BURST).map((seq) => [0x80000004, seq, 0]),
      );
      socket.write(pdu('unbind', 100));
      const [unbindResp] = (await frames.count(2 + BURST)).slice(-1);
      assert.equal(unbindResp?.id, 0x80000006);
      await within(frames.closed, 3000, 'closed');
    } finally {
      socket.destroy();
      await server.close();
    }
  });
});
