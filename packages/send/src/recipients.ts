/**
 * Turns a {@link Table} and the campaign options into the list of messages to send: which column holds
 * the number, where each row's text comes from (a template with `{column}` fields, or a text column), and
 * which rows are unusable (bad number, empty text). No I/O.
 */
import { Errors } from '@hub/errors';
import { parseDestination, type SmppAddr } from './address.js';
import type { Table } from './table.js';
import { bindTemplate, parseTemplate, renderTemplate } from './template.js';

/** One row to send (or to report as unusable). */
export interface Recipient {
  /** Row number in the file (1-based, header counted), or 1 for a single `--to` message. */
  readonly row: number;
  /** The number as written in the file. */
  readonly number: string;
  /** Parsed destination, undefined when the number is not usable. */
  readonly dest: SmppAddr | undefined;
  readonly text: string;
  /** Why the row is not sent (`invalid-number`, `empty-text`), undefined when it is. */
  readonly skip: 'invalid-number' | 'empty-text' | undefined;
}

/** How to read a campaign table. */
export interface CampaignColumns {
  /** Number column (default: the first named phone, number, msisdn, mobile, to, recipient, else the first). */
  readonly column?: string;
  /** Text template with `{column}` fields; wins over `textColumn`. */
  readonly text?: string;
  /** Column holding each row's text (default when no `text`: a column named text or message). */
  readonly textColumn?: string;
}

const NUMBER_NAMES = ['phone', 'number', 'msisdn', 'mobile', 'to', 'recipient', 'destination', 'tel'];
const TEXT_NAMES = ['text', 'message', 'body', 'sms'];

function findColumn(columns: readonly string[], name: string): number {
  const exact = columns.indexOf(name);
  return exact !== -1 ? exact : columns.findIndex((c) => c.toLowerCase() === name.toLowerCase());
}

/**
 * Resolves the columns and renders every row. Throws (before anything is sent) `HUB_ERR_SEND_COLUMN_MISSING`
 * for a named column absent from the header, `HUB_ERR_SEND_TEMPLATE_FIELD` for a template field that is no
 * column, and `HUB_ERR_SEND_NO_TEXT` when there is neither a template nor a text column.
 */
export function recipientsFromTable(table: Table, opts: CampaignColumns): Recipient[] {
  const { columns, file } = table;
  let numberCol: number;
  if (opts.column !== undefined) {
    numberCol = findColumn(columns, opts.column);
    if (numberCol === -1) throw new Errors.HUB_ERR_SEND_COLUMN_MISSING(opts.column, file, columns.join(', '));
  } else {
    numberCol = columns.findIndex((c) => NUMBER_NAMES.includes(c.toLowerCase()));
    if (numberCol === -1) numberCol = 0;
  }
  let textOf: (row: readonly string[]) => string;
  if (opts.text !== undefined) {
    const tpl = parseTemplate(opts.text);
    const binding = bindTemplate(tpl, columns, file);
    textOf = (row) => renderTemplate(tpl, binding, row);
  } else {
    let textCol: number;
    if (opts.textColumn !== undefined) {
      textCol = findColumn(columns, opts.textColumn);
      if (textCol === -1)
        throw new Errors.HUB_ERR_SEND_COLUMN_MISSING(opts.textColumn, file, columns.join(', '));
    } else {
      textCol = columns.findIndex((c, i) => i !== numberCol && TEXT_NAMES.includes(c.toLowerCase()));
      if (textCol === -1)
        throw new Errors.HUB_ERR_SEND_NO_TEXT(
          `give --text "…" (with {column} fields) or --text-column; ${file} has no text or message column`,
        );
    }
    textOf = (row) => row[textCol] ?? '';
  }
  return table.rows.map((row, i) => {
    const number = (row[numberCol] ?? '').trim();
    const text = textOf(row);
    const dest = parseDestination(number);
    const skip = dest === undefined ? 'invalid-number' : text.length === 0 ? 'empty-text' : undefined;
    return { row: table.firstRowNumber + i, number, dest, text, skip } satisfies Recipient;
  });
}

/**
 * The single recipient of `hub send --to … --text …`. Throws `HUB_ERR_SEND_INVALID_OPTION` for an unusable
 * number and `HUB_ERR_SEND_NO_TEXT` for an empty text: one message has no other rows to go on with.
 */
export function singleRecipient(to: string, text: string): Recipient {
  const dest = parseDestination(to);
  if (dest === undefined)
    throw new Errors.HUB_ERR_SEND_INVALID_OPTION('--to', `'${to}' is not a phone number`);
  if (text.length === 0) throw new Errors.HUB_ERR_SEND_NO_TEXT('--text is empty');
  return { row: 1, number: to, dest, text, skip: undefined };
}
