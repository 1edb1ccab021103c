import { parseArgs } from 'node:util';
import { smppE2e } from './e2e.js';
import { printTable, type Row } from './measure.js';
import { mm4Forward } from './mm4.js';
import { mm7Submit } from './mm7.js';
import { smppSubmit } from './smpp-submit.js';

/**
 * `pnpm bench [scenario...] [--n N] [--sessions S] [--window W]`: runs named scenarios and prints one table
 * (throughput, latency percentiles, CPU seconds and peak memory per process), with a reference in the same
 * run where one exists. Not a test: no assertions on timing.
 */
const SCENARIOS: Record<string, (o: { n: number; sessions: number; window: number }) => Promise<Row[]>> = {
  'smpp-submit': smppSubmit,
  'mm7-submit': mm7Submit,
  'mm4-forward': mm4Forward,
  // N = 10,000 unless --n is given (issue 4's figure).
  'smpp-e2e': (o) => smppE2e({ ...o, n: values.n === undefined ? 10_000 : o.n }),
};

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: {
    n: { type: 'string' },
    sessions: { type: 'string', default: '4' },
    window: { type: 'string', default: '50' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help === true) {
  console.log(
    `Usage: pnpm bench [scenario...] [--n N] [--sessions S] [--window W]\nScenarios: ${Object.keys(SCENARIOS).join(', ')}`,
  );
  process.exit(0);
}
const names = positionals.length > 0 ? positionals : Object.keys(SCENARIOS);
const opts = {
  n: Number(values.n ?? '20000'),
  sessions: Number(values.sessions),
  window: Number(values.window),
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
