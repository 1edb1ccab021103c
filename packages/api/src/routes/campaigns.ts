/**
 * Campaigns through the API (`/v1/campaigns`): upload a CSV or Excel file, get a campaign id, follow its
 * progress, download the report, stop it. The instance that accepts a campaign runs it with `@hub/send`
 * against Hub's own SMPP listener, bound as the account named in the request, exactly like a customer's
 * application would; so routing, throughput limits, billing and receipts apply as to any SMPP traffic.
 *
 * State lives in Redis so that any API instance can answer progress and take a stop request:
 * - `<prefix>:campaign:<id>` hash: `doc` (what was asked, JSON), `status`, `progress` (JSON), `summary`,
 *   `error`, `updatedAt` (the runner's heartbeat), `stop` (set by DELETE on any instance; the runner polls it);
 * - `<prefix>:campaign:<id>:report` the CSV report, written when the run ends;
 * - `<prefix>:campaigns` sorted set of ids by creation time (the list).
 * Every key expires `retentionSeconds` after the campaign ends.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import multipart from '@fastify/multipart';
import type { Account } from '@hub/config';
import { Errors, type HubError, isHubError } from '@hub/errors';
import {
  Campaign,
  type CampaignOptions,
  type Progress,
  parseSource,
  type Recipient,
  readTable,
  recipientsFromTable,
  reportCsv,
  type Summary,
  type Table,
} from '@hub/send';
import { verifySecret } from '@hub/store';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type ApiContext, audit, who } from '../context.js';
import { KINDS } from '../model.js';
import { type FieldIssue, fieldIssues, jsonSchema, validationError } from '../validation.js';

/** How the API runs campaigns (`ApiAppOptions.campaigns`); every field has a default. */
export interface CampaignsOptions {
  /**
   * Hub's own SMPP listener (`listeners.smpp`) as the API reaches it: default `127.0.0.1:2775`, plain
   * SMPP. With `tls: true` the bind is SMPP over TLS, verified with `tlsOptions` (default: system CAs).
   */
  readonly smpp?: {
    readonly host: string;
    readonly port: number;
    readonly tls?: boolean;
    readonly tlsOptions?: CampaignOptions['tls'];
  };
  /**
   * Clear SMPP passwords of the accounts campaigns may send as, by account id. Put `${ENV_NAME}` in the
   * config file and the secret in the environment: the config store only holds hashes, so the API cannot
   * bind as an account without being told its password here or in the request.
   */
  readonly passwords?: Readonly<Record<string, string>>;
  /**
   * Accept a `password` field in the request for accounts that have none in `passwords` (default true).
   * It is checked against the account's stored hash, used for the bind, and never stored.
   */
  readonly allowRequestPassword?: boolean;
  /** Campaigns running at once on this instance (default 4); more is `429`. */
  readonly maxConcurrent?: number;
  /** Largest upload in bytes (default 20 MiB). */
  readonly maxUploadBytes?: number;
  /** Most data rows in one file (default 200,000). */
  readonly maxRows?: number;
  /** How often the runner writes progress and looks for a stop request (default 1000 ms). */
  readonly progressIntervalMs?: number;
  /** How long a finished campaign and its report are kept (default 7 days). */
  readonly retentionSeconds?: number;
  /** Name of this instance in the campaign record (default `<hostname>-<pid>`). */
  readonly instance?: string;
}

declare module '../app.js' {
  interface ApiAppOptions {
    /** API campaigns (see {@link CampaignsOptions}); `false` turns `/v1/campaigns` off (404). */
    readonly campaigns?: CampaignsOptions | false;
  }
}

/** Status of a campaign: `interrupted` means the runner stopped reporting (its instance went away). */
export type CampaignStatus = 'running' | 'stopping' | 'done' | 'stopped' | 'failed' | 'interrupted';

/** What was asked, as stored in the campaign record (never the password). */
export interface CampaignDoc {
  readonly id: string;
  readonly name?: string;
  readonly account: string;
  readonly file: string;
  readonly rows: number;
  readonly column?: string;
  readonly text?: string;
  readonly textColumn?: string;
  readonly from?: string;
  readonly rate?: number;
  readonly window?: number;
  readonly waitReceiptsSeconds?: number;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly instance: string;
}

const tags = ['campaigns'];
const IdParams = jsonSchema(z.object({ id: z.string().regex(/^[0-9a-f]{16}$/, 'must be a campaign id') }));
const ListQuery = jsonSchema(z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }));

/** Raw upload types (the fields then come in the query string). */
const RAW_TYPES: Readonly<Record<string, string>> = {
  'text/csv': '.csv',
  'application/csv': '.csv',
  'text/tab-separated-values': '.tsv',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': '.xlsx',
  'application/octet-stream': '',
};

const optionalText = (max: number) => z.string().min(1).max(max).optional();

/** The campaign fields, from multipart fields or the query string (all strings: coerced here). */
const Fields = z.object({
  account: z.string().min(1).max(64),
  name: optionalText(128),
  column: optionalText(128),
  text: optionalText(4000),
  textColumn: optionalText(128),
  from: optionalText(20),
  rate: z.coerce.number().min(0).max(100_000).optional(),
  window: z.coerce.number().int().min(1).max(100).optional(),
  /** Seconds to wait for final receipts after the last submit; `true` is 600, `false`/`0` none. */
  waitReceipts: z
    .union([z.enum(['true', 'false']), z.coerce.number().int().min(0).max(86_400)])
    .optional()
    .transform((v) => (v === 'true' ? 600 : v === 'false' || v === 0 ? undefined : v)),
  password: z.string().min(1).max(8).optional(),
  /** File name for a raw `application/octet-stream` upload (its extension picks the reader). */
  filename: optionalText(255),
});
type Fields = z.infer<typeof Fields>;

function campaignKey(prefix: string, id: string): string {
  return `${prefix}:campaign:${id}`;
}
function reportKey(prefix: string, id: string): string {
  return `${prefix}:campaign:${id}:report`;
}
function listKey(prefix: string): string {
  return `${prefix}:campaigns`;
}

/** Drops empty form fields: an untouched `<input>` sends `''`, which means "not given". */
function present(raw: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== '' && v !== undefined));
}

function parseFields(raw: Record<string, unknown>, where: string): Fields {
  const r = Fields.safeParse(present(raw));
  if (!r.success) throw validationError(fieldIssues(r.error), where);
  return r.data;
}

function bad(path: string, reason: string, where = 'body', cause?: HubError): HubError {
  const issues: FieldIssue[] = [{ path, reason }];
  const e = validationError(issues, where);
  if (cause !== undefined) (e.details as Record<string, unknown>).cause = cause.code;
  return e;
}

/** The uploaded file and the fields, from either upload form. */
async function readUpload(
  req: FastifyRequest,
  maxBytes: number,
): Promise<{ bytes: Buffer; filename: string; fields: Fields; where: string }> {
  if (req.isMultipart()) {
    const raw: Record<string, unknown> = {};
    let file: { bytes: Buffer; filename: string } | undefined;
    for await (const part of req.parts({ limits: { fileSize: maxBytes, files: 1, fields: 20 } })) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') {
          part.file.resume();
          throw bad(part.fieldname, 'unexpected file field (send the campaign file as "file")');
        }
        file = { bytes: await part.toBuffer(), filename: part.filename };
      } else {
        raw[part.fieldname] = typeof part.value === 'string' ? part.value : String(part.value);
      }
    }
    const fields = parseFields(raw, 'body');
    if (file === undefined || file.bytes.length === 0)
      throw bad('file', 'is required: a .csv, .tsv, .txt or .xlsx file');
    return { ...file, fields, where: 'body' };
  }
  if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
    throw bad(
      'file',
      'is required: send multipart/form-data with a "file" part, or the file itself as the body (text/csv or .xlsx)',
    );
  }
  const fields = parseFields(req.query as Record<string, unknown>, 'querystring');
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase();
  const ext = RAW_TYPES[type ?? ''] ?? '';
  const filename = fields.filename ?? `upload${ext === '' ? '.csv' : ext}`;
  return { bytes: req.body, filename, fields, where: 'querystring' };
}

/** Reads the upload with `@hub/send`'s reader (which works on files: a private temp dir, removed at once). */
async function readUploadTable(bytes: Buffer, filename: string): Promise<Table> {
  const safe =
    basename(filename)
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .slice(-100) || 'upload';
  const ext = extname(safe).toLowerCase();
  if (!['.csv', '.tsv', '.txt', '.xlsx'].includes(ext)) {
    throw bad('file', `'${basename(filename)}' is not a .csv, .tsv, .txt or .xlsx file`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'hub-campaign-'));
  try {
    const path = join(dir, safe);
    await writeFile(path, bytes, { mode: 0o600 });
    return await readTable(path);
  } catch (err) {
    if (isHubError(err) && err.code.startsWith('HUB_ERR_SEND_')) {
      throw bad('file', err.message.replace(dir, '').replace(/\/+/g, ''), 'body', err);
    }
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function hasColumn(columns: readonly string[], name: string): boolean {
  return columns.some((c) => c === name || c.toLowerCase() === name.toLowerCase());
}

/** Rows to send; `@hub/send`'s column and template errors become 400s naming the field. */
function recipientsOf(table: Table, f: Fields, where: string): Recipient[] {
  try {
    return recipientsFromTable(table, {
      ...(f.column === undefined ? {} : { column: f.column }),
      ...(f.text === undefined ? {} : { text: f.text }),
      ...(f.textColumn === undefined ? {} : { textColumn: f.textColumn }),
    });
  } catch (err) {
    if (!isHubError(err)) throw err;
    switch (err.code) {
      case 'HUB_ERR_SEND_COLUMN_MISSING': {
        const field = f.column !== undefined && !hasColumn(table.columns, f.column) ? 'column' : 'textColumn';
        throw bad(field, err.message, where, err);
      }
      case 'HUB_ERR_SEND_TEMPLATE_FIELD':
      case 'HUB_ERR_SEND_NO_TEXT':
        throw bad('text', err.message, where, err);
      default:
        throw err;
    }
  }
}

/** A campaign this instance runs. */
interface Running {
  readonly campaign: Campaign;
  readonly done: Promise<void>;
}

/**
 * Registers `/v1/campaigns` (role `operator` for everything: reports hold phone numbers). `options: false`
 * registers nothing. Campaigns still running when the app closes are stopped (in-flight submits finish) and
 * recorded as `stopped`.
 */
export async function registerCampaigns(
  app: FastifyInstance,
  ctx: ApiContext,
  options: CampaignsOptions | false = {},
): Promise<void> {
  if (options === false) return;
  const smpp = options.smpp ?? { host: '127.0.0.1', port: 2775 };
  const passwords = options.passwords ?? {};
  const allowRequestPassword = options.allowRequestPassword ?? true;
  const maxConcurrent = options.maxConcurrent ?? 4;
  const maxBytes = options.maxUploadBytes ?? 20 * 1024 * 1024;
  const maxRows = options.maxRows ?? 200_000;
  const intervalMs = options.progressIntervalMs ?? 1_000;
  const retention = options.retentionSeconds ?? 7 * 86_400;
  const instance = options.instance ?? `${hostname()}-${process.pid}`;
  // A runner that has not written for this long is gone (its process died mid-campaign).
  const staleAfterMs = Math.max(30_000, intervalMs * 10);
  const running = new Map<string, Running>();
  const { redis, prefix } = ctx;

  async function writeProgress(id: string, p: Progress): Promise<string | null> {
    const key = campaignKey(prefix, id);
    const [, stop] = (await redis
      .multi()
      .hset(key, 'progress', JSON.stringify(p), 'updatedAt', String(ctx.now()))
      .hget(key, 'stop')
      .exec()) as [[Error | null, unknown], [Error | null, string | null]];
    return stop[1];
  }

  async function finish(
    id: string,
    status: CampaignStatus,
    fields: { progress: Progress; summary?: Summary; error?: HubError; report?: string },
  ): Promise<void> {
    const key = campaignKey(prefix, id);
    const values: string[] = [
      'status',
      status,
      'progress',
      JSON.stringify(fields.progress),
      'updatedAt',
      String(ctx.now()),
      'endedAt',
      String(ctx.now()),
    ];
    if (fields.summary !== undefined) values.push('summary', JSON.stringify(fields.summary));
    if (fields.error !== undefined)
      values.push('error', JSON.stringify({ code: fields.error.code, message: fields.error.message }));
    // The report first: whoever sees the final status (any API instance) must find the report.
    if (fields.report !== undefined) await redis.set(reportKey(prefix, id), fields.report, 'EX', retention);
    await redis.hset(key, ...values);
    await redis.expire(key, retention);
  }

  function start(doc: CampaignDoc, opts: CampaignOptions): void {
    const campaign = new Campaign(opts);
    let writing = false;
    let stopSeen = false;
    const tick = setInterval(() => {
      if (writing) return;
      writing = true;
      writeProgress(doc.id, campaign.progress)
        .then((stop) => {
          if (stop === '1' && !stopSeen) {
            stopSeen = true;
            campaign.stop();
          }
        })
        .catch((err: unknown) => ctx.log.warn({ err, campaign: doc.id }, 'campaign progress write failed'))
        .finally(() => {
          writing = false;
        });
    }, intervalMs);
    tick.unref();
    const done = campaign
      .run()
      .then(
        async ({ rows, summary }) => {
          clearInterval(tick);
          const stopped = stopSeen || (await redis.hget(campaignKey(prefix, doc.id), 'stop')) === '1';
          await finish(doc.id, stopped ? 'stopped' : 'done', {
            progress: campaign.progress,
            summary,
            report: reportCsv(rows),
          });
        },
        async (err: unknown) => {
          clearInterval(tick);
          const e = isHubError(err)
            ? err
            : new Errors.HUB_ERR_INTERNAL('campaign run failed', { cause: err as Error });
          if (!isHubError(err)) ctx.log.error({ err, campaign: doc.id }, 'campaign run failed');
          await finish(doc.id, 'failed', { progress: campaign.progress, error: e });
        },
      )
      .catch((err: unknown) =>
        ctx.log.error({ err, campaign: doc.id }, 'campaign end could not be recorded in Redis'),
      )
      .finally(() => {
        running.delete(doc.id);
      });
    running.set(doc.id, { campaign, done });
  }

  async function view(id: string): Promise<Record<string, unknown>> {
    const h = await redis.hgetall(campaignKey(prefix, id));
    if (h.doc === undefined) throw new Errors.HUB_ERR_NOT_FOUND('campaign', id);
    const doc = JSON.parse(h.doc) as CampaignDoc;
    const p = h.progress === undefined ? undefined : (JSON.parse(h.progress) as Progress);
    const updatedAt = Number(h.updatedAt ?? doc.createdAt);
    let status = (h.status ?? 'running') as CampaignStatus;
    // Only the runner writes the final status; a stop request shows as `stopping` until then.
    if (status === 'running' && h.stop === '1') status = 'stopping';
    if ((status === 'running' || status === 'stopping') && ctx.now() - updatedAt > staleAfterMs)
      status = 'interrupted';
    return {
      ...doc,
      status,
      phase: p?.phase ?? 'binding',
      sent: p === undefined ? 0 : p.accepted + p.refused + p.failed,
      done: p?.done ?? 0,
      accepted: p?.accepted ?? 0,
      refused: p?.refused ?? 0,
      failed: p?.failed ?? 0,
      skipped: p?.skipped ?? 0,
      submits: p?.submits ?? 0,
      receipts: p?.finalReceipts ?? 0,
      awaitingReceipts: p?.awaitingReceipts ?? 0,
      elapsedMs: p?.elapsedMs ?? 0,
      updatedAt,
      ...(h.endedAt === undefined ? {} : { endedAt: Number(h.endedAt) }),
      ...(h.summary === undefined ? {} : { summary: JSON.parse(h.summary) }),
      ...(h.error === undefined ? {} : { error: JSON.parse(h.error) }),
      reportReady: status === 'done' || status === 'stopped',
    };
  }

  app.addHook('onClose', async () => {
    const all = [...running.values()];
    for (const r of all) r.campaign.stop();
    await Promise.all(all.map((r) => r.done));
  });

  await app.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: maxBytes, files: 1, fields: 20, parts: 25 } });
    scope.addContentTypeParser(
      Object.keys(RAW_TYPES),
      { parseAs: 'buffer', bodyLimit: maxBytes },
      (_req, body, done) => done(null, body),
    );
    // Thrown on to the app's error handler, with this route's limit rather than the app-wide one.
    scope.setErrorHandler((err: FastifyError) => {
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.code === 'FST_REQ_FILE_TOO_LARGE')
        throw new Errors.HUB_ERR_API_BODY_TOO_LARGE(maxBytes);
      throw err;
    });

    scope.post(
      '/v1/campaigns',
      {
        bodyLimit: maxBytes,
        config: { role: 'operator' },
        schema: {
          tags,
          summary:
            'Start a campaign from a CSV/XLSX upload (multipart "file" + fields, or the raw file with fields in the query)',
          consumes: ['multipart/form-data', ...Object.keys(RAW_TYPES)],
        },
      },
      async (req, reply) => {
        const { bytes, filename, fields: f, where } = await readUpload(req, maxBytes);
        if (f.from !== undefined && parseSource(f.from) === undefined)
          throw bad('from', 'alphanumeric senders are at most 11 characters', where);
        const acct = await ctx.store.get<Account>(KINDS.accounts, f.account);
        if (acct === undefined) throw bad('account', `no account '${f.account}'`, where);
        const sm = acct.doc.smpp;
        if (sm === undefined)
          throw bad('account', `account '${f.account}' has no SMPP credentials to bind with`, where);
        if (!acct.doc.enabled) throw bad('account', `account '${f.account}' is disabled`, where);
        let password = passwords[f.account];
        if (password === undefined) {
          if (f.password === undefined || !allowRequestPassword) {
            throw bad(
              'password',
              allowRequestPassword
                ? `is required: no campaign password is configured for account '${f.account}'`
                : `no campaign password is configured for account '${f.account}' (campaigns.passwords)`,
              where,
            );
          }
          if (!(await verifySecret(f.password, sm.passwordHash).catch(() => false)))
            throw bad('password', `is not the SMPP password of account '${f.account}'`, where);
          password = f.password;
        }
        const table = await readUploadTable(bytes, filename);
        if (table.rows.length > maxRows)
          throw bad('file', `has ${table.rows.length} rows; at most ${maxRows}`, where);
        const recipients = recipientsOf(table, f, where);
        if (running.size >= maxConcurrent) {
          throw new Errors.HUB_ERR_THROTTLED(
            `${running.size} campaigns are running on this instance (at most ${maxConcurrent})`,
          );
        }

        const id = randomBytes(8).toString('hex');
        const doc: CampaignDoc = {
          id,
          ...(f.name === undefined ? {} : { name: f.name }),
          account: f.account,
          file: basename(filename),
          rows: recipients.length,
          ...(f.column === undefined ? {} : { column: f.column }),
          ...(f.text === undefined ? {} : { text: f.text }),
          ...(f.textColumn === undefined ? {} : { textColumn: f.textColumn }),
          ...(f.from === undefined ? {} : { from: f.from }),
          ...(f.rate === undefined ? {} : { rate: f.rate }),
          ...(f.window === undefined ? {} : { window: f.window }),
          ...(f.waitReceipts === undefined ? {} : { waitReceiptsSeconds: f.waitReceipts }),
          createdAt: ctx.now(),
          createdBy: who(req),
          instance,
        };
        const key = campaignKey(prefix, id);
        await redis.hset(
          key,
          'doc',
          JSON.stringify(doc),
          'status',
          'running',
          'updatedAt',
          String(doc.createdAt),
        );
        // Kept while it runs too: a campaign whose runner died still disappears eventually.
        await redis.expire(key, retention * 2);
        await redis.zadd(listKey(prefix), doc.createdAt, id);
        await redis.zremrangebyscore(listKey(prefix), '-inf', doc.createdAt - retention * 1000);

        start(doc, {
          target: {
            host: smpp.host,
            port: smpp.port,
            tls: smpp.tls === true,
            systemId: sm.systemId,
            password,
            systemType: sm.systemType ?? '',
          },
          ...(smpp.tlsOptions === undefined ? {} : { tls: smpp.tlsOptions }),
          recipients,
          ...(f.from === undefined ? {} : { from: f.from }),
          ...(f.rate === undefined ? {} : { rate: f.rate }),
          ...(f.window === undefined ? {} : { window: f.window }),
          ...(f.waitReceipts === undefined ? {} : { waitReceiptsMs: f.waitReceipts * 1000 }),
        });
        await audit(ctx, req, {
          kind: 'campaigns',
          id,
          op: 'create',
          detail: `account ${f.account}, ${recipients.length} rows from ${doc.file}`,
        });
        void reply.header('location', `/v1/campaigns/${id}`);
        return reply.code(202).send({ id, status: 'running', rows: recipients.length });
      },
    );
  });

  app.get(
    '/v1/campaigns',
    {
      config: { role: 'operator' },
      schema: { tags, summary: 'Campaigns, newest first', querystring: ListQuery },
    },
    async (req) => {
      const { limit } = req.query as { limit: number };
      const ids = await redis.zrevrange(listKey(prefix), 0, limit - 1);
      const items = await Promise.all(
        ids.map((id) =>
          view(id).catch((err: unknown) => {
            if (isHubError(err, 'HUB_ERR_NOT_FOUND')) return undefined; // expired
            throw err;
          }),
        ),
      );
      return { items: items.filter((v) => v !== undefined) };
    },
  );

  app.get(
    '/v1/campaigns/:id',
    { config: { role: 'operator' }, schema: { tags, summary: "A campaign's progress", params: IdParams } },
    async (req) => view((req.params as { id: string }).id),
  );

  app.get(
    '/v1/campaigns/:id/report',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        summary: 'The CSV report (one line per row: message ids, submit status, receipt), once it ended',
        params: IdParams,
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const csv = await redis.get(reportKey(prefix, id));
      if (csv === null) {
        const v = await view(id);
        throw new Errors.HUB_ERR_CONFLICT(
          v.status === 'failed' || v.status === 'interrupted'
            ? `campaign ${id} is ${v.status}: it has no report`
            : `campaign ${id} is ${v.status}: the report is written when it ends`,
          { details: { status: v.status } },
        );
      }
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="campaign-${id}.csv"`)
        .send(csv);
    },
  );

  app.delete(
    '/v1/campaigns/:id',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        summary: 'Stop a campaign (rows not yet sent are reported not-sent)',
        params: IdParams,
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const v = await view(id);
      if (v.status !== 'running' && v.status !== 'stopping') return { id, status: v.status };
      await redis.hset(campaignKey(prefix, id), 'stop', '1');
      // The runner (maybe another instance) sees the flag at its next progress write; locally, at once.
      running.get(id)?.campaign.stop();
      await audit(ctx, req, { kind: 'campaigns', id, op: 'cancel', detail: 'stop requested' });
      return reply.code(202).send({ id, status: 'stopping' });
    },
  );
}
