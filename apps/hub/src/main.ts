import { parseArgs } from 'node:util';
import { loadConfig } from '@hub/config';
import { Errors, isHubError } from '@hub/errors';
import { createLogger, startHub, stopOnSignals } from '@hub/runtime';
import { readEnv } from './env.js';
import { APPS, appNames } from './services.js';

const HELP: Record<string, string> = {
  main: `hub — carrier-grade messaging hub (SMPP 3.4/5.0, MM4, MM7)

Usage: hub <command> [options]

Commands:
  start [app...]      Run Hub. With no app names, runs every app in this one process.
  hash-password       Read a password on stdin and print its hash for the config file.
  send                Send one message, or a campaign from a CSV/Excel file, through Hub's SMPP interface.
  help [command]      Show help for a command.

Options:
  -h, --help          Show help.
  -c, --config FILE   Configuration file (YAML or JSON). Default: $HUB_CONFIG, else built-in defaults.

Environment:
  HUB_CONFIG          Configuration file.
  HUB_REDIS_URL       Redis URL (redis://, rediss://, redis+sentinel://, redis+cluster://).
                      Without one, 'hub start' runs an embedded redis-server under <dataDir>/redis.
  HUB_DATA_DIR        Data folder (embedded Redis, MMS content). Default ./.data
  HUB__a__b=value     Override any setting by path, e.g. HUB__listeners__smpp__port=2776
  HUB_LOG_LEVEL       fatal|error|warn|info|debug|trace (default info). Logs are JSON lines on stderr.
  HUB_SEND_PASSWORD   Password for 'hub send' when the --smpp URL carries none.

See README.md and docs/ for configuration and architecture.`,
  start: `Usage: hub start [app...] [--config FILE]

Runs Hub apps in this process. Every app is stateless (all state lives in Redis), so many
processes of any app may run on many machines against the same Redis.

Apps (default: all, in this order):
%APPS%

Examples:
  hub start                          # everything, embedded Redis when no URL is configured
  hub start smpp --config hub.yaml   # only the SMPP gateway (scale out: run more of these)
  HUB_REDIS_URL=redis://10.0.0.5:6379 hub start router connectors

Stops cleanly on SIGINT/SIGTERM (Ctrl-C): listeners close first, in-flight work drains, sessions are
unbound politely, the embedded Redis (if any) stops last. A second Ctrl-C exits at once.`,
  'hash-password': `Usage: echo -n 'secret' | hub hash-password

Prints a salted scrypt hash to put in the configuration (accounts.*.smpp.passwordHash,
accounts.*.mm7.passwordHash, apiKeys.*.keyHash). Hub never stores clear passwords.`,
  send: `Usage: hub send --smpp URL --to NUMBER --text TEXT [options]
       hub send --smpp URL --file FILE [--column NAME] [--text TEMPLATE | --text-column NAME] [options]

Sends through Hub's own SMPP interface, like any client application: binds with the account in the URL,
submits with a window and a rate limit, and reads delivery receipts. Text is sent as GSM 7-bit when it
can be, else UCS-2; long texts are split into concatenated parts.

Options:
  --smpp URL            smpp://system_id:password@host:2775 (smpps:// for TLS, default port 3550).
                        The password may come from $HUB_SEND_PASSWORD instead.
  --to NUMBER           One recipient (+8210…, or digits as the SMSC expects them).
  --text TEXT           The text. With --file, a template: {column} is replaced by that column's value
                        in each row ({{ and }} write braces).
  --from SENDER         Sender: +number, short code, or alphanumeric up to 11 characters.
  --file FILE           Campaign file: .csv, .tsv or .txt (UTF-8; , ; or tab) or .xlsx. The first row
                        names the columns (a file with numbers only has columns A, B, …).
  --column NAME         Column of numbers (default: phone, number, msisdn, mobile or to; else the first).
  --text-column NAME    Column with each row's own text, when there is no --text (default: text, message).
  --sheet NAME          Worksheet of an .xlsx file (default: the first).
  --rate N              At most N submit_sm per second; each part of a long text counts (default: no limit).
  --window N            submit_sm in flight at once (default 10).
  --wait-receipts [S]   Ask for delivery receipts and wait up to S seconds (default 60) after the last submit.
  --report FILE         Write a CSV report: row, number, message_id, parts, submit_status, error,
                        receipt_stat, receipt_err, receipt_at.
  --insecure            With smpps://, do not verify Hub's certificate.

Progress goes to stderr (a bar on a terminal, a line every few seconds otherwise), the summary to stdout.
Ctrl-C stops submitting, waits for the answers in flight and still writes the report.

Exit codes: 0 every message accepted; 2 bad options, file or column (nothing sent); 3 cannot connect or
bind (nothing sent); 4 finished, but some rows were refused, failed or not sent; 1 unexpected error.

Examples:
  hub send --smpp smpp://acme:secret@localhost:2775 --to +821012345678 --text "Hello" --from HUB
  HUB_SEND_PASSWORD=secret hub send --smpp smpp://acme@hub.example:2775 --file numbers.xlsx \
      --column phone --text "Hello {name}, your code is {code}" --rate 100 --wait-receipts --report out.csv`,
};

function help(cmd = 'main'): string {
  const text = HELP[cmd] ?? HELP.main!;
  return text.replace('%APPS%', APPS.map((a) => `  ${a.name.padEnd(12)} ${a.summary}`).join('\n'));
}

async function main(argv: string[]): Promise<number> {
  const env = readEnv();
  // 'hub send' has options of its own; the global parser would reject them.
  if (argv[0] === 'send') return await send(argv.slice(1), env);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' }, config: { type: 'string', short: 'c' } },
  });
  const [cmd, ...rest] = positionals;
  if (cmd === undefined || cmd === 'help') {
    console.log(help(rest[0]));
    return cmd === undefined && values.help !== true ? 1 : 0;
  }
  if (values.help === true) {
    console.log(help(cmd));
    return 0;
  }
  switch (cmd) {
    case 'start':
      return await start(rest, values.config ?? env.configFile, env);
    case 'hash-password':
      return await hashPassword();
    default:
      console.error(`hub: unknown command '${cmd}'\n`);
      console.error(help());
      return 1;
  }
}

async function start(
  names: string[],
  configFile: string | undefined,
  env: ReturnType<typeof readEnv>,
): Promise<number> {
  const unknown = names.filter((n) => !appNames().includes(n));
  if (unknown.length > 0) {
    console.error(`hub start: unknown app '${unknown[0]}'. Apps: ${appNames().join(', ')}`);
    return 1;
  }
  const log = createLogger({ level: env.logLevel, name: 'hub' });
  const config = loadConfig({ ...(configFile === undefined ? {} : { file: configFile }), env: env.vars });
  const chosen = names.length === 0 ? APPS : APPS.filter((a) => names.includes(a.name));
  const services = await Promise.all(chosen.map(async (a) => [a.name, await a.load()] as const));
  const hub = await startHub({ config, services, log });
  const lines = [
    `Hub is running (${chosen.map((a) => a.name).join(', ') || 'no apps'}); Ctrl-C stops it.`,
    `  redis      ${hub.redisUrl}${hub.embeddedRedis === undefined ? '' : ` (embedded, data in ${hub.embeddedRedis.dir})`}`,
    ...hub.services.flatMap((s) => s.endpoints.map((e) => `  ${s.name.padEnd(10)} ${e}`)),
  ];
  // Handlers first: whoever reads the banner may send SIGINT at once (the banner can reach a pipe before
  // the next statement runs).
  const stopped = stopOnSignals(hub, log);
  console.log(lines.join('\n'));
  await stopped;
  console.log('Hub stopped.');
  return 0;
}

// Exit codes of 'hub send' by error code (see HELP.send).
const SEND_EXIT: Record<string, number> = {
  HUB_ERR_SEND_CONNECT_FAILED: 3,
  HUB_ERR_SEND_FILE_UNREADABLE: 2,
  HUB_ERR_SEND_FILE_FORMAT: 2,
  HUB_ERR_SEND_FILE_EMPTY: 2,
  HUB_ERR_SEND_COLUMN_MISSING: 2,
  HUB_ERR_SEND_TEMPLATE_FIELD: 2,
  HUB_ERR_SEND_NO_TEXT: 2,
  HUB_ERR_SEND_INVALID_OPTION: 2,
};

async function send(argv: string[], env: ReturnType<typeof readEnv>): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    console.log(help('send'));
    return 0;
  }
  const s = await import('@hub/send');
  // --wait-receipts takes an optional number of seconds.
  const args = argv.flatMap((a, i) =>
    a === '--wait-receipts' && !/^\d+(\.\d+)?$/.test(argv[i + 1] ?? '') ? [a, '60'] : [a],
  );
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        smpp: { type: 'string' },
        to: { type: 'string' },
        text: { type: 'string' },
        from: { type: 'string' },
        file: { type: 'string' },
        column: { type: 'string' },
        'text-column': { type: 'string' },
        sheet: { type: 'string' },
        rate: { type: 'string' },
        window: { type: 'string' },
        'wait-receipts': { type: 'string' },
        report: { type: 'string' },
        insecure: { type: 'boolean' },
      },
    }));
  } catch (err) {
    console.error(`hub send: ${(err as Error).message}\n\n${help('send')}`);
    return 2;
  }
  const str = (k: string): string | undefined =>
    typeof values[k] === 'string' ? (values[k] as string) : undefined;
  const num = (k: string): number | undefined => {
    const v = str(k);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0)
      throw new Errors.HUB_ERR_SEND_INVALID_OPTION(`--${k}`, `'${v}' is not a number`);
    return n;
  };
  try {
    const url = str('smpp');
    if (url === undefined)
      throw new Errors.HUB_ERR_SEND_INVALID_OPTION('--smpp', 'missing (smpp://user:pass@host:2775)');
    const target = s.parseSmppUrl(url);
    const password = target.password ?? env.sendPassword;
    if (password === undefined)
      throw new Errors.HUB_ERR_SEND_INVALID_OPTION(
        'password',
        'none in the --smpp URL and HUB_SEND_PASSWORD is not set',
      );
    const to = str('to');
    const file = str('file');
    if ((to === undefined) === (file === undefined))
      throw new Errors.HUB_ERR_SEND_INVALID_OPTION('recipients', 'give either --to NUMBER or --file FILE');
    let recipients: ReturnType<typeof s.singleRecipient>[];
    if (to !== undefined) {
      const text = str('text');
      if (text === undefined) throw new Errors.HUB_ERR_SEND_NO_TEXT('--text is required with --to');
      recipients = [s.singleRecipient(to, text)];
    } else {
      const sheet = str('sheet');
      const table = await s.readTable(file as string, sheet === undefined ? {} : { sheet });
      const column = str('column');
      const text = str('text');
      const textColumn = str('text-column');
      recipients = s.recipientsFromTable(table, {
        ...(column === undefined ? {} : { column }),
        ...(text === undefined ? {} : { text }),
        ...(textColumn === undefined ? {} : { textColumn }),
      });
    }
    const wait = num('wait-receipts');
    const rate = num('rate');
    const window = num('window');
    const from = str('from');
    const campaign = new s.Campaign({
      target: { ...target, password },
      recipients,
      ...(from === undefined ? {} : { from }),
      ...(rate === undefined ? {} : { rate }),
      ...(window === undefined ? {} : { window }),
      ...(wait === undefined ? {} : { waitReceiptsMs: wait * 1000 }),
      ...(values.insecure === true ? { tls: { rejectUnauthorized: false } } : {}),
    });
    // Progress on stderr: a bar redrawn in place on a terminal, a plain line every 5 s otherwise.
    const tty = process.stderr.isTTY === true;
    const draw = (): void => {
      if (tty)
        process.stderr.write(`\r${s.formatProgress(campaign.progress, process.stderr.columns ?? 80)}\x1b[K`);
      else process.stderr.write(`hub send: ${s.formatProgress(campaign.progress)}\n`);
    };
    const ticker = recipients.length > 1 ? setInterval(draw, tty ? 200 : 5_000) : undefined;
    const onSignal = (): void => {
      process.stderr.write(
        '\nhub send: stopping (answers in flight are awaited; Ctrl-C again exits at once)\n',
      );
      campaign.stop();
      process.once('SIGINT', () => process.exit(130));
    };
    process.once('SIGINT', onSignal);
    let result: Awaited<ReturnType<typeof campaign.run>>;
    try {
      result = await campaign.run();
    } finally {
      if (ticker !== undefined) {
        clearInterval(ticker);
        draw();
        if (tty) process.stderr.write('\n');
      }
      process.off('SIGINT', onSignal);
    }
    const report = str('report');
    if (report !== undefined) await s.writeReport(report, result.rows);
    if (to !== undefined) {
      const row = result.rows[0];
      if (row !== undefined) console.log(`${s.submitStatus(row)} ${row.messageIds.join(' ')}`.trim());
    }
    console.log(s.formatSummary(result.summary));
    if (report !== undefined) console.log(`report     ${report}`);
    return result.summary.accepted === result.summary.total ? 0 : 4;
  } catch (err) {
    if (isHubError(err) && SEND_EXIT[err.code] !== undefined) {
      console.error(`hub send: ${err.message}`);
      return SEND_EXIT[err.code] as number;
    }
    throw err;
  }
}

async function hashPassword(): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const plain = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (plain.length === 0) {
    console.error('hub hash-password: no password on stdin');
    return 1;
  }
  const { hashSecret } = await import('@hub/store');
  console.log(await hashSecret(plain));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (isHubError(err)) console.error(`hub: ${err.message}`);
    else console.error('hub: unexpected error', err);
    process.exitCode = 1;
  },
);
