/**
 * Bounded byte-level fuzz of a live SMPP listener (127.0.0.1, private Redis): random bytes and random
 * bind credentials before a bind, mutated valid PDUs after a bind, impossible command_lengths and
 * stalled frames. Every input has a timeout. The gateway must answer or close, never hang a session,
 * never bind with wrong credentials, never crash, and keep its heap bounded; afterwards a fresh ESME
 * still binds and submits. Inputs come from fast-check with a fixed seed, so a failure reproduces.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SmppStatus } from '@hub/smpp';
import {
  buildFrame,
  EsmeClient,
  type NodeSmppPdu,
  type RawSmppSocket,
  rawSocket,
  waitFor,
} from '@hub/testkit';
import fc from 'fast-check';
import { account, Harness, PASSWORD, PduClient, type StartedGateway } from './harness.fixture.js';

const require = createRequire(import.meta.url);
const { PDU } = require('smpp') as {
  PDU: new (c: string, o?: Record<string, unknown>) => NodeSmppPdu & { toBuffer(): Buffer };
};

const SEED = 0x5eed_5e99;
const GENERIC_NACK = 0x80000000;
const SESSION_INIT_MS = 400;
const INACTIVITY_MS = 1_500;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

let h: Harness;
let g: StartedGateway;
let heapBefore = 0;
let rssBefore = 0;
const uncaught: unknown[] = [];
const onUncaught = (e: unknown): void => {
  uncaught.push(e);
};

before(async () => {
  process.on('uncaughtException', onUncaught);
  h = await Harness.start();
  g = await h.gateway([await account('acme', {}, { maxBinds: 1000 })], {
    // Short timers so a wedged session ends within the test's bounds (the idle check first runs after
    // enquireLinkIntervalMs, so that one must be short too for the inactivity timer to act early).
    listener: {
      sessionInitTimeoutMs: SESSION_INIT_MS,
      inactivityTimeoutMs: INACTIVITY_MS,
      enquireLinkIntervalMs: 1_000,
    },
  });
  // Warm up (first bind, first submit, lazy modules) before taking the memory baseline.
  const c = await EsmeClient.connect({ port: g.port, systemId: 'acme', password: PASSWORD });
  assert.equal((await c.submit({ from: '12345', to: '821055551234', text: 'warm-up' })).status, 0);
  await c.close();
  heapBefore = heapAfterGc();
  rssBefore = process.memoryUsage().rss;
});
after(async () => {
  process.off('uncaughtException', onUncaught);
  await h.close();
});

/** Waits until `s` closes or `ms` pass; true when closed. */
async function closedWithin(s: RawSmppSocket, ms: number): Promise<boolean> {
  try {
    await s.waitForClose(ms);
    return true;
  } catch {
    return false;
  }
}

/** Every frame the gateway wrote must be well framed. */
function assertWellFramed(s: RawSmppSocket, label: string): void {
  assert.equal(s.invalid, undefined, `${label}: gateway wrote an impossible command_length`);
  for (const p of s.pdus) assert.ok(p.commandLength >= 16 && p.commandLength <= 70_000, label);
}

async function inBatches<T>(
  items: readonly T[],
  size: number,
  fn: (x: T, i: number) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += size) {
    await Promise.all(items.slice(i, i + size).map((x, k) => fn(x, i + k)));
  }
}

// ---------------------------------------------------------------------------------------------
// 1. Before a bind: random bytes, plausible frames, binds with wrong credentials (100 inputs)
// ---------------------------------------------------------------------------------------------

const KNOWN_IDS = [
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x09, 0x0b, 0x15, 0x21, 0x103, 0x111, 0x80000009, 0x80000015,
];

type PreBind =
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'frame'; commandId: number; body: Uint8Array }
  | { kind: 'bind'; command: string; systemId: string; password: string; version: number };

const preBind: fc.Arbitrary<PreBind> = fc.oneof(
  fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 400 }) }),
  fc.record({
    kind: fc.constant('frame' as const),
    commandId: fc.oneof(fc.constantFrom(...KNOWN_IDS), fc.integer({ min: 0, max: 0xffffffff })),
    body: fc.uint8Array({ maxLength: 200 }),
  }),
  fc
    .record({
      kind: fc.constant('bind' as const),
      command: fc.constantFrom('bind_transceiver', 'bind_transmitter', 'bind_receiver'),
      systemId: fc.oneof(
        fc.constant('acme'),
        fc.string({ maxLength: 15 }),
        fc.constantFrom('ACME', 'acme ', ' acme', 'acme\0x'),
      ),
      password: fc.oneof(
        fc.string({ maxLength: 8 }),
        fc.constantFrom('', 'SECRET', 'secret ', 'secre', 'secretx', `${PASSWORD}\0`),
      ),
      version: fc.constantFrom(0x33, 0x34, 0x50, 0x00, 0xff),
    })
    // Exactly the right credentials are the only ones that may bind; keep the set all-wrong.
    .filter((b) => !(b.systemId === 'acme' && b.password === PASSWORD)),
);

test('before a bind: 100 random inputs are answered or closed, nothing binds with wrong credentials', async () => {
  const inputs = fc.sample(preBind, { seed: SEED, numRuns: 100 });
  let bindsRefused = 0;
  await inBatches(inputs, 25, async (input, i) => {
    const s = await rawSocket(g.port);
    let bytes: Buffer;
    if (input.kind === 'bytes') bytes = Buffer.from(input.bytes);
    else if (input.kind === 'frame')
      bytes = buildFrame({ commandId: input.commandId, sequenceNumber: i + 1, body: input.body });
    else
      bytes = new PDU(input.command, {
        sequence_number: i + 1,
        system_id: input.systemId.slice(0, 15),
        password: input.password.slice(0, 8),
        system_type: '',
        interface_version: input.version,
        addr_ton: 0,
        addr_npi: 0,
        address_range: '',
      }).toBuffer();
    // Split in two writes at a random point: the framing must not depend on TCP segment boundaries.
    const cut = bytes.length === 0 ? 0 : (i * 7919) % bytes.length;
    s.send(bytes.subarray(0, cut));
    await sleep(1);
    s.send(bytes.subarray(cut));
    // Unbound sessions end at the session-init timer at the latest: no socket is held forever.
    const closed = await closedWithin(s, SESSION_INIT_MS + 3_000);
    s.close();
    assert.ok(closed, `input ${i} (${input.kind}): unbound session still open after the init timer`);
    assertWellFramed(s, `input ${i}`);
    for (const p of s.pdus) {
      if (p.command?.startsWith('bind_') && p.command.endsWith('_resp')) {
        assert.notEqual(p.commandStatus, 0, `input ${i}: bound with ${JSON.stringify(input)}`);
        bindsRefused++;
      }
    }
  });
  assert.ok(bindsRefused > 10, `only ${bindsRefused} wrong-credential binds were answered`);
});

// ---------------------------------------------------------------------------------------------
// 2. After a bind: mutated valid PDUs (150 inputs)
// ---------------------------------------------------------------------------------------------

const sm = { source_addr: '12345', destination_addr: '821055551234', dest_addr_ton: 1, dest_addr_npi: 1 };
const SEED_PDUS: ReadonlyArray<[string, Record<string, unknown>]> = [
  ['submit_sm', { ...sm, short_message: Buffer.from('hello fuzz') }],
  [
    'submit_sm',
    { ...sm, data_coding: 8, short_message: Buffer.from('d55cae00', 'hex'), registered_delivery: 1 },
  ],
  ['submit_sm', { ...sm, esm_class: 0x40, short_message: Buffer.from('050003aa0201414243', 'hex') }],
  ['submit_sm', { ...sm, short_message: Buffer.alloc(0), message_payload: Buffer.alloc(300, 0x41) }],
  [
    'submit_sm',
    {
      ...sm,
      short_message: Buffer.from('part'),
      sar_msg_ref_num: 7,
      sar_total_segments: 2,
      sar_segment_seqnum: 1,
    },
  ],
  [
    'submit_sm',
    {
      ...sm,
      schedule_delivery_time: '000000010000000R',
      validity_period: '301231235959000+',
      short_message: Buffer.from('t'),
    },
  ],
  ['data_sm', { ...sm, message_payload: Buffer.from('data sm') }],
  [
    'submit_multi',
    {
      source_addr: '12345',
      dest_address: [{ dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '821055551234' }],
      short_message: Buffer.from('multi'),
    },
  ],
  ['query_sm', { message_id: '0123456789abcdef', source_addr: '12345' }],
  ['cancel_sm', { message_id: '0123456789abcdef', source_addr: '12345', destination_addr: '821055551234' }],
  ['replace_sm', { message_id: '0123456789abcdef', source_addr: '12345', short_message: Buffer.from('new') }],
  ['enquire_link', {}],
  ['bind_transceiver', { system_id: 'acme', password: PASSWORD, interface_version: 0x34 }],
  ['deliver_sm_resp', { message_id: '' }],
  ['generic_nack', {}],
];

interface Mutant {
  seed: number;
  edits: Array<{ op: 'set' | 'insert' | 'delete'; at: number; byte: number }>;
  /** Header tampering (command_id / command_status), the length always consistent. */
  header: { commandId?: number; commandStatus?: number } | undefined;
}

const mutant: fc.Arbitrary<Mutant> = fc.record({
  seed: fc.nat({ max: SEED_PDUS.length - 1 }),
  edits: fc.array(
    fc.record({
      op: fc.constantFrom('set' as const, 'insert' as const, 'delete' as const),
      at: fc.nat(),
      byte: fc.oneof(
        fc.constantFrom(0x00, 0xff, 0x40, 0x08, 0x01, 0x7f, 0x80),
        fc.integer({ min: 0, max: 255 }),
      ),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  header: fc.option(
    fc.record(
      {
        commandId: fc.oneof(fc.constantFrom(...KNOWN_IDS), fc.integer({ min: 0, max: 0xffffffff })),
        commandStatus: fc.integer({ min: 0, max: 0xffffffff }),
      },
      { requiredKeys: [] },
    ),
    { nil: undefined, freq: 6 },
  ),
});

function buildMutant(m: Mutant, seq: number): { frame: Buffer; commandId: number } {
  const [command, fields] = SEED_PDUS[m.seed] as [string, Record<string, unknown>];
  const valid = new PDU(command, { ...fields, sequence_number: seq }).toBuffer();
  let body = Buffer.from(valid.subarray(16));
  for (const e of m.edits) {
    const at = body.length === 0 ? 0 : e.at % (body.length + 1);
    if (e.op === 'set' && at < body.length) body[at] = e.byte;
    else if (e.op === 'insert')
      body = Buffer.concat([body.subarray(0, at), Buffer.of(e.byte), body.subarray(at)]);
    else if (e.op === 'delete') body = Buffer.concat([body.subarray(0, at), body.subarray(at + 1)]);
  }
  const commandId = m.header?.commandId ?? valid.readUInt32BE(4);
  const frame = buildFrame({
    commandId,
    commandStatus: m.header?.commandStatus ?? 0,
    sequenceNumber: seq,
    body,
  });
  return { frame, commandId };
}

test('after a bind: 150 mutated PDUs are each answered (or the session closed), the session never hangs', async (t) => {
  const inputs = fc.sample(mutant, { seed: SEED + 1, numRuns: 150 });
  let c = await PduClient.connect(g.port);
  assert.equal((await c.bind('acme')).pdu.command_status, 0);
  let seq = 100_000;
  const stats = { answered: 0, ok: 0, nacked: 0, closed: 0, unanswerable: 0 };
  for (const [i, m] of inputs.entries()) {
    const { frame, commandId } = buildMutant(m, ++seq);
    const fuzzSeq = seq;
    c.send(frame);
    const expectAnswer = (commandId & 0x80000000) === 0;
    // A response to this sequence number, or the session closed; anything else is a hang.
    // A response PDU from the ESME gets no answer; the enquire_link probe below still checks the session.
    const outcome = expectAnswer
      ? await waitFor(
          () => {
            const r = c.raw.pdus.find((p) => p.sequenceNumber === fuzzSeq);
            if (r !== undefined) return { r };
            if (c.raw.closed) return { closed: true as const };
            return undefined;
          },
          { timeoutMs: 5_000, intervalMs: 2, what: `an answer to mutant ${i}` },
        )
      : undefined;
    assertWellFramed(c.raw, `mutant ${i}`);
    if (outcome === undefined) stats.unanswerable++;
    else if (outcome.r !== undefined) {
      const r = outcome.r;
      stats.answered++;
      assert.ok(
        r.commandId === GENERIC_NACK || r.commandId === (commandId | 0x80000000) >>> 0,
        `mutant ${i}: answered 0x${commandId.toString(16)} with 0x${r.commandId.toString(16)}`,
      );
      if (r.commandId === GENERIC_NACK) stats.nacked++;
      if (r.commandStatus === 0) stats.ok++;
    }
    // The session is still usable, or it was closed on purpose; then bind a new one.
    let alive = !c.raw.closed;
    if (alive) {
      try {
        alive = (await c.request('enquire_link', {}, 5_000)).pdu.command_status === 0;
      } catch (e) {
        assert.ok(
          c.raw.closed,
          `mutant ${i}: no enquire_link_resp and the session is still open (${String(e)})`,
        );
        alive = false;
      }
    }
    if (!alive) {
      stats.closed++;
      c.close();
      c = await PduClient.connect(g.port);
      assert.equal((await c.bind('acme')).pdu.command_status, 0, `rebind after mutant ${i}`);
    }
  }
  c.close();
  t.diagnostic(JSON.stringify(stats));
  assert.ok(stats.answered > 100, JSON.stringify(stats));
  assert.ok(
    stats.ok > 5 && stats.ok < stats.answered,
    `both accepted and refused mutants: ${JSON.stringify(stats)}`,
  );
});

// ---------------------------------------------------------------------------------------------
// 3. Impossible lengths and stalled frames (50 inputs)
// ---------------------------------------------------------------------------------------------

type LengthCase =
  | { kind: 'bad-length'; length: number; bound: boolean; commandId: number }
  | { kind: 'stalled'; length: number; sent: number };

const lengthCase: fc.Arbitrary<LengthCase> = fc.oneof(
  fc.record({
    kind: fc.constant('bad-length' as const),
    length: fc.oneof(
      fc.integer({ min: 0, max: 15 }),
      fc.integer({ min: 70_001, max: 0xffffffff }),
      fc.constantFrom(0xffffffff, 0x80000000, 70_001, 1 << 20),
    ),
    bound: fc.boolean(),
    commandId: fc.constantFrom(0x04, 0x15, 0x09, 0x103),
  }),
  // Valid length, but the frame never completes: the init timer must still end the session.
  fc.record({
    kind: fc.constant('stalled' as const),
    length: fc.integer({ min: 17, max: 70_000 }),
    sent: fc.integer({ min: 4, max: 16 }),
  }),
);

test('impossible command_lengths get generic_nack ESME_RINVCMDLEN and a close; stalled frames are timed out', async () => {
  const inputs = fc.sample(lengthCase, { seed: SEED + 2, numRuns: 50 });
  await inBatches(inputs, 25, async (input, i) => {
    if (input.kind === 'stalled') {
      const s = await rawSocket(g.port);
      const head = Buffer.alloc(16);
      head.writeUInt32BE(input.length, 0);
      head.writeUInt32BE(0x09, 4);
      s.send(head.subarray(0, Math.min(input.sent, input.length)));
      const closed = await closedWithin(s, SESSION_INIT_MS + 3_000);
      s.close();
      assert.ok(closed, `stalled ${i}: a half-sent frame held the session open`);
      assertWellFramed(s, `stalled ${i}`);
      return;
    }
    let s: RawSmppSocket;
    let client: PduClient | undefined;
    if (input.bound) {
      client = await PduClient.connect(g.port);
      assert.equal((await client.bind('acme')).pdu.command_status, 0);
      s = client.raw;
    } else s = await rawSocket(g.port);
    s.send(
      buildFrame({
        commandId: input.commandId,
        sequenceNumber: 4242,
        commandLength: input.length,
        body: Buffer.alloc(8),
      }),
    );
    // Every impossible length is a framing error: nacked and closed at once (bounded generously).
    const closed = await closedWithin(s, INACTIVITY_MS + 2_000 + 3_000);
    s.close();
    assert.ok(closed, `bad-length ${i} (${input.length}): session not closed`);
    assertWellFramed(s, `bad-length ${i}`);
    const nack = s.pdus.find((p) => p.commandId === GENERIC_NACK);
    assert.equal(
      nack?.commandStatus,
      SmppStatus.ESME_RINVCMDLEN,
      `bad-length ${i} (${input.length}): no ESME_RINVCMDLEN`,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// After the run
// ---------------------------------------------------------------------------------------------

test('after the fuzz run: a fresh ESME binds and submits, nothing crashed, memory stayed bounded', async (t) => {
  const c = await EsmeClient.connect({ port: g.port, systemId: 'acme', password: PASSWORD });
  const r = await c.submit({ from: '12345', to: '821055551234', text: 'still serving' });
  assert.equal(r.status, 0);
  await c.close();
  assert.deepEqual(uncaught, []);
  // Let closed sessions' timers and sockets go, then compare the collected heap with the baseline.
  await sleep(200);
  const grewBy = heapAfterGc() - heapBefore;
  t.diagnostic(`heap after GC grew by ${(grewBy / 1048576).toFixed(2)} MiB`);
  assert.ok(grewBy < 32 * 1024 * 1024, `heap grew by ${(grewBy / 1048576).toFixed(1)} MiB`);
  const rssGrew = process.memoryUsage().rss - rssBefore;
  assert.ok(rssGrew < 256 * 1024 * 1024, `RSS grew by ${(rssGrew / 1048576).toFixed(1)} MiB`);
});
