import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { isHubError } from '@hub/errors';
import { encodePdu } from './node-smpp.js';
import type { BindDecision, BindRequest, ServerSession, SmppServerOptions } from './server-session.js';
import { SmppServer } from './server-session.js';
import type { CloseReason, RequestDecision } from './session.js';
import { SessionState } from './state.js';
import { RawPeer, tlvTags, within } from './testing.fixture.js';

const ACCOUNTS: Record<string, string> = { esme1: 'secret', esme2: 'other' };

async function checkBind(req: BindRequest): Promise<BindDecision> {
  await new Promise((r) => setImmediate(r)); // async like a real store lookup
  const password = ACCOUNTS[req.systemId];
  if (password === undefined) return { ok: false, status: 0x0f };
  if (password !== req.password) return { ok: false, status: 0x0e };
  return { ok: true, context: { account: req.systemId } };
}

async function startServer(
  extra: Partial<SmppServerOptions> = {},
): Promise<{ server: SmppServer; port: number }> {
  const server = new SmppServer({
    onBind: checkBind,
    onRequest: (_s, pdu): RequestDecision => ({ status: 0, fields: { message_id: `id-${pdu.sequence}` } }),
    sessionInitTimeoutMs: 5_000,
    enquireLinkIntervalMs: 0,
    responseTimeoutMs: 2_000,
    ...extra,
  });
  const addr = await server.listen({ port: 0 });
  return { server, port: addr.port };
}

function nextSession(server: SmppServer): Promise<ServerSession> {
  return within(
    once(server, 'session').then(([s]) => s as ServerSession),
    2000,
    'session',
  );
}

/** Offset where bind_resp's TLVs start: header + system_id cstring. */
function afterSystemId(raw: Buffer): number {
  return raw.indexOf(0, 16) + 1;
}

describe('SmppServer: binds and states', () => {
  let server: SmppServer;
  let port: number;
  before(async () => {
    ({ server, port } = await startServer());
  });
  after(() => server.close());

  test('bind ok: bind_resp with system_id and sc_interface_version, context attached, submit reaches the hook', async () => {
    const seen: unknown[] = [];
    const bound = within(once(server, 'bound'), 2000, 'bound');
    const peer = await RawPeer.connect(port);
    const resp = await peer.bind();
    assert.equal(resp.command, 'bind_transceiver_resp');
    assert.equal(resp.status, 0);
    assert.equal(resp.raw.toString('ascii', 16, 19), 'hub');
    const tags = tlvTags(resp.raw, afterSystemId(resp.raw));
    assert.deepEqual(tags, [0x0210]);
    assert.equal(resp.raw[resp.raw.length - 1], 0x34, 'sc_interface_version = min(0x50, 0x34)');
    const [session] = (await bound) as [ServerSession];
    assert.equal(session.state, SessionState.BOUND_TRX);
    assert.equal(session.systemId, 'esme1');
    assert.deepEqual(session.context, { account: 'esme1' });
    assert.equal(session.interfaceVersion, 0x34);
    seen.push(session.bindType);
    assert.deepEqual(seen, ['trx']);
    peer.end();
  });

  test('short_message and message_payload arrive as the exact bytes', async () => {
    let got: { sm?: unknown; payload?: unknown; dc?: unknown; sched?: unknown } = {};
    const { server: s2, port: p2 } = await startServer({
      onRequest: (_s, pdu) => {
        got = {
          sm: pdu.fields.short_message,
          payload: pdu.tlvs.message_payload,
          dc: pdu.fields.data_coding,
          sched: pdu.fields.schedule_delivery_time,
        };
        return { status: 0, fields: { message_id: 'm1' } };
      },
    });
    try {
      const peer = await RawPeer.connect(p2);
      await peer.bind();
      // dc 0 with '@' (0x00), an escape pair (1B 65 = €) and 0x1B alone: node-smpp would GSM-decode these.
      const sm = Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x02, 0x01, 0x00, 0x1b, 0x65, 0x41, 0x1b]);
      const payload = Buffer.from('c7d1b1b9', 'hex');
      peer.send('submit_sm', {
        destination_addr: '821012345678',
        esm_class: 0x40,
        data_coding: 0x18,
        schedule_delivery_time: '000001000000000R',
        short_message: sm,
        message_payload: payload,
      });
      const resp = await peer.next();
      assert.equal(resp.command, 'submit_sm_resp');
      assert.equal(resp.status, 0);
      assert.ok(Buffer.isBuffer(got.sm));
      assert.deepEqual(got.sm, sm);
      assert.deepEqual(got.payload, payload);
      assert.equal(got.dc, 0x18);
      assert.equal(got.sched, '000001000000000R', 'relative time stays a string');
      peer.end();
    } finally {
      await s2.close();
    }
  });

  test('wrong password → ESME_RINVPASWD, unknown system_id → ESME_RINVSYSID, session stays OPEN for a retry', async () => {
    const peer = await RawPeer.connect(port);
    const bad = await peer.bind({ password: 'nope' });
    assert.equal(bad.status, 0x0e);
    assert.equal(bad.length, 16, 'error responses carry no body');
    const unknown = await peer.bind({ system_id: 'ghost' });
    assert.equal(unknown.status, 0x0f);
    const ok = await peer.bind();
    assert.equal(ok.status, 0);
    peer.end();
  });

  test('second bind on a bound session → ESME_RALYBND', async () => {
    const peer = await RawPeer.connect(port);
    assert.equal((await peer.bind()).status, 0);
    const again = await peer.bind({}, 'bind_transmitter');
    assert.equal(again.command, 'bind_transmitter_resp');
    assert.equal(again.status, 0x05);
    peer.end();
  });

  test('PDUs not allowed in the state → their resp with ESME_RINVBNDSTS', async () => {
    const peer = await RawPeer.connect(port);
    peer.send('submit_sm', { destination_addr: '1', short_message: Buffer.from('x') });
    const early = await peer.next();
    assert.equal(early.command, 'submit_sm_resp');
    assert.equal(early.status, 0x04);
    peer.send('unbind');
    assert.equal((await peer.next()).status, 0x04, 'unbind before bind');
    assert.equal((await peer.bind({}, 'bind_receiver')).status, 0);
    peer.send('submit_sm', { destination_addr: '1', short_message: Buffer.from('x') });
    assert.equal((await peer.next()).status, 0x04, 'submit_sm on a receiver bind');
    peer.send('deliver_sm', { destination_addr: '1' });
    const dlv = await peer.next();
    assert.equal(dlv.command, 'deliver_sm_resp');
    assert.equal(dlv.status, 0x04, 'an ESME never sends deliver_sm');
    peer.end();
  });

  test('reading pauses during async bind auth: a submit pipelined behind the bind is handled as bound', async () => {
    const peer = await RawPeer.connect(port);
    peer.send('bind_transmitter', { system_id: 'esme1', password: 'secret', interface_version: 0x34 });
    peer.send('submit_sm', { destination_addr: '1', short_message: Buffer.from('x') });
    const bindResp = await peer.next();
    assert.equal(bindResp.command, 'bind_transmitter_resp');
    assert.equal(bindResp.status, 0);
    const submitResp = await peer.next();
    assert.equal(submitResp.command, 'submit_sm_resp');
    assert.equal(submitResp.status, 0);
    peer.end();
  });

  test('enquire_link is answered in OPEN state', async () => {
    const peer = await RawPeer.connect(port);
    const seq = peer.send('enquire_link');
    const resp = await peer.next();
    assert.equal(resp.command, 'enquire_link_resp');
    assert.equal(resp.status, 0);
    assert.equal(resp.sequence, seq);
    peer.end();
  });

  test('unbind from the ESME: unbind_resp, then the connection closes', async () => {
    const sessionP = nextSession(server);
    const peer = await RawPeer.connect(port);
    const session = await sessionP;
    await peer.bind();
    const closed = within(once(session, 'close'), 3000, 'session close');
    peer.send('unbind');
    const resp = await peer.next();
    assert.equal(resp.command, 'unbind_resp');
    assert.equal(resp.status, 0);
    await within(peer.closed, 3000, 'peer closed');
    assert.deepEqual(await closed, ['unbound']);
  });

  test('unbind from Hub: unbind sent, unbind_resp accepted, closed as unbound', async () => {
    const sessionP = nextSession(server);
    const peer = await RawPeer.connect(port);
    const session = await sessionP;
    await peer.bind();
    const closed = within(once(session, 'close'), 3000, 'session close');
    const done = session.unbind();
    const unbind = await peer.next();
    assert.equal(unbind.command, 'unbind');
    assert.equal(session.state, SessionState.UNBINDING);
    peer.reply(unbind);
    await within(done, 3000, 'unbind');
    assert.deepEqual(await closed, ['unbound']);
    await within(peer.closed, 3000, 'peer closed');
  });
});

describe('SmppServer: timers', () => {
  test('no bind within the session-init timer → closed', async () => {
    const { server, port } = await startServer({ sessionInitTimeoutMs: 100 });
    try {
      const sessionP = nextSession(server);
      const peer = await RawPeer.connect(port);
      const session = await sessionP;
      const [reason] = (await within(once(session, 'close'), 3000, 'close')) as [CloseReason];
      assert.equal(reason, 'session-init-timeout');
      await within(peer.closed, 3000, 'peer closed');
    } finally {
      await server.close();
    }
  });

  test('idle session gets enquire_link; a peer that answers stays, a dead one is closed', async () => {
    const { server, port } = await startServer({ enquireLinkIntervalMs: 80, responseTimeoutMs: 150 });
    try {
      const sessionP = nextSession(server);
      const peer = await RawPeer.connect(port);
      const session = await sessionP;
      await peer.bind();
      const ping = await peer.next(3000);
      assert.equal(ping.command, 'enquire_link');
      peer.reply(ping);
      const ping2 = await peer.next(3000);
      assert.equal(ping2.command, 'enquire_link', 'still pinged after answering: the session lives');
      assert.equal(session.closed, false);
      // Stop answering: the next unanswered ping kills the session.
      const [reason] = (await within(once(session, 'close'), 5000, 'close')) as [CloseReason];
      assert.equal(reason, 'enquire-link-timeout');
      await within(peer.closed, 3000, 'peer closed');
    } finally {
      await server.close();
    }
  });
});

describe('SmppServer: inactivity', () => {
  test('bound with no transactions for inactivityTimeoutMs → Hub unbinds', async () => {
    const { server, port } = await startServer({ inactivityTimeoutMs: 100 });
    try {
      const sessionP = nextSession(server);
      const peer = await RawPeer.connect(port);
      const session = await sessionP;
      await peer.bind();
      const closed = within(once(session, 'close'), 3000, 'close');
      const unbind = await peer.next(3000);
      assert.equal(unbind.command, 'unbind');
      peer.reply(unbind);
      assert.deepEqual(await closed, ['unbound']);
    } finally {
      await server.close();
    }
  });
});

describe('SmppServer: requests from Hub through the window', () => {
  test('many outstanding deliver_sm answered out of order resolve with their own responses', async () => {
    const { server, port } = await startServer({ windowSize: 4 });
    try {
      const sessionP = nextSession(server);
      const peer = await RawPeer.connect(port);
      const session = await sessionP;
      await peer.bind({}, 'bind_receiver');
      const N = 12;
      const results = Array.from({ length: N }, (_, i) =>
        session.request('deliver_sm', { destination_addr: `dst${i}`, short_message: Buffer.from(`m${i}`) }),
      );
      // Answer in batches, newest first, to force out-of-order completion; the window caps each batch at 4.
      let answered = 0;
      while (answered < N) {
        const batch = [];
        for (let i = 0; i < 4 && answered + batch.length < N; i++) batch.push(await peer.next());
        assert.ok(session.inFlight <= 4);
        for (const req of batch.reverse()) {
          assert.equal(req.command, 'deliver_sm');
          peer.reply(req, 0, { message_id: `r${req.sequence}` });
        }
        answered += batch.length;
      }
      const resps = await within(Promise.all(results), 5000, 'responses');
      for (const r of resps) {
        assert.equal(r.command, 'deliver_sm_resp');
        assert.equal(r.fields.message_id, `r${r.sequence}`);
      }
      assert.equal(new Set(resps.map((r) => r.sequence)).size, N);
      peer.end();
    } finally {
      await server.close();
    }
  });

  test('an unanswered request rejects with HUB_ERR_SMPP_RESPONSE_TIMEOUT; deliver_sm on a TX bind is refused', async () => {
    const { server, port } = await startServer();
    try {
      const sessionP = nextSession(server);
      const peer = await RawPeer.connect(port);
      const session = await sessionP;
      await peer.bind();
      const p = session.request('deliver_sm', { short_message: Buffer.from('x') }, { timeoutMs: 100 });
      assert.equal((await peer.next()).command, 'deliver_sm');
      await assert.rejects(
        p,
        (err) => isHubError(err, 'HUB_ERR_SMPP_RESPONSE_TIMEOUT') && err.recovery === 'temporary',
      );
      await assert.rejects(
        session.request('submit_sm', {}),
        (err) => isHubError(err, 'HUB_ERR_SMPP_NOT_BOUND'),
        'an MC never sends submit_sm',
      );
      await assert.rejects(
        session.request('deliver_sm', { short_message: 'text' }),
        (err) => isHubError(err, 'HUB_ERR_SMPP_SEND_FAILED'),
        'strings are refused: the codec encodes',
      );
      peer.end();
    } finally {
      await server.close();
    }
  });
});

describe('SmppServer: handler decisions', () => {
  test('thrown HubErrors map to their status; 5.0-only codes are downgraded for 3.4 sessions', async () => {
    const { Errors } = await import('@hub/errors');
    const { server, port } = await startServer({
      onRequest: (_s, pdu) => {
        if (pdu.fields.destination_addr === 'throttle') throw new Errors.HUB_ERR_THROTTLED('10/s');
        return { status: 0x104 }; // ESME_RINVDCS (5.0 only)
      },
    });
    try {
      const v34 = await RawPeer.connect(port);
      await v34.bind();
      v34.send('submit_sm', { destination_addr: 'throttle', short_message: Buffer.from('x') });
      assert.equal((await v34.next()).status, 0x58);
      v34.send('submit_sm', { destination_addr: '1', short_message: Buffer.from('x') });
      assert.equal((await v34.next()).status, 0x45, 'ESME_RINVDCS → ESME_RSUBMITFAIL on 3.4');
      v34.end();
      const v5 = await RawPeer.connect(port);
      await v5.bind({ interface_version: 0x50 });
      v5.send('submit_sm', { destination_addr: '1', short_message: Buffer.from('x') });
      assert.equal((await v5.next()).status, 0x104);
      v5.end();
    } finally {
      await server.close();
    }
  });

  test('a slow handler backlog pauses reading instead of queueing without bound', async () => {
    const release: Array<() => void> = [];
    const { server, port } = await startServer({
      maxInboundInFlight: 3,
      onRequest: () =>
        new Promise<RequestDecision>((resolve) =>
          release.push(() => resolve({ status: 0, fields: { message_id: 'x' } })),
        ),
    });
    try {
      const peer = await RawPeer.connect(port);
      await peer.bind();
      for (let i = 0; i < 10; i++)
        peer.send('submit_sm', { destination_addr: `${i}`, short_message: Buffer.from('x') });
      for (let i = 0; i < 50 && release.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(release.length, 3, 'only maxInboundInFlight handlers run at once');
      let answered = 0;
      while (answered < 10) {
        const next = release.shift();
        if (next) next();
        await peer.next();
        answered++;
        for (let i = 0; i < 50 && release.length === 0 && answered < 10; i++)
          await new Promise((r) => setTimeout(r, 5));
      }
      peer.end();
    } finally {
      await server.close();
    }
  });
});

describe('SmppServer: interface versions', () => {
  test('a 3.3 bind gets no TLVs, ever; 5.0 gets sc_interface_version 0x50 and congestion_state', async () => {
    const { server, port } = await startServer({
      onRequest: () => ({
        status: 0,
        fields: { message_id: 'abc' },
        congestionState: 85,
        tlvs: { additional_status_info_text: 'ok' },
      }),
    });
    try {
      // 3.3
      let sessionP = nextSession(server);
      const old = await RawPeer.connect(port);
      let session = await sessionP;
      const r33 = await old.bind({ interface_version: 0x33 });
      assert.equal(r33.status, 0);
      assert.equal(r33.length, 16 + 4, 'bind_resp = header + "hub\\0", no sc_interface_version');
      assert.equal(session.interfaceVersion, 0x33);
      old.send('submit_sm', { destination_addr: '1', short_message: Buffer.from('x') });
      const sr = await old.next();
      assert.equal(sr.length, 16 + 4, 'submit_sm_resp = header + "abc\\0", no TLVs');
      const dlv = session.request('deliver_sm', {
        destination_addr: '1',
        esm_class: 0x04,
        short_message: Buffer.from('id:abc stat:DELIVRD'),
        receipted_message_id: 'abc',
        message_state: 2,
      });
      const wire = await old.next();
      const bare = encodePdu({
        command: 'deliver_sm',
        sequence: wire.sequence,
        fields: { destination_addr: '1', esm_class: 0x04, short_message: Buffer.from('id:abc stat:DELIVRD') },
        tlvsAllowed: false,
      });
      assert.deepEqual(wire.raw, bare, 'receipt TLVs stripped for 3.3');
      old.reply(wire);
      await dlv;
      old.end();

      // 5.0
      sessionP = nextSession(server);
      const v5 = await RawPeer.connect(port);
      session = await sessionP;
      const r50 = await v5.bind({ interface_version: 0x50 });
      assert.equal(r50.raw[r50.raw.length - 1], 0x50);
      assert.equal(session.interfaceVersion, 0x50);
      v5.send('submit_sm', { destination_addr: '1', short_message: Buffer.from('x') });
      const s5 = await v5.next();
      const tags = tlvTags(s5.raw, 16 + 4);
      assert.ok(tags.includes(0x0428), 'congestion_state on 5.0');
      assert.ok(tags.includes(0x001d));
      const at = s5.raw.indexOf(Buffer.from([0x04, 0x28, 0x00, 0x01]), 16 + 4);
      assert.equal(s5.raw[at + 4], 85);
      v5.end();

      // 3.4: TLVs yes, congestion_state no
      const v34 = await RawPeer.connect(port);
      await v34.bind();
      v34.send('submit_sm', { destination_addr: '1', short_message: Buffer.from('x') });
      const s34 = await v34.next();
      assert.deepEqual(tlvTags(s34.raw, 16 + 4), [0x001d]);
      v34.end();
    } finally {
      await server.close();
    }
  });
});

describe('SmppServer: binds decided after the session closed', () => {
  /** An onBind that waits until the test lets it decide. */
  function gatedBind(): { onBind: SmppServerOptions['onBind']; release: () => void; entered: Promise<void> } {
    let release!: () => void;
    let entered!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const enteredP = new Promise<void>((r) => {
      entered = r;
    });
    return {
      onBind: async (req) => {
        entered();
        await gate;
        return { ok: true, context: { slot: req.systemId } };
      },
      release,
      entered: enteredP,
    };
  }

  test('ESME disconnects during a slow onBind → onBindAbandoned gets the request and the decision, no bound', async () => {
    const gated = gatedBind();
    const abandoned: Array<[BindRequest, BindDecision]> = [];
    const { server, port } = await startServer({
      onBind: gated.onBind,
      onBindAbandoned: (req, decision) => abandoned.push([req, decision]),
    });
    let bound = 0;
    server.on('bound', () => bound++);
    try {
      const sessionP = nextSession(server);
      const peer = await RawPeer.connect(port);
      const session = await sessionP;
      peer.send('bind_transceiver', { system_id: 'esme1', password: 'secret', interface_version: 0x34 });
      await within(gated.entered, 2000, 'onBind to be called');
      assert.equal(session.state, SessionState.BINDING);
      const closed = within(once(session, 'close'), 3000, 'close');
      peer.end();
      assert.deepEqual(await closed, ['peer-closed']);
      assert.equal(abandoned.length, 0, 'nothing decided yet');
      gated.release();
      await within(
        (async () => {
          while (abandoned.length === 0) await new Promise((r) => setImmediate(r));
        })(),
        2000,
        'onBindAbandoned',
      );
      const [req, decision] = abandoned[0] as [BindRequest, BindDecision];
      assert.equal(req.systemId, 'esme1');
      assert.equal(req.bindType, 'trx');
      assert.deepEqual(decision, { ok: true, context: { slot: 'esme1' } });
      assert.equal(bound, 0);
      assert.equal(session.context, undefined, 'the context never reached the closed session');
      assert.equal(server.sessions.size, 0);
    } finally {
      await server.close();
    }
  });

  test('session-init timer fires during a slow onBind → abandoned too; a throwing hook is reported, not fatal', async () => {
    const gated = gatedBind();
    const errors: string[] = [];
    const { server, port } = await startServer({
      onBind: gated.onBind,
      onBindAbandoned: () => {
        throw new Error('release failed');
      },
      sessionInitTimeoutMs: 100,
    });
    server.on('protocolError', (_s, info) =>
      errors.push(`${info.kind}:${info.command}:${info.error?.message}`),
    );
    try {
      const sessionP = nextSession(server);
      const peer = await RawPeer.connect(port);
      const session = await sessionP;
      peer.send('bind_receiver', { system_id: 'esme1', password: 'secret', interface_version: 0x34 });
      await within(gated.entered, 2000, 'onBind to be called');
      assert.deepEqual(await within(once(session, 'close'), 3000, 'close'), ['session-init-timeout']);
      gated.release();
      await within(
        (async () => {
          while (errors.length === 0) await new Promise((r) => setImmediate(r));
        })(),
        2000,
        'the hook error to be reported',
      );
      assert.deepEqual(errors, ['handler-error:bind_receiver:release failed']);
      await within(peer.closed, 3000, 'peer closed');
    } finally {
      await server.close();
    }
  });
});
