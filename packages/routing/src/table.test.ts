import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type HubError, isHubError, toHttpStatus } from '@hub/errors';
import type { RouteInput } from './schema.js';
import { compileTable, parseRoute, type RouteIssue } from './table.js';

const def: RouteInput = {
  id: 'default',
  order: 0,
  table: 'mt',
  action: { type: 'connector', connector: 'c0' },
};

/** Compiles and returns the issues it throws (fails the test when it does not throw). */
function issues(routes: unknown[]): RouteIssue[] {
  try {
    compileTable(routes);
  } catch (err) {
    assert.ok(isHubError(err, 'HUB_ERR_ROUTING_INVALID'), String(err));
    assert.equal(toHttpStatus(err), 400);
    return (err as HubError).details?.issues as RouteIssue[];
  }
  assert.fail('expected HUB_ERR_ROUTING_INVALID');
}

function only(routes: unknown[]): RouteIssue {
  const list = issues(routes);
  assert.equal(list.length, 1, JSON.stringify(list));
  return list[0] as RouteIssue;
}

test('a valid table compiles sorted highest order first, defaults applied and frozen', () => {
  const t = compileTable([
    def,
    {
      id: 'de',
      order: 10,
      table: 'mt',
      filters: [{ type: 'destinationPrefix', prefixes: ['49'] }],
      action: { type: 'connector', connector: 'c1' },
    },
    {
      id: 'fr',
      order: 20,
      table: 'mt',
      filters: [{ type: 'destinationPrefix', prefixes: ['33'] }],
      action: { type: 'connector', connector: 'c2' },
    },
    { id: 'mo-default', order: 0, table: 'mo', action: { type: 'account', account: 'acme' } },
  ]);
  assert.deepEqual(
    t.mt.routes.map((r) => r.route.id),
    ['fr', 'de', 'default'],
  );
  assert.deepEqual(
    t.routes.map((r) => r.id),
    ['fr', 'de', 'default', 'mo-default'],
  );
  assert.equal(t.mt.routes[2]?.route.enabled, true);
  assert.deepEqual(t.mt.routes[2]?.route.filters, []);
  assert.ok(Object.isFrozen(t) && Object.isFrozen(t.routes) && Object.isFrozen(t.routes[0]?.filters[0]));
  assert.throws(() => {
    (t.routes as unknown as RouteInput[]).push(def);
  }, TypeError);
});

test('an empty table and a table without default are legal', () => {
  assert.equal(compileTable([]).routes.length, 0);
  assert.equal(compileTable([{ ...def, order: 5 }]).mt.hasDefault, false);
});

test('order 0 with filters is refused on the filters field', () => {
  const i = only([{ ...def, filters: [{ type: 'kind', kind: 'sms' }] }]);
  assert.deepEqual(i, {
    routeId: 'default',
    index: 0,
    path: 'filters',
    reason: 'the default route (order 0) must have no filters',
  });
});

test('duplicate order within a table is refused; the same order in the other table is fine', () => {
  const i = only([
    { ...def, id: 'a', order: 7 },
    { ...def, id: 'b', order: 7 },
    { id: 'c', order: 7, table: 'mo', action: { type: 'account', account: 'x' } },
  ]);
  assert.equal(i.routeId, 'b');
  assert.equal(i.path, 'order');
  assert.match(i.reason, /already used by route a in the mt table/);
});

test('duplicate ids are refused across tables', () => {
  const i = only([def, { id: 'default', order: 0, table: 'mo', action: { type: 'account', account: 'x' } }]);
  assert.equal(i.path, 'id');
  assert.equal(i.index, 1);
});

test('a bad regex names the filter field', () => {
  const i = only([
    {
      ...def,
      id: 'r',
      order: 3,
      filters: [
        { type: 'kind', kind: 'sms' },
        { type: 'destinationPattern', pattern: '(4+)+9' },
      ],
    },
  ]);
  assert.equal(i.path, 'filters[1].pattern');
  assert.match(i.reason, /catastrophic/);
  const j = only([{ ...def, id: 'r', order: 3, filters: [{ type: 'sourceAddress', pattern: '[' }] }]);
  assert.equal(j.path, 'filters[0].pattern');
  assert.match(j.reason, /not a valid regular expression/);
});

test('an unknown action or filter type names the type field and the value', () => {
  const i = only([{ ...def, action: { type: 'teleport', connector: 'x' } }]);
  assert.deepEqual([i.path, i.reason], ['action.type', 'unknown type "teleport"']);
  const j = only([{ ...def, order: 2, filters: [{ type: 'moonPhase' }] }]);
  assert.deepEqual([j.path, j.reason], ['filters[0].type', 'unknown type "moonPhase"']);
});

test('an empty failover list, a negative weight and an all-zero split are refused', () => {
  assert.equal(only([{ ...def, action: { type: 'failover', connectors: [] } }]).path, 'action.connectors');
  const w = only([
    {
      ...def,
      action: {
        type: 'split',
        targets: [
          { connector: 'a', weight: 2 },
          { connector: 'b', weight: -1 },
        ],
      },
    },
  ]);
  assert.equal(w.path, 'action.targets[1].weight');
  const z = only([{ ...def, action: { type: 'split', targets: [{ connector: 'a', weight: 0 }] } }]);
  assert.deepEqual(
    [z.path, z.reason],
    ['action.targets', 'needs at least one target with a positive weight'],
  );
  assert.equal(
    only([{ ...def, action: { type: 'failover', connectors: ['a', 'a'] } }]).path,
    'action.connectors',
  );
});

test('actions and filters that do not fit the table are refused', () => {
  const a = only([{ ...def, action: { type: 'account', account: 'acme' } }]);
  assert.equal(a.path, 'action.type');
  assert.match(a.reason, /not allowed in the mt table/);
  const b = only([{ id: 'm', order: 0, table: 'mo', action: { type: 'connector', connector: 'c' } }]);
  assert.equal(b.path, 'action.type');
  const c = only([{ ...def, order: 1, filters: [{ type: 'direction', direction: 'mo' }] }]);
  assert.equal(c.path, 'filters[0].direction');
  const d = only([
    {
      id: 'm',
      order: 1,
      table: 'mo',
      filters: [{ type: 'account', accounts: ['x'] }],
      action: { type: 'reject', reason: 'no' },
    },
  ]);
  assert.equal(d.path, 'filters[0].type');
  const e = only([{ ...def, order: 1, filters: [{ type: 'connector', connectors: ['x'] }] }]);
  assert.equal(e.path, 'filters[0].type');
});

test('field-level problems carry their path', () => {
  assert.equal(only([{ ...def, order: -1 }]).path, 'order');
  assert.equal(only([{ ...def, order: 1.5 }]).path, 'order');
  assert.equal(only([{ ...def, table: 'xx' }]).path, 'table');
  assert.equal(
    only([{ ...def, order: 1, filters: [{ type: 'destinationPrefix', prefixes: ['49a'] }] }]).path,
    'filters[0].prefixes[0]',
  );
  const tz = only([
    {
      ...def,
      order: 1,
      filters: [{ type: 'timeOfDay', windows: [{ from: '08:00', to: '20:00', tz: 'Mars/Olympus' }] }],
    },
  ]);
  assert.equal(tz.path, 'filters[0].windows[0].tz');
  const hh = issues([
    { ...def, order: 1, filters: [{ type: 'timeOfDay', windows: [{ from: '8:00', to: '25:00' }] }] },
  ]);
  assert.deepEqual(
    hh.map((i) => i.path),
    ['filters[0].windows[0].from', 'filters[0].windows[0].to'],
  );
  const eq = issues([
    { ...def, order: 1, filters: [{ type: 'timeOfDay', windows: [{ from: '08:00', to: '08:00' }] }] },
  ]);
  assert.equal(eq[0]?.path, 'filters[0].windows[0].to');
  const src = only([
    { ...def, order: 1, filters: [{ type: 'sourceAddress', prefixes: ['49'], pattern: '^49' }] },
  ]);
  assert.equal(src.path, 'filters[0].prefixes');
  const missing = only([{ order: 1, table: 'mt', action: { type: 'reject', reason: 'x' } }]);
  assert.deepEqual([missing.routeId, missing.path], ['#0', 'id']);
});

test('all issues are reported, the first one in the message', () => {
  try {
    compileTable([
      { ...def, order: -1 },
      { ...def, id: 'x', action: { type: 'failover', connectors: [] } },
    ]);
    assert.fail('expected a throw');
  } catch (err) {
    assert.ok(isHubError(err, 'HUB_ERR_ROUTING_INVALID'));
    assert.equal(err.message, 'Invalid route default at order: Too small: expected number to be >=0');
    assert.equal((err.details?.issues as RouteIssue[] | undefined)?.length, 2);
  }
  assert.ok(
    isHubError(
      captured(() => compileTable('nope' as unknown as unknown[])),
      'HUB_ERR_ROUTING_INVALID',
    ),
  );
});

test('parseRoute validates one route and applies defaults', () => {
  assert.deepEqual(parseRoute(def), { ...def, enabled: true, filters: [] });
  const err = captured(() => parseRoute({ ...def, filters: [{ type: 'kind', kind: 'sms' }] }));
  assert.ok(isHubError(err, 'HUB_ERR_ROUTING_INVALID'));
  assert.deepEqual(err.details?.issues, [
    { routeId: 'default', path: 'filters', reason: 'the default route (order 0) must have no filters' },
  ]);
});

function captured(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}
