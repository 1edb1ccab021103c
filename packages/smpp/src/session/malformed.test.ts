import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isHubError } from '@hub/errors';
import { encodePdu, MAX_PDU_LENGTH } from './node-smpp.js';
import { SmppServer } from './server-session.js';
import { effectiveMaxPduLength, type ProtocolErrorInfo } from './session.js';
import { RawPeer, type WirePdu, within } from './testing.fixture.js';

function header(length: number, id: number, status: number, seq: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(length >>> 0, 0);
  b.writeUInt32BE(id >>> 0, 4);
  b.writeUInt32BE(status >>> 0, 8);
  b.writeUInt32BE(seq >>> 0, 12);
  return b;
}

/** Deterministic pseudo-random bytes (xorshift32), so the test input is the same on every run. */
function noise(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Reads PDUs until the peer is closed (bounded); returns what arrived. */
async function drain(peer: RawPeer): Promise<WirePdu[]> {
  const got: WirePdu[] = [];
  for (let i = 0; i < 10; i++) {
    try {
      got.push(await peer.next(1500));
    } catch {
      break;
    }
  }
  return got;
}

describe('malformed input never stalls or crashes the server', () => {
  let server: SmppServer;
  let port: number;
  let healthy: RawPeer;
  const errors: ProtocolErrorInfo[] = [];

  before(async () => {
    server = new SmppServer({
      onBind: () => ({ ok: true }),
      onRequest: () => ({ status: 0, fields: { message_id: 'x' } }),
      enquireLinkIntervalMs: 0,
      closeGraceMs: 500,
    });
    server.on('protocolError', (_s, info) => errors.push(info));
    ({ port } = await server.listen({ port: 0 }));
    healthy = await RawPeer.connect(port);
    assert.equal((await healthy.bind()).status, 0);
  });

  after(async () => {
    healthy.end();
    await server.close();
  });

  async function stillServing(): Promise<void> {
    const seq = healthy.send('enquire_link');
    const resp = await healthy.next();
    assert.equal(resp.command, 'enquire_link_resp');
    assert.equal(resp.sequence, seq);
  }

  test('command_length 0xFFFFFFFF → generic_nack ESME_RINVCMDLEN with its sequence, then close', async () => {
    const peer = await RawPeer.connect(port);
    peer.write(Buffer.concat([header(0xffffffff, 0x00000004, 0, 77), Buffer.alloc(8)]));
    const got = await drain(peer);
    assert.equal(got.length, 1);
    assert.equal(got[0]?.command, 'generic_nack');
    assert.equal(got[0]?.status, 0x02);
    assert.equal(got[0]?.sequence, 77);
    await within(peer.closed, 3000, 'close');
    await stillServing();
  });

  test('command_length 8 → generic_nack ESME_RINVCMDLEN, then close', async () => {
    const peer = await RawPeer.connect(port);
    assert.equal((await peer.bind()).status, 0);
    const b = Buffer.alloc(8);
    b.writeUInt32BE(8, 0);
    b.writeUInt32BE(0x15, 4);
    peer.write(b);
    const got = await drain(peer);
    assert.equal(got.length, 1);
    assert.equal(got[0]?.command, 'generic_nack');
    assert.equal(got[0]?.status, 0x02);
    assert.equal(got[0]?.sequence, 1, 'last known sequence (the bind)');
    await within(peer.closed, 3000, 'close');
    await stillServing();
  });

  test('1000 random bytes → generic_nack and close', async () => {
    const peer = await RawPeer.connect(port);
    peer.write(noise(1000, 0x5eed));
    const got = await drain(peer);
    assert.ok(got.length <= 1);
    if (got[0]) {
      assert.equal(got[0].command, 'generic_nack');
      assert.equal(got[0].status, 0x02);
    }
    await within(peer.closed, 3000, 'close');
    await stillServing();
  });

  test('several random streams, never a stall', async () => {
    for (const seed of [1, 2, 3, 0xdead, 0xbeef]) {
      const peer = await RawPeer.connect(port);
      peer.write(noise(1000, seed));
      await drain(peer);
      await within(peer.closed, 3000, `close (seed ${seed})`);
    }
    await stillServing();
  });

  test('unknown command_id → generic_nack ESME_RINVCMDID, the session keeps serving', async () => {
    const peer = await RawPeer.connect(port);
    peer.write(header(16, 0x00000999, 0, 5));
    const nack = await peer.next();
    assert.equal(nack.command, 'generic_nack');
    assert.equal(nack.status, 0x03);
    assert.equal(nack.sequence, 5);
    const seq = peer.send('enquire_link');
    const resp = await peer.next();
    assert.equal(resp.command, 'enquire_link_resp');
    assert.equal(resp.sequence, seq);
    peer.end();
  });

  test('truncated body (submit_sm header + 6 bytes) → generic_nack ESME_RINVCMDLEN, session continues', async () => {
    const peer = await RawPeer.connect(port);
    assert.equal((await peer.bind()).status, 0);
    peer.write(Buffer.concat([header(22, 0x00000004, 0, 9), Buffer.from('abcdef')]));
    const nack = await peer.next();
    assert.equal(nack.command, 'generic_nack');
    assert.equal(nack.status, 0x02);
    assert.equal(nack.sequence, 9);
    // sm_length pointing past the end → submit_sm_resp ESME_RINVMSGLEN
    const body = Buffer.concat([
      Buffer.from('\0\0\0' + '1\0' + '\0\0' + '2\0', 'latin1'), // service_type, ton, npi, src, ton, npi, dst
      Buffer.from([0, 0, 0]), // esm_class, protocol_id, priority
      Buffer.from('\0\0', 'latin1'), // schedule, validity
      Buffer.from([0, 0, 0, 0]), // registered_delivery, replace, data_coding, sm_default_msg_id
      Buffer.from([200, 0x41, 0x42]), // sm_length 200, 2 bytes follow
    ]);
    peer.write(Buffer.concat([header(16 + body.length, 0x00000004, 0, 10), body]));
    const resp = await peer.next();
    assert.equal(resp.command, 'submit_sm_resp');
    assert.equal(resp.status, 0x01);
    assert.equal(resp.sequence, 10);
    const seq = peer.send('enquire_link');
    assert.equal((await peer.next()).sequence, seq);
    peer.end();
    assert.ok(errors.some((e) => e.kind === 'framing'));
    assert.ok(errors.some((e) => e.kind === 'invalid-body'));
    assert.ok(errors.some((e) => e.kind === 'unknown-command'));
  });

  test('a peer that vanishes mid-PDU or resets does not disturb the server', async () => {
    const peer = await RawPeer.connect(port);
    peer.write(header(100, 0x00000004, 0, 1).subarray(0, 10));
    peer.socket.resetAndDestroy();
    await within(peer.closed, 3000, 'close');
    await stillServing();
  });
});

describe('per-server maxPduLength', () => {
  test('a PDU longer than the server maximum → generic_nack ESME_RINVCMDLEN with its sequence, then close; one at the limit passes', async () => {
    const server = new SmppServer({
      onBind: () => ({ ok: true }),
      onRequest: () => ({ status: 0, fields: { message_id: 'x' } }),
      enquireLinkIntervalMs: 0,
      closeGraceMs: 500,
      maxPduLength: 200,
    });
    const errors: ProtocolErrorInfo[] = [];
    server.on('protocolError', (_s, info) => errors.push(info));
    try {
      const { port } = await server.listen({ port: 0 });
      const peer = await RawPeer.connect(port);
      assert.equal((await peer.bind()).status, 0);
      // A submit_sm of exactly 200 octets: message_payload fills it up.
      const fields = { destination_addr: '821012345678', short_message: Buffer.alloc(0) };
      const probe = encodePdu({ command: 'submit_sm', sequence: 1, fields, tlvsAllowed: true }).length;
      const atLimit = { ...fields, message_payload: Buffer.alloc(200 - probe - 4, 0x41) };
      const seqOk = peer.send('submit_sm', atLimit);
      const ok = await peer.next();
      assert.equal(ok.command, 'submit_sm_resp');
      assert.equal(ok.sequence, seqOk);
      assert.equal(ok.status, 0);
      // One octet more: refused before its body is read.
      const over = { ...fields, message_payload: Buffer.alloc(200 - probe - 3, 0x41) };
      const seqOver = peer.send('submit_sm', over);
      const got = await drain(peer);
      assert.equal(got.length, 1);
      assert.equal(got[0]?.command, 'generic_nack');
      assert.equal(got[0]?.status, 0x02);
      assert.equal(got[0]?.sequence, seqOver);
      await within(peer.closed, 3000, 'close');
      assert.ok(errors.some((e) => e.kind === 'framing' && e.status === 0x02));
    } finally {
      await server.close();
    }
  });

  test('an unusable maxPduLength is a configuration error; a value above the process-wide limit is capped', () => {
    const base = { onBind: () => ({ ok: true as const }) };
    assert.throws(
      () => new SmppServer({ ...base, maxPduLength: 8 }),
      (e: unknown) => isHubError(e, 'HUB_ERR_CONFIG'),
    );
    assert.equal(effectiveMaxPduLength(undefined), MAX_PDU_LENGTH);
    assert.equal(effectiveMaxPduLength(1024), 1024);
    assert.equal(effectiveMaxPduLength(MAX_PDU_LENGTH * 4), MAX_PDU_LENGTH);
  });
});
