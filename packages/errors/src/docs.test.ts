import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderErrorsDoc } from './docs.js';

test('docs/errors.md lists exactly the catalog (regenerate with `pnpm gen:errors`)', () => {
  const file = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  assert.equal(file, renderErrorsDoc());
});
