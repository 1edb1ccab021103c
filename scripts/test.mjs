#!/usr/bin/env node
// Runs every *.test.ts beside the code with node's test runner (through tsx, on the sources),
// then prints one plain closing line `N passed, N failed` for CI.
// Usage: node scripts/test.mjs [path-prefix ...]   e.g. `pnpm test packages/smpp`
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2).map((p) => p.replace(/\/$/, ''));

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const full = join(dir, name);
    const st = statSync(full);
    if (st.isDirectory()) walk(full, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, full));
  }
  return out;
}

const files = [];
for (const top of ['packages', 'apps']) {
  try {
    walk(join(root, top), files);
  } catch {}
}
const selected = files.filter((f) => filters.length === 0 || filters.some((p) => f.startsWith(p))).sort();
if (selected.length === 0) {
  console.log('no test files matched');
  console.log('0 passed, 0 failed');
  process.exit(1);
}

const args = [
  '--conditions=@hub/source',
  '--import',
  'tsx',
  '--test',
  '--test-reporter=spec',
  `--test-concurrency=${process.env.HUB_TEST_CONCURRENCY ?? '3'}`,
  '--test-timeout=120000',
  ...selected,
];
const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4000);
});
child.on('close', (code) => {
  const pass = Number(/ℹ pass (\d+)/.exec(tail)?.[1] ?? 0);
  const fail = Number(/ℹ fail (\d+)/.exec(tail)?.[1] ?? (code === 0 ? 0 : 1));
  const cancelled = Number(/ℹ cancelled (\d+)/.exec(tail)?.[1] ?? 0);
  console.log(`${pass} passed, ${fail + cancelled} failed`);
  process.exit(code ?? 1);
});
