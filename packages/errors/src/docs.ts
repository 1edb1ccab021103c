import { Errors } from './catalog/index.js';

const hex = (n: number | undefined): string =>
  n === undefined ? '' : `0x${n.toString(16).padStart(2, '0').toUpperCase()}`;

/**
 * Renders the catalog as the Markdown table of docs/errors.md (one row per code, with every wire status).
 * `scripts/gen-errors-doc.ts` writes it; `docs.test.ts` fails when the file and the catalog disagree.
 */
export function renderErrorsDoc(): string {
  const rows = Object.values(Errors)
    .map((E) => {
      const s = E.spec;
      return `| \`${E.code}\` | ${s.message.replace(/\|/g, '\\|')} | ${hex(s.smpp ?? 0x08)} | ${s.mm7 ?? 3000} | ${(s.smtp ?? [451, '4.3.0']).join(' ')} | ${s.http ?? 500} | ${s.recovery ?? 'permanent'} |`;
    })
    .sort();
  return [
    '# Error catalog',
    '',
    'Every failure in Hub is a typed error with a stable code, declared once in `packages/errors/src/catalog/`,',
    'with the status each protocol answers it with. Handlers never pick wire statuses themselves. This file is',
    'generated from the catalog (`pnpm gen:errors`); a test fails when they disagree.',
    '',
    '`%s` in a message is filled with the specifics (an address, a field, a reason). Recovery tells a sender',
    'what to do: `temporary` retry later, `throttled` slow down and retry, `permanent` do not retry.',
    '',
    '| code | message | SMPP command_status | MM7 StatusCode | SMTP reply | HTTP | recovery |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
