import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { within } from './process.js';

/**
 * The directory holding `netsmpp-peer.pl`, the helpers shared by the Net::SMPP scripts (JSON output, alarm-
 * bounded steps, the HOST PORT SYSTEM_ID PASSWORD arguments). {@link runPerl} puts it on `@INC`, so a script
 * loads it with `require 'netsmpp-peer.pl';`.
 */
export const PERL_LIB = fileURLToPath(new URL('../perl/', import.meta.url));

/** One line a peer script printed: a JSON object with at least a `step`. */
export type PerlLine = Record<string, unknown> & { step: string };

/** A running Perl peer script (see {@link runPerl}). */
export interface PerlPeer {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** Every line printed so far, parsed, in order. */
  readonly lines: PerlLine[];
  /** What the script wrote on stderr so far. */
  stderr(): string;
  /** stderr and stdout so far, for failure messages. */
  transcript(): string;
  /**
   * Waits for the script to exit and resolves with its exit code (`null` if a signal ended it). After `ms`
   * it kills the script and rejects with `what` and the {@link transcript}.
   */
  exit(ms: number, what: string): Promise<number | null>;
  /** Kills the script if it still runs and stops reading its output; idempotent (for `t.after`). */
  close(): void;
}

/**
 * Runs `perl -I PERL_LIB script ...args`, parsing each stdout line as JSON into {@link PerlPeer.lines} and
 * calling `onLine` with it (to react to steps such as "await_deliver"). A line that is not JSON throws from
 * the readline handler, which fails the test run: the scripts print JSON only.
 */
export function runPerl(
  script: string,
  args: readonly string[],
  onLine?: (line: PerlLine) => void,
): PerlPeer {
  const child = spawn('perl', ['-I', PERL_LIB, script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const lines: PerlLine[] = [];
  const rl = createInterface({ input: child.stdout });
  rl.on('line', (text) => {
    const line = JSON.parse(text) as PerlLine;
    lines.push(line);
    onLine?.(line);
  });
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const transcript = (): string =>
    `stderr:\n${stderr}\nstdout:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`;
  return {
    child,
    lines,
    stderr: () => stderr,
    transcript,
    async exit(ms, what) {
      try {
        const [code] = await within(exited, ms, what);
        return code;
      } catch (err) {
        kill();
        throw new Error(`${(err as Error).message}\n${transcript()}`);
      }
    },
    close() {
      kill();
      rl.close();
    },
  };
}
