/**
 * Micro benchmark (not a test): decisions per second on a 1,000-route MT table.
 * Run: `pnpm --filter @hub/routing bench` (or `node --conditions=@hub/source --import tsx src/decide.bench.ts`).
 */
import type { HubMessage } from '@hub/message';
import { type DecideOptions, decide } from './decide.js';
import { explain } from './explain.js';
import { msg, seeded } from './messages.fixture.js';
import type { Filter, RouteInput } from './schema.js';
import { compileTable } from './table.js';

const rnd = seeded(1);
const digits = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 10)).join('');

// 1,000 routes shaped like a carrier table: mostly country/network prefixes, some per account, a few
// time windows and patterns, a failover or split here and there, and the default.
const routes: RouteInput[] = [
  { id: 'default', order: 0, table: 'mt', action: { type: 'failover', connectors: ['gw-1', 'gw-2'] } },
];
for (let i = 1; i < 1000; i++) {
  const filters: Filter[] = [];
  const r = rnd();
  if (r < 0.85) {
    const cc = ['1', '33', '34', '39', '44', '49', '55', '91'][i % 8];
    filters.push({
      type: 'destinationPrefix',
      prefixes: Array.from({ length: 3 }, () => `${cc}${digits(2 + (i % 3))}`),
    });
  } else if (r < 0.95) {
    filters.push({ type: 'account', accounts: [`acct-${i % 50}`] });
  } else {
    filters.push({ type: 'destinationPattern', pattern: `^${digits(2)}\\d{8,10}$` });
  }
  if (rnd() < 0.2) filters.push({ type: 'account', accounts: [`acct-${i % 50}`, 'acme'] });
  if (rnd() < 0.05)
    filters.push({ type: 'timeOfDay', windows: [{ from: '08:00', to: '20:00', tz: 'Europe/Berlin' }] });
  const a = rnd();
  routes.push({
    id: `r${i}`,
    order: i,
    table: 'mt',
    filters,
    action:
      a < 0.7
        ? { type: 'connector', connector: `c${i % 40}` }
        : a < 0.9
          ? { type: 'failover', connectors: [`c${i % 40}`, `c${(i + 1) % 40}`] }
          : {
              type: 'split',
              targets: [
                { connector: `c${i % 40}`, weight: 3 },
                { connector: `c${(i + 7) % 40}`, weight: 1 },
              ],
            },
  });
}

const t0 = performance.now();
const table = compileTable(routes);
const compileMs = performance.now() - t0;

const ccs = ['1', '33', '34', '39', '44', '49', '55', '91', '7', '86'];
const messages: HubMessage[] = Array.from({ length: 1000 }, (_, i) =>
  msg({
    to: `+${ccs[i % ccs.length]}${digits(10)}`,
    origin: { protocol: 'smpp', account: `acct-${i % 60}` },
  }),
);
const opts: DecideOptions = {
  now: Date.UTC(2026, 0, 5, 12),
  random: seeded(2),
  connectorsUp: (id) => id !== 'c3',
};

function run(fn: (m: HubMessage) => unknown, n: number): number {
  const start = performance.now();
  for (let i = 0; i < n; i++) fn(messages[i % messages.length] as HubMessage);
  return n / ((performance.now() - start) / 1000);
}

run((m) => decide(table, m, opts), 50_000); // warm-up
const perSec = run((m) => decide(table, m, opts), 500_000);
const explainPerSec = run((m) => explain(table, m, opts), 20_000);
const byRoute = new Map<string, number>();
for (const m of messages) {
  const id = decide(table, m, opts).routeId ?? '(none)';
  byRoute.set(id, (byRoute.get(id) ?? 0) + 1);
}
console.log(`routes: ${routes.length}, compile: ${compileMs.toFixed(1)} ms`);
console.log(
  `decide: ${Math.round(perSec).toLocaleString('en-US')} decisions/s (${(1e6 / perSec).toFixed(2)} µs each)`,
);
console.log(`explain (linear dry run): ${Math.round(explainPerSec).toLocaleString('en-US')} /s`);
console.log(
  `distinct routes taken by 1,000 sample messages: ${byRoute.size} (default: ${byRoute.get('default') ?? 0})`,
);
