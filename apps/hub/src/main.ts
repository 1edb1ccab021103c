import { parseArgs } from 'node:util';
import { loadConfig } from '@hub/config';
import { isHubError } from '@hub/errors';
import { createLogger, startHub, stopOnSignals } from '@hub/runtime';
import { readEnv } from './env.js';
import { APPS, appNames } from './services.js';

const HELP: Record<string, string> = {
  main: `hub — carrier-grade messaging hub (SMPP 3.4/5.0, MM4, MM7)

Usage: hub <command> [options]

Commands:
  start [app...]      Run Hub. With no app names, runs every app in this one process.
  hash-password       Read a password on stdin and print its hash for the config file.
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
};

function help(cmd = 'main'): string {
  const text = HELP[cmd] ?? HELP.main!;
  return text.replace('%APPS%', APPS.map((a) => `  ${a.name.padEnd(12)} ${a.summary}`).join('\n'));
}

async function main(argv: string[]): Promise<number> {
  const env = readEnv();
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

async function start(names: string[], configFile: string | undefined, env: ReturnType<typeof readEnv>): Promise<number> {
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
  console.log(lines.join('\n'));
  await stopOnSignals(hub, log);
  console.log('Hub stopped.');
  return 0;
}

async function hashPassword(): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const plain = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
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
