import { parseArgs } from 'node:util';
import { smppE2e } from './e2e.js';
import { smppLatency } from './latency.js';
import { printTable, type Row } from './measure.js';
import { mm4Forward } from './mm4.js';
import { mm7Submit } from './mm7.js';
import { smppScale } from './scale.js';
import { smppSessions } from './sessions.js';
import { smppSubmit } from './smpp-submit.js';

/**
 * `pnpm bench [scenario...] [--n N] [--sessions S] [--window W] [--rate R]`: runs named scenarios and prints one table
 * (throughput, latency percentiles, CPU seconds and peak memory per process), with a reference in the same
 * run where one exists. Not a test: no assertions on timing.
 */
const SCENARIOS: Record<
  string,
  (o: { n: number; sessions: number; window: number; rate: number }) => Promise<Row[]>
> = {
  'smpp-submit': smppSubmit,
  'mm7-submit': mm7Submit,
  'mm4-forward': mm4Forward,
  // N = 10,000 unless --n is given (issue 4's figure).
  'smpp-e2e': (o) => smppE2e({ ...o, n: values.n === undefined ? 10_000 : o.n }),
  // Open loop at --rate (default 2,000/s) for BENCH_LATENCY_SECONDS (default 10) after 2 s of warm-up.
  'smpp-latency': (o) =>
    smppLatency({
      rate: o.rate,
      sessions: o.sessions,
      seconds: Number(process.env.BENCH_LATENCY_SECONDS ?? '10'),
      warmupSeconds: 2,
    }),
  // --n sessions (default 10,000), 200 binds in flight, held 5 s.
  'smpp-sessions': (o) =>
    smppSessions({ sessions: values.n === undefined ? 10_000 : o.n, concurrency: 200, holdSeconds: 5 }),
  // 1, 2, 3 processes of each app (BENCH_SCALE); N = 10,000 and 6 client binds unless given.
  'smpp-scale': (o) =>
    smppScale({
      ...o,
      n: values.n === undefined ? 10_000 : o.n,
      sessions: values.sessions === undefined ? 6 : o.sessions,
      counts: (process.env.BENCH_SCALE ?? '1,2,3').split(',').map(Number),
    }),
};

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: {
    n: { type: 'string' },
    sessions: { type: 'string' },
    window: { type: 'string', default: '50' },
    rate: { type: 'string', default: '2000' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help === true) {
  console.log(
    `Usage: pnpm bench [scenario...] [--n N] [--sessions S] [--window W] [--rate R]\nScenarios: ${Object.keys(SCENARIOS).join(', ')}`,
  );
  process.exit(0);
}
const names = positionals.length > 0 ? positionals : Object.keys(SCENARIOS);
const opts = {
  n: Number(values.n ?? '20000'),
  sessions: Number(values.sessions ?? '4'),
  window: Number(values.window),
  rate: Number(values.rate),
};
const rows: Row[] = [];
for (const name of names) {
  const run = SCENARIOS[name];
  if (run === undefined) {
    console.error(`unknown scenario '${name}'. Scenarios: ${Object.keys(SCENARIOS).join(', ')}`);
    process.exit(1);
  }
  console.error(`running ${name} (n=${opts.n}, sessions=${opts.sessions}, window=${opts.window}) ...`);
  rows.push(...(await run(opts)));
}
printTable(rows);
process.exit(0);
