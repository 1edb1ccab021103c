import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@hub/redis-process';
import { findExecutable, killGroup, tail, within } from './process.js';

/** Paths of Kannel's two boxes. */
export interface KannelBoxes {
  readonly bearerbox: string;
  readonly smsbox: string;
}

/** bearerbox and smsbox (Debian `kannel`), or `undefined` when either is missing: the caller skips. */
export function findKannel(): KannelBoxes | undefined {
  const bearerbox = findExecutable('bearerbox');
  const smsbox = findExecutable('smsbox');
  return bearerbox && smsbox ? { bearerbox, smsbox } : undefined;
}

/** Options of {@link Kannel.create}. */
export interface KannelOptions {
  /**
   * A kannel.conf template. Its `@NAME@` placeholders are filled with ADMIN_PORT, ADMIN_PASSWORD, SMSBOX_PORT,
   * SENDSMS_PORT, SENDSMS_USER, SENDSMS_PASSWORD, HUB_PORT, SYSTEM_ID, PASSWORD and DIR; any other throws.
   * The template must write bearerbox.log, smsc-hub.log and smsbox.log into DIR (see {@link Kannel.logs}).
   */
  readonly template: URL | string;
  /** Where Kannel's SMPP client connects (Hub, or a proxy in front of it), on 127.0.0.1. */
  readonly hubPort: number;
  readonly systemId: string;
  readonly password: string;
  /** Prefix of the temporary directory (default `hub-kannel-`). */
  readonly dirPrefix?: string;
}

/** What smsbox's sendsms answered. */
export interface SendsmsAnswer {
  readonly status: number;
  readonly body: string;
}

/**
 * One Kannel instance for a test: a temporary directory holding the config (free ports, random passwords)
 * and the logs; {@link start} runs a box in its own process group. {@link close} stops every box started
 * (reverse order: smsbox before bearerbox, so bearerbox unbinds last) and removes the directory; call it
 * from the test's cleanup even when {@link create} succeeded but a later step failed.
 */
export class Kannel {
  /** smsbox's HTTP sendsms interface on 127.0.0.1. */
  readonly sendsms: { readonly user: string; readonly password: string; readonly port: number };
  readonly #children: ChildProcess[] = [];

  private constructor(
    readonly dir: string,
    readonly confPath: string,
    sendsms: { user: string; password: string; port: number },
  ) {
    this.sendsms = sendsms;
  }

  /** Writes the config into a new temporary directory. Throws on an unknown placeholder (after cleaning up). */
  static async create(o: KannelOptions): Promise<Kannel> {
    const dir = mkdtempSync(join(tmpdir(), o.dirPrefix ?? 'hub-kannel-'));
    try {
      const sendsms = { user: 'tester', password: randomBytes(8).toString('hex'), port: await freePort() };
      const values: Record<string, string> = {
        ADMIN_PORT: String(await freePort()),
        ADMIN_PASSWORD: randomBytes(8).toString('hex'),
        SMSBOX_PORT: String(await freePort()),
        SENDSMS_PORT: String(sendsms.port),
        SENDSMS_USER: sendsms.user,
        SENDSMS_PASSWORD: sendsms.password,
        HUB_PORT: String(o.hubPort),
        SYSTEM_ID: o.systemId,
        PASSWORD: o.password,
        DIR: dir,
      };
      const templatePath = typeof o.template === 'string' ? o.template : fileURLToPath(o.template);
      const conf = readFileSync(templatePath, 'utf8').replace(/@([A-Z_]+)@/g, (_, k: string) => {
        const v = values[k];
        if (v === undefined) throw new Error(`${basename(templatePath)}: no value for @${k}@`);
        return v;
      });
      const confPath = join(dir, 'kannel.conf');
      writeFileSync(confPath, conf);
      return new Kannel(dir, confPath, sendsms);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Starts `bin` (bearerbox or smsbox) on the config, detached so {@link killGroup} reaches its children. */
  start(bin: string): ChildProcess {
    const child = spawn(bin, ['-v', '4', this.confPath], { cwd: this.dir, detached: true, stdio: 'ignore' });
    this.#children.push(child);
    return child;
  }

  /** The tails of the boxes' logs, for failure messages. */
  logs(): string {
    return ['bearerbox.log', 'smsc-hub.log', 'smsbox.log']
      .map((f) => `--- ${f}\n${tail(join(this.dir, f))}`)
      .join('\n');
  }

  /** Rethrows `err` with the logs appended: `.catch(kannel.withLogs)` on a wait that Kannel should end. */
  readonly withLogs = (err: Error): never => {
    throw new Error(`${err.message}\n${this.logs()}`);
  };

  /**
   * GETs smsbox's /cgi-bin/sendsms with the credentials and `params`; `undefined` while smsbox does not
   * answer yet (connection refused, or no answer within 3 s), so it can be {@link poll}ed.
   */
  async send(params: Record<string, string>): Promise<SendsmsAnswer | undefined> {
    const q = new URLSearchParams({
      username: this.sendsms.user,
      password: this.sendsms.password,
      ...params,
    });
    try {
      const res = await fetch(`http://127.0.0.1:${this.sendsms.port}/cgi-bin/sendsms?${q}`, {
        signal: AbortSignal.timeout(3000),
      });
      return { status: res.status, body: await res.text() };
    } catch {
      return undefined;
    }
  }

  /** Stops the boxes still running, newest first (SIGTERM, then SIGKILL after 5 s), and removes the directory. */
  async close(): Promise<void> {
    for (const child of [...this.#children].reverse()) await killGroup(child, 5_000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** An HTTP server on 127.0.0.1 that records the query of every request (Kannel's dlr-url callbacks). */
export interface DlrSink {
  readonly port: number;
  /** The query parameters of each callback, in arrival order. */
  readonly dlrs: URLSearchParams[];
  close(): Promise<void>;
}

/** Starts a {@link DlrSink}; rejects when it cannot listen within 2 s. */
export async function startDlrSink(): Promise<DlrSink> {
  const dlrs: URLSearchParams[] = [];
  const server = http.createServer((req, res) => {
    dlrs.push(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams);
    res.end('ok');
  });
  const close = (): Promise<void> => new Promise<void>((resolve) => server.close(() => resolve()));
  server.listen(0, '127.0.0.1');
  try {
    await within(once(server, 'listening'), 2000, 'dlr server');
  } catch (err) {
    await close();
    throw err;
  }
  return { port: (server.address() as AddressInfo).port, dlrs, close };
}
