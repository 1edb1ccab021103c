import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toHttpStatus, toSmppStatus } from '@hub/errors';
import type { HubMessage } from '@hub/message';
import { MatchContext } from './context.js';
import { type DecideOptions, decide, type RouteDecision, rejectionError } from './decide.js';
import { explain } from './explain.js';
import { compileFilter } from './filters.js';
import { mo, msg, seeded } from './messages.fixture.js';
import type { Action, Filter, RouteInput } from './schema.js';
import { compileTable } from './table.js';

const NOW = Date.UTC(2026, 0, 5, 12, 0); // Monday 2026-01-05 12:00 UTC
const opts: DecideOptions = { now: NOW };
const DEFAULT: RouteInput = {
  id: 'default',
  order: 0,
  table: 'mt',
  action: { type: 'connector', connector: 'c-default' },
};

function mt(id: string, order: number, filters: Filter[], connector = `c-${id}`): RouteInput {
  return { id, order, table: 'mt', filters, action: { type: 'connector', connector } };
}

/** Connector chosen for `m` by a table of `routes` plus the MT default route. */
function via(routes: RouteInput[], m: HubMessage, o: DecideOptions = opts): string {
  const d = decide(compileTable([DEFAULT, ...routes]), m, o);
  assert.equal(d.type, 'connector', JSON.stringify(d));
  return (d as { connector: string }).connector;
}

/** True when a lone route with `filter` takes `m` (else the default does). */
function takes(filter: Filter, m: HubMessage, o: DecideOptions = opts): boolean {
  const table = compileTable([DEFAULT, mt('r', 1, [filter])]);
  const d = decide(table, m, o);
  // The dry run must agree with the indexed path.
  assert.deepEqual(explain(table, m, o).decision, d);
  return d.type === 'connector' && d.connector === 'c-r';
}

function mms(over: Parameters<typeof msg>[0] = {}): HubMessage {
  return msg({ kind: 'mms', content: { type: 'mms', subject: 'Join the club', parts: [] }, ...over });
}

describe('filters', () => {
  test('direction (implied by the table, checked when given)', () => {
    assert.equal(takes({ type: 'direction', direction: 'mt' }, msg()), true);
    const f = compileFilter({ type: 'direction', direction: 'mt' }, 0);
    const ctx = new MatchContext(mo(), NOW);
    assert.equal(f.match(ctx), false);
    assert.equal(f.why(ctx), 'direction is mo, not mt');
  });

  test('kind', () => {
    assert.equal(takes({ type: 'kind', kind: 'sms' }, msg()), true);
    assert.equal(takes({ type: 'kind', kind: 'sms' }, mms()), false);
    assert.equal(takes({ type: 'kind', kind: 'mms' }, mms()), true);
  });

  test('account', () => {
    const f: Filter = { type: 'account', accounts: ['acme', 'globex'] };
    assert.equal(takes(f, msg()), true);
    assert.equal(takes(f, msg({ origin: { protocol: 'mm7', account: 'initech' } })), false);
    assert.equal(takes(f, msg({ origin: { protocol: 'api' } })), false);
  });

  test('destination prefix on the first recipient', () => {
    const f: Filter = { type: 'destinationPrefix', prefixes: ['4917', '4915'] };
    assert.equal(takes(f, msg({ to: '+4915112345678' })), true);
    assert.equal(takes(f, msg({ to: '004917012345678' })), true);
    assert.equal(takes(f, msg({ to: '+4916012345678' })), false);
    assert.equal(takes(f, msg({ to: ['+4915112345678', '+4916012345678'] })), true);
    assert.equal(takes(f, msg({ to: ['+4916012345678', '+4915112345678'] })), false);
  });

  test('destination prefix, exact (short codes)', () => {
    const f: Filter = { type: 'destinationPrefix', prefixes: ['12345'], exact: true };
    assert.equal(takes(f, msg({ to: '12345' })), true);
    assert.equal(takes(f, msg({ to: '123456' })), false);
    assert.equal(takes(f, msg({ to: '1234' })), false);
  });

  test('destination pattern', () => {
    const f: Filter = { type: 'destinationPattern', pattern: '^49(15|16)\\d{8,9}$' };
    assert.equal(takes(f, msg({ to: '+4915112345678' })), true);
    assert.equal(takes(f, msg({ to: '+4917112345678' })), false);
  });

  test('source address by prefix, pattern and case-folded prefix', () => {
    assert.equal(takes({ type: 'sourceAddress', prefixes: ['4930'] }, msg()), true);
    assert.equal(takes({ type: 'sourceAddress', prefixes: ['4989'] }, msg()), false);
    assert.equal(takes({ type: 'sourceAddress', pattern: '^49\\d+$' }, msg()), true);
    assert.equal(takes({ type: 'sourceAddress', pattern: '^44' }, msg()), false);
    assert.equal(
      takes({ type: 'sourceAddress', prefixes: ['bank'], ignoreCase: true }, msg({ from: 'BANKCO' })),
      true,
    );
    assert.equal(takes({ type: 'sourceAddress', prefixes: ['bank'] }, msg({ from: 'BANKCO' })), false);
    assert.equal(
      takes({ type: 'sourceAddress', pattern: '^bank', ignoreCase: true }, msg({ from: 'BankCo' })),
      true,
    );
  });

  test('service code', () => {
    const f: Filter = { type: 'serviceCode', codes: ['PREMIUM'] };
    assert.equal(takes(f, msg({ options: { serviceCode: 'PREMIUM' } })), true);
    assert.equal(takes(f, msg({ options: { serviceCode: 'FREE' } })), false);
    assert.equal(takes(f, msg()), false);
  });

  test('data coding (never MMS)', () => {
    const f: Filter = { type: 'dataCoding', values: [8] };
    const ucs2 = msg({ content: { type: 'sms', dataCoding: 8, text: 'Grüße', bytes: '', segments: 1 } });
    assert.equal(takes(f, ucs2), true);
    assert.equal(takes(f, msg()), false);
    assert.equal(takes(f, mms()), false);
  });

  test('keyword: first word, case-insensitive; MMS subject', () => {
    const f: Filter = { type: 'keyword', keywords: ['stop', 'JOIN'] };
    assert.equal(takes(f, msg({ text: '  Stop please' })), true);
    assert.equal(takes(f, msg({ text: 'STOP!' })), false);
    assert.equal(takes(f, msg({ text: 'please stop' })), false);
    assert.equal(takes(f, msg({ text: '' })), false);
    assert.equal(takes(f, mms()), true);
  });
});

describe('time of day', () => {
  const at = (iso: string): DecideOptions => ({ now: Date.parse(iso) });
  const win = (w: object): Filter => ({ type: 'timeOfDay', windows: [w as never] });

  test('a day window in UTC is half-open', () => {
    const f = win({ from: '08:00', to: '20:00' });
    assert.equal(takes(f, msg(), at('2026-01-05T07:59:59Z')), false);
    assert.equal(takes(f, msg(), at('2026-01-05T08:00:00Z')), true);
    assert.equal(takes(f, msg(), at('2026-01-05T19:59:00Z')), true);
    assert.equal(takes(f, msg(), at('2026-01-05T20:00:00Z')), false);
  });

  test('a window wrapping midnight', () => {
    const f = win({ from: '22:00', to: '06:00' });
    assert.equal(takes(f, msg(), at('2026-01-05T23:00:00Z')), true);
    assert.equal(takes(f, msg(), at('2026-01-06T00:00:00Z')), true);
    assert.equal(takes(f, msg(), at('2026-01-06T05:59:00Z')), true);
    assert.equal(takes(f, msg(), at('2026-01-06T06:00:00Z')), false);
    assert.equal(takes(f, msg(), at('2026-01-06T12:00:00Z')), false);
  });

  test('a wrapping window belongs to the day it starts on', () => {
    const f = win({ from: '22:00', to: '06:00', days: ['fri'] });
    assert.equal(takes(f, msg(), at('2026-01-09T23:00:00Z')), true); // Friday night
    assert.equal(takes(f, msg(), at('2026-01-10T03:00:00Z')), true); // early Saturday, still Friday's window
    assert.equal(takes(f, msg(), at('2026-01-10T23:00:00Z')), false); // Saturday night
    assert.equal(takes(f, msg(), at('2026-01-09T03:00:00Z')), false); // early Friday is Thursday's window
  });

  test('time zones, including daylight saving time', () => {
    const f = win({ from: '08:00', to: '20:00', tz: 'Europe/Berlin' });
    assert.equal(takes(f, msg(), at('2026-01-05T07:30:00Z')), true); // 08:30 CET
    assert.equal(takes(f, msg(), at('2026-01-05T06:30:00Z')), false); // 07:30 CET
    assert.equal(takes(f, msg(), at('2026-07-06T06:30:00Z')), true); // 08:30 CEST
    assert.equal(takes(f, msg(), at('2026-07-06T18:30:00Z')), false); // 20:30 CEST
    // Monday 22:00 in New York is Tuesday 03:00 UTC: the local weekday counts.
    const ny = win({ from: '21:00', to: '23:00', days: ['mon'], tz: 'America/New_York' });
    assert.equal(takes(ny, msg(), at('2026-01-06T03:00:00Z')), true);
    assert.equal(takes(ny, msg(), at('2026-01-07T03:00:00Z')), false);
  });

  test('whole days and several windows', () => {
    const weekend = win({ from: '00:00', to: '24:00', days: ['sat', 'sun'] });
    assert.equal(takes(weekend, msg(), at('2026-01-10T23:59:00Z')), true);
    assert.equal(takes(weekend, msg(), at('2026-01-12T00:00:00Z')), false);
    const split: Filter = {
      type: 'timeOfDay',
      windows: [
        { from: '06:00', to: '09:00' },
        { from: '17:00', to: '19:00', tz: 'Asia/Kolkata' },
      ],
    };
    assert.equal(takes(split, msg(), at('2026-01-05T07:00:00Z')), true);
    assert.equal(takes(split, msg(), at('2026-01-05T12:00:00Z')), true); // 17:30 IST
    assert.equal(takes(split, msg(), at('2026-01-05T10:00:00Z')), false);
  });
});

describe('order', () => {
  const routes = [
    mt('de', 10, [{ type: 'destinationPrefix', prefixes: ['49'] }]),
    mt('de-mobile', 20, [{ type: 'destinationPrefix', prefixes: ['4915', '4916'] }]),
    mt('vip', 30, [{ type: 'account', accounts: ['vip'] }]),
    mt('night', 5, [{ type: 'timeOfDay', windows: [{ from: '00:00', to: '06:00' }] }]),
  ];

  test('highest order first, first match wins, order 0 last', () => {
    assert.equal(via(routes, msg({ to: '+4915112345678' })), 'c-de-mobile');
    assert.equal(via(routes, msg({ to: '+4917112345678' })), 'c-de');
    assert.equal(
      via(routes, msg({ to: '+4915112345678', origin: { protocol: 'smpp', account: 'vip' } })),
      'c-vip',
    );
    assert.equal(via(routes, msg({ to: '+33612345678' })), 'c-default');
    assert.equal(via(routes, msg({ to: '+33612345678' }), { now: Date.UTC(2026, 0, 5, 3) }), 'c-night');
    // A prefix route above an unindexed one still wins at night: order, not index, decides.
    assert.equal(via(routes, msg({ to: '+4917112345678' }), { now: Date.UTC(2026, 0, 5, 3) }), 'c-de');
  });

  test('disabled routes are skipped', () => {
    const off = routes.map((r) => (r.id === 'de-mobile' ? { ...r, enabled: false } : r));
    assert.equal(via(off, msg({ to: '+4915112345678' })), 'c-de');
    const ex = explain(compileTable([DEFAULT, ...off]), msg({ to: '+4915112345678' }), opts);
    assert.deepEqual(
      ex.checked.map((c) => [c.routeId, c.outcome]),
      [
        ['vip', 'filtered'],
        ['de-mobile', 'disabled'],
        ['de', 'matched'],
      ],
    );
  });

  test('without a (enabled) default, an unmatched message is rejected as no route', () => {
    const t = compileTable(routes);
    const d = decide(t, msg({ to: '+33612345678' }), opts);
    assert.deepEqual(d, {
      type: 'reject',
      code: 'HUB_ERR_NO_ROUTE',
      reject: 'no mt route matches and the mt table has no default (order 0) route',
    });
    const err = rejectionError(d as Extract<RouteDecision, { type: 'reject' }>);
    assert.equal(err.code, 'HUB_ERR_NO_ROUTE');
    assert.equal(toSmppStatus(err), 0x0b);
    const t2 = compileTable([{ ...DEFAULT, enabled: false }]);
    assert.equal(decide(t2, msg(), opts).type, 'reject');
    // The MO table is empty here.
    assert.equal((decide(t, mo(), opts) as { code: string }).code, 'HUB_ERR_NO_ROUTE');
  });

  test('a reject route refuses with its reason and maps to wire statuses', () => {
    const t = compileTable([
      DEFAULT,
      {
        id: 'premium',
        order: 50,
        table: 'mt',
        filters: [{ type: 'destinationPrefix', prefixes: ['49900'] }],
        action: { type: 'reject', reason: 'premium numbers are blocked' },
      },
    ]);
    const d = decide(t, msg({ to: '+49900123456' }), opts);
    assert.deepEqual(d, {
      type: 'reject',
      routeId: 'premium',
      reject: 'premium numbers are blocked',
      code: 'HUB_ERR_ROUTING_REJECTED',
    });
    const err = rejectionError(d as Extract<RouteDecision, { type: 'reject' }>);
    assert.equal(err.message, 'Rejected by route premium: premium numbers are blocked');
    assert.equal(toSmppStatus(err), 0x0b);
    assert.equal(toHttpStatus(err), 422);
  });
});

describe('actions', () => {
  const failover: Action = { type: 'failover', connectors: ['a', 'b', 'c'] };
  const tableWith = (action: Action) => compileTable([{ id: 'r', order: 0, table: 'mt', action }]);

  test('failover takes the first connector that is up', () => {
    const t = tableWith(failover);
    assert.deepEqual(decide(t, msg(), opts), {
      type: 'connector',
      routeId: 'r',
      connector: 'a',
      fallbacks: ['b', 'c'],
    });
    const down = (ids: string[]) => ({ ...opts, connectorsUp: (id: string) => !ids.includes(id) });
    assert.deepEqual(decide(t, msg(), down(['a'])), {
      type: 'connector',
      routeId: 'r',
      connector: 'b',
      fallbacks: ['c', 'a'],
    });
    assert.deepEqual(decide(t, msg(), down(['a', 'b'])), {
      type: 'connector',
      routeId: 'r',
      connector: 'c',
      fallbacks: ['a', 'b'],
    });
    assert.deepEqual(decide(t, msg(), down(['a', 'b', 'c'])), {
      type: 'connector',
      routeId: 'r',
      connector: 'a',
      fallbacks: ['b', 'c'],
    });
  });

  test('split follows the weights with a seeded random', () => {
    const t = tableWith({
      type: 'split',
      targets: [
        { connector: 'a', weight: 70 },
        { connector: 'b', weight: 20 },
        { connector: 'c', weight: 10 },
      ],
    });
    const random = seeded(42);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    const N = 10_000;
    for (let i = 0; i < N; i++) {
      const d = decide(t, msg(), { now: NOW, random });
      assert.equal(d.type, 'connector');
      if (d.type === 'connector') counts[d.connector] = (counts[d.connector] ?? 0) + 1;
    }
    assert.ok(Math.abs((counts.a ?? 0) / N - 0.7) < 0.03, JSON.stringify(counts));
    assert.ok(Math.abs((counts.b ?? 0) / N - 0.2) < 0.03, JSON.stringify(counts));
    assert.ok(Math.abs((counts.c ?? 0) / N - 0.1) < 0.03, JSON.stringify(counts));
    // Edges of the random range.
    assert.equal((decide(t, msg(), { now: NOW, random: () => 0 }) as { connector: string }).connector, 'a');
    assert.equal((decide(t, msg(), { now: NOW, random: () => 0.7 }) as { connector: string }).connector, 'b');
    assert.equal((decide(t, msg(), { now: NOW, random: () => 1 }) as { connector: string }).connector, 'c');
    assert.deepEqual((decide(t, msg(), { now: NOW, random: () => 0 }) as { fallbacks: string[] }).fallbacks, [
      'b',
      'c',
    ]);
  });

  test('split skips targets that are down and keeps standby (weight 0) targets as fallbacks', () => {
    const t = tableWith({
      type: 'split',
      targets: [
        { connector: 'a', weight: 1 },
        { connector: 'b', weight: 1 },
        { connector: 'spare', weight: 0 },
      ],
    });
    const random = seeded(7);
    for (let i = 0; i < 200; i++) {
      const d = decide(t, msg(), { now: NOW, random, connectorsUp: (id) => id !== 'a' });
      assert.deepEqual(d, { type: 'connector', routeId: 'r', connector: 'b', fallbacks: ['spare', 'a'] });
    }
    const onlySpare = decide(t, msg(), { now: NOW, random, connectorsUp: (id) => id === 'spare' });
    assert.deepEqual(onlySpare, {
      type: 'connector',
      routeId: 'r',
      connector: 'spare',
      fallbacks: ['a', 'b'],
    });
    const none = decide(t, msg(), { now: NOW, random: () => 0.9, connectorsUp: () => false });
    assert.deepEqual(none, { type: 'connector', routeId: 'r', connector: 'b', fallbacks: ['a', 'spare'] });
  });
});

describe('MO routing', () => {
  const table = compileTable([
    DEFAULT,
    { id: 'mo-default', order: 0, table: 'mo', action: { type: 'reject', reason: 'unknown service' } },
    {
      id: 'stop',
      order: 100,
      table: 'mo',
      filters: [{ type: 'keyword', keywords: ['STOP', 'UNSUBSCRIBE'] }],
      action: { type: 'account', account: 'optout' },
    },
    {
      id: 'acme-sc',
      order: 50,
      table: 'mo',
      filters: [{ type: 'destinationPrefix', prefixes: ['12345'], exact: true }],
      action: { type: 'account', account: 'acme' },
    },
    {
      id: 'globex-sc',
      order: 40,
      table: 'mo',
      filters: [
        { type: 'destinationPrefix', prefixes: ['54321'], exact: true },
        { type: 'connector', connectors: ['vf-de'] },
      ],
      action: { type: 'account', account: 'globex' },
    },
    {
      id: 'tmo',
      order: 10,
      table: 'mo',
      filters: [{ type: 'connector', connectors: ['tmo-de'] }],
      action: { type: 'account', account: 'tmo-desk' },
    },
  ]);

  test('by keyword, short code and connector to an account', () => {
    assert.deepEqual(decide(table, mo({ text: 'stop' }), opts), {
      type: 'account',
      routeId: 'stop',
      account: 'optout',
    });
    assert.deepEqual(decide(table, mo({ text: 'hello' }), opts), {
      type: 'account',
      routeId: 'acme-sc',
      account: 'acme',
    });
    assert.deepEqual(decide(table, mo({ to: '54321' }), opts), {
      type: 'account',
      routeId: 'globex-sc',
      account: 'globex',
    });
    const viaTmo = { origin: { protocol: 'smpp' as const, connector: 'tmo-de' } };
    assert.deepEqual(decide(table, mo({ to: '54321', ...viaTmo }), opts), {
      type: 'account',
      routeId: 'tmo',
      account: 'tmo-desk',
    });
    assert.deepEqual(decide(table, mo({ to: '999', ...viaTmo }), opts), {
      type: 'account',
      routeId: 'tmo',
      account: 'tmo-desk',
    });
  });

  test('the MO default can reject; MT messages never see MO routes', () => {
    const d = decide(table, mo({ to: '999' }), opts);
    assert.deepEqual(d, {
      type: 'reject',
      routeId: 'mo-default',
      reject: 'unknown service',
      code: 'HUB_ERR_ROUTING_MO_REJECTED',
    });
    assert.equal(toSmppStatus(rejectionError(d as Extract<RouteDecision, { type: 'reject' }>)), 0x65);
    assert.equal(
      (decide(table, msg({ to: '12345', text: 'STOP' }), opts) as { routeId: string }).routeId,
      'default',
    );
  });
});

describe('explain', () => {
  test('names the first failing filter of each route checked', () => {
    const t = compileTable([
      DEFAULT,
      mt('fr', 30, [
        { type: 'kind', kind: 'sms' },
        { type: 'destinationPrefix', prefixes: ['33'] },
      ]),
      mt('bulk', 20, [{ type: 'account', accounts: ['bulk'] }]),
      mt('late', 10, [{ type: 'timeOfDay', windows: [{ from: '20:00', to: '23:00' }] }]),
    ]);
    const ex = explain(t, msg({ to: '+4915112345678' }), opts);
    assert.equal(ex.table, 'mt');
    assert.deepEqual(ex.decision, {
      type: 'connector',
      routeId: 'default',
      connector: 'c-default',
      fallbacks: [],
    });
    assert.deepEqual(ex.checked, [
      {
        routeId: 'fr',
        order: 30,
        outcome: 'filtered',
        failed: {
          index: 1,
          type: 'destinationPrefix',
          reason: 'destination "4915112345678" does not start with any of "33"',
        },
      },
      {
        routeId: 'bulk',
        order: 20,
        outcome: 'filtered',
        failed: { index: 0, type: 'account', reason: 'account "acme" is not one of "bulk"' },
      },
      {
        routeId: 'late',
        order: 10,
        outcome: 'filtered',
        failed: { index: 0, type: 'timeOfDay', reason: '2026-01-05T12:00:00.000Z is outside the window' },
      },
      { routeId: 'default', order: 0, outcome: 'matched' },
    ]);
  });

  test('agrees with decide on a large random table', () => {
    const rnd = seeded(2026);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    const digits = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 10)).join('');
    const routes: RouteInput[] = [DEFAULT];
    for (let i = 1; i <= 400; i++) {
      const filters: Filter[] = [];
      const indexed = rnd() < 0.8;
      if (indexed)
        filters.push({
          type: 'destinationPrefix',
          prefixes: [`4${digits(2 + Math.floor(rnd() * 2))}`, `3${digits(2)}`],
          exact: rnd() < 0.05,
        });
      // Unindexed routes always filter on something else, so that few of them catch everything.
      if (!indexed || rnd() < 0.3)
        filters.push({ type: 'account', accounts: [pick(['acme', 'globex', 'initech'])] });
      if (!indexed || rnd() < 0.2) filters.push({ type: 'keyword', keywords: [pick(['HELLO', 'STOP'])] });
      if (rnd() < 0.1) filters.push({ type: 'destinationPattern', pattern: `^${digits(1)}` });
      routes.push({
        ...mt(`r${i}`, i * 3, filters),
        enabled: rnd() < 0.9,
        ...(rnd() < 0.2 ? { action: { type: 'failover', connectors: ['x', 'y'] } } : {}),
      });
    }
    const t = compileTable(routes);
    const seen = new Set<string | undefined>();
    for (let i = 0; i < 2000; i++) {
      const m = msg({
        to: `+${pick(['4', '3', '1'])}${digits(10)}`,
        origin: { protocol: 'smpp', account: pick(['acme', 'globex', 'initech']) },
        text: pick(['hello world', 'STOP', 'x']),
      });
      const o: DecideOptions = { now: NOW, connectorsUp: (id) => id !== 'x' };
      const d = decide(t, m, o);
      assert.deepEqual(d, explain(t, m, o).decision);
      seen.add(d.routeId);
    }
    // The sample must exercise many routes, not just fall through to the default.
    assert.ok(seen.size > 50, `only ${seen.size} routes decided`);
  });
});
