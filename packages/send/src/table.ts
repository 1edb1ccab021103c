/**
 * Reads a campaign file into a table of strings: CSV/TSV/TXT (UTF-8, delimiter detected among `,` `;` tab)
 * or an Excel workbook (.xlsx, first worksheet unless one is named). The first row is the header unless it
 * looks like data (a phone number in any cell), in which case columns are named A, B, C… like Excel's.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Errors } from '@hub/errors';
import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { looksLikeNumber } from './address.js';

/** A file read into strings: column names and data rows (cells by column index). */
export interface Table {
  /** File name as given, for messages. */
  readonly file: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
  /** True when the first row was data and the columns were named A, B, C… */
  readonly headerless: boolean;
  /** 1-based line (CSV) or row (xlsx) number of the first data row, for reports. */
  readonly firstRowNumber: number;
}

/** Options of {@link readTable}. */
export interface ReadTableOptions {
  /** Worksheet name for .xlsx (default: the first). */
  readonly sheet?: string;
}

/** Excel-style column name for a 0-based index: A…Z, AA… */
export function columnLetter(index: number): string {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/**
 * Reads `path` by its extension. Throws `HUB_ERR_SEND_FILE_FORMAT` for other extensions,
 * `HUB_ERR_SEND_FILE_UNREADABLE` when the file is missing, not UTF-8 (CSV) or not a workbook, and
 * `HUB_ERR_SEND_FILE_EMPTY` when no data row remains.
 */
export async function readTable(path: string, opts: ReadTableOptions = {}): Promise<Table> {
  const ext = extname(path).toLowerCase();
  let cells: string[][];
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') cells = await readDelimited(path);
  else if (ext === '.xlsx') cells = await readXlsx(path, opts.sheet);
  else throw new Errors.HUB_ERR_SEND_FILE_FORMAT(basename(path));
  return toTable(path, cells);
}

/** Builds a {@link Table} from raw cells (header detection, trailing empty rows and columns dropped). */
export function toTable(file: string, cells: readonly (readonly string[])[]): Table {
  const rows = cells.filter((r) => r.some((c) => c.trim().length > 0));
  const first = rows[0];
  if (first === undefined) throw new Errors.HUB_ERR_SEND_FILE_EMPTY(basename(file));
  const width = Math.max(...rows.map((r) => lastFilled(r) + 1));
  const headerless = first.some((c) => looksLikeNumber(c));
  const columns = headerless
    ? Array.from({ length: width }, (_, i) => columnLetter(i))
    : Array.from({ length: width }, (_, i) => (first[i] ?? '').trim() || columnLetter(i));
  const data = headerless ? rows : rows.slice(1);
  if (data.length === 0) throw new Errors.HUB_ERR_SEND_FILE_EMPTY(basename(file));
  return { file: basename(file), columns, rows: data, headerless, firstRowNumber: headerless ? 1 : 2 };
}

function lastFilled(r: readonly string[]): number {
  for (let i = r.length - 1; i >= 0; i--) if ((r[i] ?? '').trim().length > 0) return i;
  return -1;
}

async function load(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(err);
    throw new Errors.HUB_ERR_SEND_FILE_UNREADABLE(path, why, { cause: err });
  }
}

async function readDelimited(path: string): Promise<string[][]> {
  const bytes = await load(path);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (err) {
    // Excel's plain "CSV" is in the Windows code page; "CSV UTF-8" is what we read.
    throw new Errors.HUB_ERR_SEND_FILE_UNREADABLE(path, 'not UTF-8 text (save it as "CSV UTF-8")', {
      cause: err,
    });
  }
  try {
    return parseCsv(text, {
      delimiter: detectDelimiter(text),
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      bom: true,
    }) as string[][];
  } catch (err) {
    throw new Errors.HUB_ERR_SEND_FILE_UNREADABLE(path, (err as Error).message, { cause: err });
  }
}

/** The delimiter among `,` `;` and tab that occurs most in the first line outside quotes (default `,`). */
export function detectDelimiter(text: string): string {
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ]);
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && counts.has(c)) counts.set(c, (counts.get(c) as number) + 1);
  }
  let best = ',';
  let max = 0;
  for (const [d, n] of counts) {
    if (n > max) {
      best = d;
      max = n;
    }
  }
  return best;
}

async function readXlsx(path: string, sheet: string | undefined): Promise<string[][]> {
  const bytes = await load(path);
  const wb = new ExcelJS.Workbook();
  try {
    // exceljs's own Buffer type predates Node's generic Buffer.
    await wb.xlsx.load(bytes as unknown as ExcelJS.Buffer);
  } catch (err) {
    throw new Errors.HUB_ERR_SEND_FILE_UNREADABLE(path, `not an .xlsx workbook (${(err as Error).message})`, {
      cause: err,
    });
  }
  const ws = sheet === undefined ? wb.worksheets[0] : wb.getWorksheet(sheet);
  if (ws === undefined) {
    const names = wb.worksheets.map((w) => w.name).join(', ');
    throw new Errors.HUB_ERR_SEND_FILE_UNREADABLE(
      path,
      sheet === undefined
        ? 'the workbook has no worksheet'
        : `no worksheet '${sheet}' (worksheets: ${names})`,
    );
  }
  const out: string[][] = [];
  ws.eachRow({ includeEmpty: false }, (row) => {
    const cells: string[] = [];
    for (let i = 1; i <= row.cellCount; i++) cells.push(cellText(row.getCell(i).value));
    out.push(cells);
  });
  return out;
}

/**
 * The text of an Excel cell value. Whole numbers are written without exponent or decimals, so a phone
 * number typed as a number (821012345678) comes back as its digits.
 */
export function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? v.toFixed(0) : String(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (v instanceof Date) return v.toISOString().replace(/T00:00:00\.000Z$/, '');
  if ('richText' in v) return v.richText.map((r) => r.text).join('');
  if ('formula' in v || 'sharedFormula' in v) {
    const r = (v as { result?: ExcelJS.CellValue }).result;
    return typeof r === 'object' && r !== null && 'error' in r ? '' : cellText(r as ExcelJS.CellValue);
  }
  if ('hyperlink' in v) return String((v as { text?: unknown }).text ?? '');
  if ('error' in v) return '';
  return String(v);
}
