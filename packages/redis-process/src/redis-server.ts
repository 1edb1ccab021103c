import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface RedisServerOptions {
  /** Port to listen on; a free one when omitted. */
  readonly port?: number;
  /** Keep an append-only file so data survives a kill and restart (default true). */
  readonly appendonly?: boolean;
  /** Data folder; a fresh temp folder when omitted (removed by `stop()`). */
  readonly dir?: string;
  /** Path of the binary (default `redis-server` on PATH). */
  readonly binary?: string;
  /** Extra `--flag value` arguments. */
  readonly args?: readonly string[];
}

/**
 * A private `redis-server` child for tests (and for `hub start`'s embedded mode): listens on 127.0.0.1
 * on its own port, can be SIGKILLed and restarted on the same port and data folder.
 */
export class RedisServer {
  readonly port: number;
  readonly dir: string;
  private readonly ownsDir: boolean;
  private child: ChildProcess | undefined;
  private readonly opts: RedisServerOptions;

  private constructor(port: number, dir: string, ownsDir: boolean, opts: RedisServerOptions) {
    this.port = port;
    this.dir = dir;
    this.ownsDir = ownsDir;
    this.opts = opts;
  }

  /** Starts a server and resolves once it accepts connections. Throws if `redis-server` is missing. */
  static async start(opts: RedisServerOptions = {}): Promise<RedisServer> {
    const port = opts.port ?? (await freePort());
    const ownsDir = opts.dir === undefined;
    const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'hub-redis-'));
    const server = new RedisServer(port, dir, ownsDir, opts);
    await server.spawn();
    return server;
  }

  /** `redis://127.0.0.1:<port>` */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The running child's pid, if any. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private async spawn(): Promise<void> {
    const binary = this.opts.binary ?? 'redis-server';
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--save',
      '',
      '--appendonly',
      this.opts.appendonly === false ? 'no' : 'yes',
      '--appendfsync',
      'everysec',
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
      ...(this.opts.args ?? []),
    ];
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (err) => reject(missingHint(err)));
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${stderr.trim()}`)));
    });
    failed.catch(() => {});
    await Promise.race([waitForPort(this.port, 10_000), failed]);
    child.removeAllListeners('exit');
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
  }

  /** SIGKILLs the server (no shutdown save): what a crash looks like. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    this.child = undefined;
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** Starts the server again on the same port and folder (after `kill()` or `stop({keepData})`). */
  async restart(): Promise<void> {
    await this.kill();
    await this.spawn();
  }

  /**
   * Stops the server (SIGTERM: Redis flushes its append-only file; SIGKILL after 5 s) and removes its
   * temp folder when it made one, unless `keepData`.
   */
  async stop(opts: { keepData?: boolean } = {}): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      });
    }
    if (this.ownsDir && opts.keepData !== true) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** True when a `redis-server` binary can be run. */
export function hasRedisServer(binary = 'redis-server'): boolean {
  const r = spawnSync(binary, ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

function missingHint(err: Error & { code?: string }): Error {
  if (err.code === 'ENOENT') {
    return new Error(
      'redis-server is not installed. Install it with: sudo apt-get install -y redis-server (Debian/Ubuntu)',
      { cause: err },
    );
  }
  return err;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        // A PING proves the server is ready, not just listening.
        s.write('PING\r\n');
      });
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`redis-server did not answer on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
