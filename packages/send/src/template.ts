/**
 * Message templates with `{column}` fields, filled per row of a campaign file. `{{` and `}}` write a
 * literal brace. Field names are matched against column names exactly, then case-insensitively.
 */
import { Errors } from '@hub/errors';

/** A parsed template: literal text and field references, in order. */
export interface Template {
  readonly source: string;
  readonly parts: ReadonlyArray<{ readonly text: string } | { readonly field: string }>;
  /** Distinct field names, in order of first use. */
  readonly fields: readonly string[];
}

/**
 * Parses `source`. Throws `HUB_ERR_SEND_NO_TEXT` for an unclosed `{`, an empty `{}` or a stray `}`:
 * the caller reports it and stops before sending anything.
 */
export function parseTemplate(source: string): Template {
  const parts: Array<{ text: string } | { field: string }> = [];
  const fields: string[] = [];
  let text = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (c === '{' && source[i + 1] === '{') {
      text += '{';
      i++;
    } else if (c === '}' && source[i + 1] === '}') {
      text += '}';
      i++;
    } else if (c === '{') {
      const end = source.indexOf('}', i + 1);
      if (end === -1)
        throw new Errors.HUB_ERR_SEND_NO_TEXT(`unclosed '{' at position ${i + 1} of the template`);
      const name = source.slice(i + 1, end).trim();
      if (name.length === 0) throw new Errors.HUB_ERR_SEND_NO_TEXT(`empty field '{}' at position ${i + 1}`);
      if (text.length > 0) parts.push({ text });
      text = '';
      parts.push({ field: name });
      if (!fields.includes(name)) fields.push(name);
      i = end;
    } else if (c === '}') {
      throw new Errors.HUB_ERR_SEND_NO_TEXT(`stray '}' at position ${i + 1} (write '}}' for a brace)`);
    } else {
      text += c;
    }
  }
  if (text.length > 0) parts.push({ text });
  return { source, parts, fields };
}

/**
 * Maps each template field to the column it reads (exact name first, then case-insensitive). Throws
 * `HUB_ERR_SEND_TEMPLATE_FIELD` for a field no column matches; `file` names the file in the message.
 */
export function bindTemplate(t: Template, columns: readonly string[], file: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const f of t.fields) {
    let i = columns.indexOf(f);
    if (i === -1) i = columns.findIndex((c) => c.toLowerCase() === f.toLowerCase());
    if (i === -1) throw new Errors.HUB_ERR_SEND_TEMPLATE_FIELD(f, file, columns.join(', '));
    map.set(f, i);
  }
  return map;
}

/** Fills `t` from one row (cells by column index); a missing cell renders as an empty string. */
export function renderTemplate(
  t: Template,
  binding: ReadonlyMap<string, number>,
  row: readonly string[],
): string {
  let out = '';
  for (const p of t.parts) {
    if ('text' in p) out += p.text;
    else out += row[binding.get(p.field) ?? -1] ?? '';
  }
  return out;
}
