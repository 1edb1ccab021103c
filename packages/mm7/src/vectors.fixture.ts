/** Test helper: loads the shared MM7 vectors (read in place, never copied) and splits `.http` captures. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repo root (…/main), from this file's location. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The shared vectors folder, resolved relative to the repo root. */
export const vectorsDir = path.resolve(repoRoot, '../shared/vectors/mm7');

export interface Vector {
  readonly file: string;
  readonly contentType: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** Splits an HTTP request capture: request line, headers (folded lines joined), body. */
export function splitHttp(raw: Buffer): {
  requestLine: string;
  headers: Record<string, string>;
  body: Buffer;
} {
  let end = raw.indexOf('\r\n\r\n');
  let sep = 4;
  const lf = raw.indexOf('\n\n');
  if (end < 0 || (lf >= 0 && lf < end)) {
    end = lf;
    sep = 2;
  }
  const head = raw.toString('latin1', 0, end).replace(/\r?\n[ \t]+/g, ' ');
  const [requestLine = '', ...lines] = head.split(/\r?\n/);
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const c = l.indexOf(':');
    if (c > 0) headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
  }
  return { requestLine, headers, body: raw.subarray(end + sep) };
}

/** Every vector file, or `undefined` when the folder is absent. */
export function loadVectors(): Vector[] | undefined {
  if (!existsSync(vectorsDir)) return undefined;
  return readdirSync(vectorsDir)
    .filter((f) => !f.startsWith('.'))
    .sort()
    .map((file) => {
      const raw = readFileSync(path.join(vectorsDir, file));
      if (file.endsWith('.http')) {
        const { headers, body } = splitHttp(raw);
        return { file, contentType: headers['content-type'], headers, body };
      }
      if (file.endsWith('.xml'))
        return { file, contentType: 'text/xml; charset=utf-8', headers: {}, body: raw };
      return { file, contentType: undefined, headers: {}, body: raw };
    });
}
