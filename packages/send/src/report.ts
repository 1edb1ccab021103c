/**
 * The campaign report (one CSV line per row) and the human-readable summary and progress lines. Pure
 * string building, plus {@link writeReport} which writes the file.
 */
import { writeFile } from 'node:fs/promises';
import { Errors } from '@hub/errors';
import { statusName } from '@hub/smpp';
import { type Progress, type RowResult, rowStat, type Summary } from './campaign.js';

/** Report columns, in order. */
export const REPORT_COLUMNS = [
  'row',
  'number',
  'message_id',
  'parts',
  'submit_status',
  'error',
  'receipt_stat',
  'receipt_err',
  'receipt_at',
] as const;

function csvCell(v: string): string {
  return /[",\r\n]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * `submit_status` of a row: `OK` when accepted, the status name when refused (ESME_RINVDSTADR), else the
 * outcome (`failed`, `invalid-number`, `empty-text`, `not-sent`).
 */
export function submitStatus(r: RowResult): string {
  if (r.outcome === 'accepted') return 'OK';
  if (r.outcome === 'refused') return r.smppStatus === undefined ? 'refused' : statusName(r.smppStatus);
  return r.outcome;
}

/**
 * The report as CSV text (header line, then one line per row in file order). `message_id` holds the Hub
 * message id, space-separated per part for long messages; the receipt columns are empty until a final
 * receipt came for every part (then DELIVRD, or the first other stat).
 */
export function reportCsv(rows: readonly RowResult[]): string {
  const lines = [REPORT_COLUMNS.join(',')];
  for (const r of rows) {
    const rc = rowStat(r);
    lines.push(
      [
        String(r.row),
        r.number,
        r.messageIds.join(' '),
        String(r.parts),
        submitStatus(r),
        r.error ?? '',
        rc?.stat ?? '',
        rc?.err ?? '',
        rc === undefined ? '' : new Date(rc.at).toISOString(),
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Writes {@link reportCsv} to `path`. Throws `HUB_ERR_SEND_INVALID_OPTION` when it cannot be written. */
export async function writeReport(path: string, rows: readonly RowResult[]): Promise<void> {
  try {
    await writeFile(path, reportCsv(rows), 'utf8');
  } catch (err) {
    throw new Errors.HUB_ERR_SEND_INVALID_OPTION(
      '--report',
      `cannot write ${path}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

function list(m: Readonly<Record<string, number>>): string {
  return Object.entries(m)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

/** The end-of-run summary, several lines, for stdout. */
export function formatSummary(s: Summary): string {
  const refused = Object.values(s.refused).reduce((a, b) => a + b, 0);
  const failed = Object.values(s.failed).reduce((a, b) => a + b, 0);
  const skipped = Object.values(s.skipped).reduce((a, b) => a + b, 0);
  const lines = [
    `rows       ${s.total}`,
    `sent       ${s.sent} (${s.submits} submit_sm, ${s.submitsPerSecond.toFixed(1)}/s${s.throttled > 0 ? `, ${s.throttled} throttled and retried` : ''})`,
    `accepted   ${s.accepted}`,
    `refused    ${refused}${refused > 0 ? ` (${list(s.refused)})` : ''}`,
  ];
  if (failed > 0) lines.push(`failed     ${failed} (${list(s.failed)})`);
  if (skipped > 0) lines.push(`not sent   ${skipped} (${list(s.skipped)})`);
  if (s.receiptsRequested) {
    const got = Object.values(s.receipts).reduce((a, b) => a + b, 0);
    lines.push(
      `receipts   ${got}${got > 0 ? ` (${list(s.receipts)})` : ''}${s.receiptsMissing > 0 ? `; ${s.receiptsMissing} still pending` : ''}`,
    );
    if (s.receiptsUnmatched > 0)
      lines.push(`            ${s.receiptsUnmatched} receipts for unknown message ids`);
  }
  lines.push(`time       ${(s.durationMs / 1000).toFixed(1)} s`);
  return lines.join('\n');
}

/**
 * One progress line. With `width`, a bar for terminals (`[#####.....] 50% 500/1000 …`, redrawn in place);
 * without, a plain line for logs and pipes.
 */
export function formatProgress(p: Progress, width?: number): string {
  const pct = p.total === 0 ? 100 : Math.floor((p.done * 100) / p.total);
  const secs = p.elapsedMs / 1000;
  const rate = secs > 0 ? p.submits / secs : 0;
  const counts = `ok ${p.accepted} refused ${p.refused}${p.failed > 0 ? ` failed ${p.failed}` : ''}${p.skipped > 0 ? ` skipped ${p.skipped}` : ''}`;
  const tail =
    p.phase === 'waiting-receipts'
      ? `waiting for receipts: ${p.finalReceipts} in, ${p.awaitingReceipts} pending`
      : `${rate.toFixed(0)} msg/s`;
  const text = `${pct}% ${p.done}/${p.total} ${counts} | ${tail}`;
  if (width === undefined) return text;
  const barWidth = Math.max(10, Math.min(40, width - text.length - 4));
  const filled = Math.round((barWidth * pct) / 100);
  return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${text}`.slice(0, Math.max(20, width - 1));
}
