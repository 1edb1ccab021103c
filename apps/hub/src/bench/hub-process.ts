import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAIN = new URL('../main.ts', import.meta.url).pathname;
/** The compiled CLI (`pnpm build`), as an operator runs it: no TypeScript loader in the measured process. */
const BUILT = new URL('../../dist/main.js', import.meta.url).pathname;

/**
 * How hub children run: `dist` (default, the compiled CLI, what `hub` runs once built; `pnpm bench` builds
 * first) or `source` (`BENCH_HUB=source`: the sources through tsx, for profiling code not yet built).
 */
function hubCommand(): string[] {
  if (process.env.BENCH_HUB === 'source' || !existsSync(BUILT))
    return [...HEAP, '--conditions=@hub/source', '--import', 'tsx', MAIN];
  return [...HEAP, BUILT];
}

/**
 * The Node heap flag Hub ships with (infra/systemd, infra/Dockerfile, `pnpm hub`; docs/operations.md
 * "Node heap"), so the bench measures Hub as it is run. `BENCH_HEAP=default` leaves V8's defaults.
 */
const HEAP = process.env.BENCH_HEAP === 'default' ? [] : ['--initial-old-space-size=256'];

/** A Hub child process (`hub start <apps>`) with a generated config, for benchmarks. */
export interface HubChild {
  readonly child: ChildProcess;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startHubChild(
  config: string,
  apps: string[],
  env: Record<string, string> = {},
): Promise<HubChild> {
  const dir = mkdtempSync(join(tmpdir(), 'hub-bench-'));
  const file = join(dir, 'hub.yaml');
  writeFileSync(file, config);
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
      ...hubCommand(),
      'start',
      ...apps,
      '--config',
      file,
    ],
    {
      // No metrics listener unless asked: several bench hubs (and tests) must not fight over port 9464.
      env: { ...process.env, HUB_LOG_LEVEL: 'warn', HUB__listeners__metrics__enabled: 'false', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`hub did not start in 60 s:\n${out}`)), 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      if (process.env.BENCH_HUB_STDOUT) appendFileSync(`${process.env.BENCH_HUB_STDOUT}.${child.pid}`, d);
      out += d.toString();
      if (out.includes('Hub is running')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`hub exited with ${code}:\n${out}`));
    });
  });
  return {
    child,
    pid: child.pid ?? 0,
    async stop() {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      });
    },
  };
}
